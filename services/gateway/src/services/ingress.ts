// Distributed mode: the HTTP ingress as its own process.
import { runService } from './run.ts';

await runService('ingress');
