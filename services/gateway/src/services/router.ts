// Distributed mode: the router stage as its own process (run as many replicas as you like).
import { runService } from './run.ts';

await runService('router');
