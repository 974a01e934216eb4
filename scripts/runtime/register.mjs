// Production TypeScript loader: `node --import ./scripts/runtime/register.mjs <entry>.ts`.
// tsx (used by the tests) compiles with esbuild's keepNames and turns on source-map support, which costs a
// defineProperty per named closure and makes every Error's stack expensive; on the hot path that measured
// ~20% of CPU per request. This loader transpiles with esbuild without either. Debug with --enable-source-maps.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
