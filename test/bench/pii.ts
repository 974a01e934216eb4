// PII scrub benchmark: time to scrub a 4 KB chat prompt (detect + anonymize, and the whole `pii` stage), p50/p99.
// Run: node --import tsx test/bench/pii.ts   (BENCH_ITERATIONS, default 20000)
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { RequestCancel, contextWith, createLogger, loadConfig, type RequestEnvelope, type StageContext } from '@ai-gateway/kit';
import { Pseudonyms, analyze, anonymize, buildGuardrailPolicy, createGuardrailStage, detectInjection } from '@ai-gateway/pii-scrubber';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? '20000');

/** A 4 KB prompt: ordinary prose with a realistic sprinkling of personal data. */
function prompt(bytes: number): string {
  const parts = [
    'Please review the customer ticket below and draft a reply that is polite and short. ',
    'The customer, Sarah Thompson, wrote from sarah.thompson@example.com about a double charge. ',
    'She says her card 4111 1111 1111 1111 was billed twice on 2026-11-02 for order 48392017. ',
    'Her callback number is +44 20 7946 0958 and she lives at 221 Baker Street, London. ',
    'Our logs show the payment API at 10.0.4.17 retried after a timeout of 3000 ms. ',
    'Summarise the timeline, apologise, and explain that the duplicate will be refunded within 5 business days. ',
    'Do not promise compensation beyond the refund; mention the reference number INV-2026-00981. ',
  ];
  let out = '';
  for (let i = 0; out.length < bytes; i++) out += parts[i % parts.length];
  return out.slice(0, bytes);
}

function stats(samples: number[]): { p50: number; p99: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

interface Result {
  p50: number;
  p99: number;
  mean: number;
  /** CPU milliseconds per call (user + system): unaffected by other processes preempting this one. */
  cpu: number;
}

function measure(fn: () => void): Result {
  for (let i = 0; i < 500; i++) fn();
  const samples = new Array<number>(ITERATIONS);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) {
    const t = performance.now();
    fn();
    samples[i] = performance.now() - t;
  }
  const cpu = process.cpuUsage(cpu0);
  return { ...stats(samples), cpu: (cpu.user + cpu.system) / 1000 / ITERATIONS };
}

const text = prompt(4096);
const ctx = { actionOf: () => 'mask' as const, pseudonyms: new Pseudonyms(), hashKey: 'k' };
const policy = buildGuardrailPolicy(
  loadConfig({
    text: `model_list: []
guardrails:
  - guardrail_name: pii
    litellm_params: { guardrail: presidio, default_on: true }
  - guardrail_name: inj
    litellm_params: { guardrail: prompt_injection, default_on: true, detector: rules }
`,
    env: {},
  }).config.guardrails,
);
const stage = createGuardrailStage({ deps: { policy, logger: createLogger({ name: 'bench', level: 'silent' }) } });
const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'system', content: 'You are a support assistant.' }, { role: 'user', content: text }] });
const env: RequestEnvelope = {
  requestId: 'r', tenant: { keyId: null, keyAlias: null, teamId: null, userId: null, projectId: null }, model: 'gpt-4o', callType: 'chat', inboundApi: 'openai', stream: false,
  slip: ['router'], replyTo: 'x', trace: { traceparent: null, tracestate: null }, receivedAtMs: 0, deadlineMs: 0, metadata: {}, verdicts: [], body,
};
const noop: StageContext = contextWith(new RequestCancel(), { forward: () => {}, reply: { send: () => {} }, complete: () => {} });

const fmt = (r: Result) => `p50 ${(r.p50 * 1000).toFixed(0)} µs  p99 ${(r.p99 * 1000).toFixed(0)} µs  mean ${(r.mean * 1000).toFixed(0)} µs  cpu/op ${(r.cpu * 1000).toFixed(0)} µs`;
const found = analyze(text);
process.stdout.write(`PII scrub of a ${text.length}-char prompt (${found.length} findings), ${ITERATIONS} iterations, ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cpus\n`);
process.stdout.write(`detect + mask (analyze, anonymize):        ${fmt(measure(() => void anonymize(text, analyze(text), ctx)))}\n`);
process.stdout.write(`prompt-injection scan:                     ${fmt(measure(() => void detectInjection(text)))}\n`);
// With the rules detector the stage's work is synchronous (async only by contract), so the promise is dropped to time
// the work alone; the learned detectors' cost is in test/bench/injection.ts.
process.stdout.write(`whole pii stage (parse, injection, scrub, serialize): ${fmt(measure(() => void stage.handle(env, noop)))}\n`);
