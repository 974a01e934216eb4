// Public surface of @ai-gateway/gateway: composition roots for embedded and distributed mode.
export { startEmbedded, DEFAULT_SLIP, type RunningGateway, type EmbeddedOptions } from './embedded.ts';
export { startIngressService, startRouterService, connectBus, natsUrlOf, subjectsFromEnv, type ServiceHandle } from './node-services.ts';
export { buildRouter, timeoutsFrom } from './compose/router.ts';
export { buildCatalog, buildIngressServer, newIngressId } from './compose/ingress.ts';
export { banner } from './cli.ts';
