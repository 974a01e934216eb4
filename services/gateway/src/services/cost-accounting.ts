// Distributed mode: cost accounting (spend, budgets, reservations, keys, admin API) as its own process.
import { runService } from './run.ts';

await runService('accounting');
