// Prompt-injection detector cost per request: rules vs the learned detectors on their local model
// (multilingual-e5-small int8, one instance per process), for a typical prompt, a chat with history and a 4 KB
// tool result. Every iteration's text is new, so the embedder's LRU never hits (worst case for the model).
// Run: node --import tsx test/bench/injection.ts   (BENCH_ITERATIONS, default 200)
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createLearnedDetector, createRulesDetector, injectionModelDirOf, loadInjectionClassifier, type InjectionDetector, type ScannedText } from '@ai-gateway/pii-scrubber';
import { createBatchingEmbedder, loadLocalEmbedder, modelPresent } from '@ai-gateway/semantic-cache';

const ITERATIONS = Number(process.env['BENCH_ITERATIONS'] ?? '200');

const TYPICAL = 'Can you help me write a short, friendly email to my landlord asking whether the heating can be checked before winter? Mention that the radiator in the bedroom makes a knocking noise at night.';
const TOOL_PARA = 'The quarterly report covers revenue, costs and hiring across the three regions. Sales grew in the north, held steady in the south and fell slightly in the west, where a large customer paused orders. ';

/** One request's user/tool texts; `i` makes every iteration's text new. */
const CASES: Record<string, (i: number) => ScannedText[]> = {
  'typical prompt (200 chars)': (i) => [{ text: `${TYPICAL} (ref ${i})`, source: 'user' }],
  'chat, 3 user turns, last one new': (i) => [
    { text: 'Hi! I need some help planning a trip to Portugal in May.', source: 'user' },
    { text: 'Two weeks, mostly Lisbon and Porto, and we like food and museums.', source: 'user' },
    { text: `${TYPICAL} (ref ${i})`, source: 'user' },
  ],
  '4 KB tool result': (i) => [{ text: `${TOOL_PARA.repeat(20).slice(0, 4000)} ref ${i}`, source: 'tool' }],
};

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => (s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0).toFixed(2);
  return `p50 ${at(0.5).padStart(6)} ms  p99 ${at(0.99).padStart(6)} ms`;
}

/** Never repeats across measurements: the LRU of the shared embedder must not serve a later detector. */
let serial = 0;

async function measure(d: InjectionDetector, make: (i: number) => ScannedText[]): Promise<string> {
  for (let i = 0; i < 10; i++) await d.scan(make(serial++));
  const samples: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) {
    const texts = make(serial++);
    const t = performance.now();
    await d.scan(texts);
    samples.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  return `${stats(samples)}  cpu ${((cpu.user + cpu.system) / 1000 / ITERATIONS).toFixed(2)} ms/request`;
}

const dir = injectionModelDirOf(undefined);
process.stdout.write(`injection detector cost per request, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ${ITERATIONS} iterations\n`);
const detectors: InjectionDetector[] = [createRulesDetector()];
if (modelPresent(dir)) {
  const embedder = createBatchingEmbedder(await loadLocalEmbedder({ modelDir: dir }));
  const classifier = loadInjectionClassifier();
  for (const kind of ['embedding', 'hybrid'] as const) detectors.push(createLearnedDetector({ deps: { embedder, classifier }, options: { kind } }));
} else process.stdout.write(`(learned detectors skipped: no model in ${dir})\n`);
for (const [name, make] of Object.entries(CASES)) {
  for (const d of detectors) process.stdout.write(`${name.padEnd(34)} ${d.kind.padEnd(9)} ${await measure(d, make)}\n`);
}
