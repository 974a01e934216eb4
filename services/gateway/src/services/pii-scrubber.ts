// Distributed mode: the guardrails stage (PII scrubbing, prompt-injection detection) as its own process.
import { runService } from './run.ts';

await runService('pii');
