// Distributed mode: the exact + semantic cache stage (and its cache writer) as its own process.
import { runService } from './run.ts';

await runService('cache');
