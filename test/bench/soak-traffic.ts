// Soak traffic: weighted scenarios (successes, provider errors, broken streams, disconnects, fallbacks, bad input).

export interface Outcome {
  scenario: string;
  /** HTTP status, or 'aborted' when the client left on purpose, or 'failed' when the request itself failed. */
  result: string;
}

interface Scenario {
  name: string;
  weight: number;
  run(base: string, key: string): Promise<string>;
}

const chat = (model: string, stream: boolean, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model, stream, messages: [{ role: 'user', content: `soak ${Math.random().toString(36).slice(2)}` }], ...extra });

async function post(base: string, key: string, path: string, body: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-api-key': key },
    body,
    signal: signal ?? AbortSignal.timeout(30_000),
  });
}

/** Reads the whole answer; the status says how it went. */
async function complete(res: Response): Promise<string> {
  await res.arrayBuffer();
  return String(res.status);
}

/** Reads the first body chunk of a stream, then leaves. */
async function leaveAfterFirstChunk(res: Response, ctl: AbortController): Promise<string> {
  const reader = res.body?.getReader();
  await reader?.read();
  ctl.abort();
  await reader?.cancel().catch(() => undefined);
  return 'aborted';
}

const SCENARIOS: Scenario[] = [
  { name: 'chat', weight: 22, run: async (b, k) => complete(await post(b, k, '/v1/chat/completions', chat('ok', false))) },
  { name: 'chat-stream', weight: 22, run: async (b, k) => complete(await post(b, k, '/v1/chat/completions', chat('ok', true, { stream_options: { include_usage: true } }))) },
  { name: 'messages', weight: 5, run: async (b, k) => complete(await post(b, k, '/v1/messages', JSON.stringify({ model: 'ok', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }))) },
  { name: 'messages-stream', weight: 5, run: async (b, k) => complete(await post(b, k, '/v1/messages', JSON.stringify({ model: 'ok', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }))) },
  { name: 'embeddings', weight: 4, run: async (b, k) => complete(await post(b, k, '/v1/embeddings', JSON.stringify({ model: 'ok', input: ['a', 'b'] }))) },
  { name: 'provider-500', weight: 4, run: async (b, k) => complete(await post(b, k, '/v1/chat/completions', chat('err500', false))) },
  { name: 'provider-429', weight: 4, run: async (b, k) => complete(await post(b, k, '/v1/chat/completions', chat('err429', true))) },
  { name: 'stream-killed', weight: 4, run: async (b, k) => complete(await post(b, k, '/v1/chat/completions', chat('kill', true))) },
  { name: 'stream-malformed', weight: 4, run: async (b, k) => complete(await post(b, k, '/v1/chat/completions', chat('malformed', true))) },
  { name: 'stream-error-event', weight: 4, run: async (b, k) => complete(await post(b, k, '/v1/chat/completions', chat('midError', true))) },
  {
    name: 'disconnect-mid-stream',
    weight: 7,
    run: async (b, k) => {
      const ctl = new AbortController();
      return leaveAfterFirstChunk(await post(b, k, '/v1/chat/completions', chat('slow', true), ctl.signal), ctl);
    },
  },
  {
    name: 'disconnect-waiting',
    weight: 3,
    run: async (b, k) => {
      const ctl = new AbortController();
      setTimeout(() => ctl.abort(), 20);
      return post(b, k, '/v1/chat/completions', chat('hang', false), ctl.signal).then(complete, () => 'aborted');
    },
  },
  { name: 'fallback', weight: 6, run: async (b, k) => complete(await post(b, k, '/v1/chat/completions', chat('primary', false))) },
  { name: 'bad-json', weight: 3, run: async (b, k) => complete(await post(b, k, '/v1/chat/completions', '{"model": "ok", "messages": [')) },
  { name: 'unknown-model', weight: 3, run: async (b, k) => complete(await post(b, k, '/v1/chat/completions', chat('nope', false))) },
];
const TOTAL_WEIGHT = SCENARIOS.reduce((n, s) => n + s.weight, 0);

function pick(): Scenario {
  let r = Math.random() * TOTAL_WEIGHT;
  for (const s of SCENARIOS) {
    r -= s.weight;
    if (r < 0) return s;
  }
  return SCENARIOS[0] as Scenario;
}

/** Runs `concurrency` loops of random scenarios until `until` (ms since epoch); every loop is bounded by the deadline. */
export async function driveTraffic(base: string, key: string, concurrency: number, until: () => boolean, record: (o: Outcome) => void): Promise<void> {
  const worker = async (): Promise<void> => {
    while (!until()) {
      const s = pick();
      let result: string;
      try {
        result = await s.run(base, key);
      } catch (err) {
        result = (err as Error).name === 'AbortError' ? 'aborted' : 'failed';
      }
      record({ scenario: s.name, result });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** The soak's config: one model per behaviour, a fallback pair, short cooldowns so errors keep reaching providers. */
export function soakYaml(urls: Record<string, string>, key: string): string {
  const m = (name: string, model: string, url: string | undefined) =>
    `  - model_name: ${name}\n    litellm_params: { model: openai/${model}, api_base: ${url}/v1, api_key: sk-fake }\n`;
  return `model_list:
${m('ok', 'gpt-4o-mini', urls['ok'])}${m('slow', 'gpt-4o-mini', urls['slow'])}${m('kill', 'gpt-4o-mini', urls['kill'])}${m('malformed', 'gpt-4o-mini', urls['malformed'])}${m('midError', 'gpt-4o-mini', urls['midError'])}${m('err500', 'fake-error-500', urls['ok'])}${m('err429', 'fake-error-429', urls['ok'])}${m('hang', 'fake-hang', urls['ok'])}${m('primary', 'fake-error-503', urls['ok'])}${m('backup', 'gpt-4o-mini', urls['ok'])}router_settings:
  num_retries: 1
  retry_after: 0
  allowed_fails: 50
  cooldown_time: 1
  fallbacks: [{ primary: [backup] }]
general_settings:
  master_key: ${key}
`;
}
