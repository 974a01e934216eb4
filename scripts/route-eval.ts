// `npm run route:eval`: accuracy of the task-type router on the labelled dev set, and the cost of routed traffic
// versus sending every prompt to the strongest (most expensive) route target.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { countMessageTokens, createLogger, loadConfig, priceFor, type Embedder, type GatewayConfig, type RequestEnvelope } from '@ai-gateway/kit';
import { createRouteSelector, type RouteDecision } from '@ai-gateway/router';
import { loadLocalEmbedder, modelDirOf, modelPresent } from '@ai-gateway/semantic-cache';

export interface DevExample {
  task: string;
  prompt: string;
}

/** Assumed answer length per task type (completion tokens), for the cost comparison. */
export const EXPECTED_COMPLETION_TOKENS: Readonly<Record<string, number>> = {
  classification: 5,
  summarization: 150,
  code_generation: 400,
  reasoning: 500,
  general: 200,
};
/** Labels whose correct answer may also be the default route. */
const DEFAULT_LABEL = 'general';

const fixtures = new URL('../test/fixtures/routing/', import.meta.url);

export function readDevSet(): DevExample[] {
  return readFileSync(new URL('dev-set.jsonl', fixtures), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as DevExample);
}

export function readRoutesConfig(): GatewayConfig {
  return loadConfig({ text: readFileSync(new URL('routes.yaml', fixtures), 'utf8'), env: {} }).config;
}

export interface EvalRow extends DevExample {
  decision: RouteDecision;
  predicted: string;
  correct: boolean;
  routedCostUsd: number;
  strongestCostUsd: number;
}

export interface EvalReport {
  classifier: 'semantic' | 'lexical' | null;
  rows: EvalRow[];
  accuracy: number;
  perTask: Record<string, { n: number; correct: number }>;
  routedCostUsd: number;
  strongestCostUsd: number;
  strongest: string;
  msPerPrompt: number;
}

function envelopeFor(prompt: string, i: number): { env: RequestEnvelope; body: Record<string, unknown> } {
  const body = { model: 'auto', messages: [{ role: 'user', content: prompt }] };
  const env: RequestEnvelope = {
    requestId: `eval-${i}`,
    tenant: { keyId: null, keyAlias: null, teamId: null, userId: null, projectId: null },
    model: 'auto',
    callType: 'chat',
    inboundApi: 'openai',
    stream: false,
    slip: ['router'],
    replyTo: '',
    trace: { traceparent: null, tracestate: null },
    receivedAtMs: 0,
    deadlineMs: 0,
    metadata: {},
    verdicts: [],
    body: JSON.stringify(body),
  };
  return { env, body };
}

/** Runs the dev set through the selector built from routes.yaml; `embedder` null forces the lexical layer. */
export async function evaluateRoutes(embedder: Embedder | null): Promise<EvalReport> {
  const config = readRoutesConfig();
  const logger = createLogger({ name: 'route-eval', level: 'warn' });
  // The eval measures the classifier, not the machine: no per-request embedding deadline here.
  const auto = config.router_settings.auto_router;
  const autoRouter = auto?.semantic ? { ...auto, semantic: { ...auto.semantic, timeout_ms: 60_000 } } : auto;
  const selector = createRouteSelector({ deps: { logger, embedder }, options: { rules: config.router_settings.routing_rules, autoRouter } });
  await selector.ready;
  const modelOf = (group: string): string => config.deployments.find((d) => d.modelGroup === group)?.litellmModel ?? group;
  const cost = (group: string, promptTokens: number, completion: number): number => {
    const p = priceFor({ providerModel: modelOf(group) });
    return promptTokens * p.inputCostPerToken + completion * p.outputCostPerToken;
  };
  const targets = [...new Set(config.deployments.map((d) => d.modelGroup))];
  const strongest = targets.reduce((a, b) => (cost(b, 1000, 1000) > cost(a, 1000, 1000) ? b : a));
  const rows: EvalRow[] = [];
  const t0 = performance.now();
  const dev = readDevSet();
  for (const [i, ex] of dev.entries()) {
    const { env, body } = envelopeFor(ex.prompt, i);
    const decision = (await selector.select(env, body)) as RouteDecision;
    const predicted = decision.layer === 'default' ? 'default' : decision.route.slice(decision.route.indexOf(':') + 1);
    const correct = predicted === ex.task || (predicted === 'default' && ex.task === DEFAULT_LABEL);
    const completion = EXPECTED_COMPLETION_TOKENS[ex.task] ?? 200;
    const messages = [{ role: 'user' as const, content: ex.prompt }];
    rows.push({
      ...ex,
      decision,
      predicted,
      correct,
      routedCostUsd: cost(decision.group, countMessageTokens(messages, modelOf(decision.group)), completion),
      strongestCostUsd: cost(strongest, countMessageTokens(messages, modelOf(strongest)), completion),
    });
  }
  const msPerPrompt = (performance.now() - t0) / dev.length;
  const perTask: EvalReport['perTask'] = {};
  for (const r of rows) {
    const t = (perTask[r.task] ??= { n: 0, correct: 0 });
    t.n++;
    if (r.correct) t.correct++;
  }
  const sum = (f: (r: EvalRow) => number) => rows.reduce((a, r) => a + f(r), 0);
  return {
    classifier: selector.classifierKind(),
    rows,
    accuracy: rows.filter((r) => r.correct).length / rows.length,
    perTask,
    routedCostUsd: sum((r) => r.routedCostUsd),
    strongestCostUsd: sum((r) => r.strongestCostUsd),
    strongest,
    msPerPrompt,
  };
}

export async function localEmbedderOrNull(): Promise<Embedder | null> {
  const dir = modelDirOf(undefined);
  return modelPresent(dir) ? loadLocalEmbedder({ modelDir: dir }) : null;
}

function print(label: string, r: EvalReport): void {
  console.log(`\n${label}: classifier=${r.classifier}, ${r.rows.length} prompts, ${r.msPerPrompt.toFixed(1)} ms per prompt`);
  const layers = new Map<string, number>();
  for (const x of r.rows) layers.set(x.decision.layer, (layers.get(x.decision.layer) ?? 0) + 1);
  console.log(`accuracy ${(r.accuracy * 100).toFixed(1)}%   decided by: ${[...layers].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const [task, t] of Object.entries(r.perTask)) console.log(`  ${task.padEnd(16)} ${t.correct}/${t.n}`);
  const saved = 1 - r.routedCostUsd / r.strongestCostUsd;
  console.log(`cost of routed traffic  $${r.routedCostUsd.toFixed(5)}`);
  console.log(`cost all to ${r.strongest.padEnd(12)} $${r.strongestCostUsd.toFixed(5)}  (routing saves ${(saved * 100).toFixed(1)}%)`);
  const wrong = r.rows.filter((x) => !x.correct);
  if (wrong.length > 0 && process.argv.includes('--verbose')) {
    for (const w of wrong) console.log(`  miss: ${w.task} → ${w.predicted} (${w.decision.score?.toFixed(3) ?? '-'}) ${w.prompt.slice(0, 80)}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log('completion tokens assumed per task:', JSON.stringify(EXPECTED_COMPLETION_TOKENS));
  const embedder = await localEmbedderOrNull();
  if (embedder) print('semantic (all-MiniLM-L6-v2, local)', await evaluateRoutes(embedder));
  else console.log('\nlocal embedding model missing (bash scripts/fetch-embedding-model.sh): semantic layer skipped');
  print('lexical (no embedding model)', await evaluateRoutes(null));
}
