// End to end, property-based: fuzzed requests and broken provider streams get a shaped error or a valid answer, never a crash.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import fc from 'fast-check';
import { startFakeOpenAI, type FakeBehaviour, type FakeServer } from '../support/fake-openai.ts';
import { MASTER_KEY, MODES, startTestGateway, type TestGateway } from '../support/gateway.ts';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 120);
const TIME_LIMIT_MS = Number(process.env['FUZZ_TIME_LIMIT_MS'] ?? 25_000);
const BODY_LIMIT = 64 * 1024;
const PATHS = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/messages'] as const;
type Path = (typeof PATHS)[number];

interface Answer {
  status: number;
  contentType: string;
  text: string;
  /** x-request-id as answered: the client's own when it sent one. */
  echoedId: string;
  /** The gateway's request id (x-gateway-request-id when the client chose its own). */
  gatewayId: string;
}

/** POST over node:http (raw bytes and any header are allowed), bounded by a timeout: a hang fails the property. */
function post(base: string, path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, base);
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false, timeout: 10_000, headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER_KEY}`, ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({
          status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8'),
          echoedId: String(res.headers['x-request-id'] ?? ''), gatewayId: String(res.headers['x-gateway-request-id'] ?? res.headers['x-request-id'] ?? ''),
        }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within 10 s for ${path}`)));
    req.on('error', reject);
    req.end(body);
  });
}

function assertOpenAIError(value: unknown, context: string): void {
  const e = (value as { error?: Record<string, unknown> } | null)?.error;
  assert.ok(e && typeof e === 'object', `${context}: not an OpenAI error: ${JSON.stringify(value)?.slice(0, 300)}`);
  assert.equal(typeof e['message'], 'string', context);
  assert.equal(typeof e['type'], 'string', context);
  assert.ok('code' in e, `${context}: error without code`);
  assert.doesNotMatch(String(e['message']), /\n\s+at .*:\d+:\d+/, `${context}: stack trace in message`);
}

function assertAnthropicError(value: unknown, context: string): void {
  const v = value as { type?: unknown; error?: { type?: unknown; message?: unknown } } | null;
  assert.equal(v?.type, 'error', `${context}: not an Anthropic error: ${JSON.stringify(value)?.slice(0, 300)}`);
  assert.equal(typeof v?.error?.type, 'string', context);
  assert.equal(typeof v?.error?.message, 'string', context);
}

/** A JSON answer: a valid success for the endpoint, or a 4xx/5xx error in the endpoint's dialect. */
function assertJsonAnswer(path: Path, a: Answer): void {
  const context = `${path} ${a.status} ${a.text.slice(0, 200)}`;
  assert.match(a.contentType, /application\/json/, context);
  const body = JSON.parse(a.text) as Record<string, unknown>;
  if (a.status === 200) {
    if (path === '/v1/messages') assert.equal(body['type'], 'message', context);
    else if (path === '/v1/embeddings') assert.ok(Array.isArray(body['data']), context);
    else assert.ok(Array.isArray(body['choices']), context);
    return;
  }
  assert.ok(a.status >= 400 && a.status < 600, context);
  if (path === '/v1/messages') assertAnthropicError(body, context);
  else assertOpenAIError(body, context);
}

/** A stream answer: complete (`[DONE]` / `message_stop`) or ended by one shaped error event and nothing after it. */
function assertStreamAnswer(path: Path, a: Answer): void {
  if (a.status !== 200 || !a.contentType.startsWith('text/event-stream')) return assertJsonAnswer(path, a);
  const context = `${path} stream ${a.text.slice(-300)}`;
  const events = a.text.split('\n\n').filter((e) => e.trim().length > 0);
  assert.ok(events.length > 0, `${context}: empty stream`);
  const dataOf = (ev: string) => ev.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
  if (path === '/v1/messages') {
    const last = events.at(-1) as string;
    for (const ev of events.slice(0, -1)) assert.doesNotMatch(ev, /^event: error/, `${context}: events after an error`);
    for (const ev of events) JSON.parse(dataOf(ev));
    if (/^event: error/.test(last)) assertAnthropicError(JSON.parse(dataOf(last)), context);
    else assert.match(last, /^event: message_stop/, `${context}: stream neither completed nor failed`);
    return;
  }
  const data = events.map(dataOf);
  const errorAt = data.findIndex((d) => d !== '[DONE]' && 'error' in (JSON.parse(d) as object));
  if (errorAt >= 0) {
    assert.equal(errorAt, data.length - 1, `${context}: events after an error event`);
    assertOpenAIError(JSON.parse(data[errorAt] as string), context);
  } else {
    assert.equal(data.at(-1), '[DONE]', `${context}: stream neither completed nor failed`);
  }
}

const VALID: Record<Path, Record<string, unknown>> = {
  '/v1/chat/completions': { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], temperature: 0.5, max_tokens: 16, stream: false, user: 'u1', tools: [{ type: 'function', function: { name: 'f', parameters: {} } }], tool_choice: 'auto', response_format: { type: 'text' }, metadata: { project: 'p' }, n: 1, stream_options: null },
  '/v1/completions': { model: 'gpt-4o', prompt: 'hi', max_tokens: 16, temperature: 0.5, stream: false },
  '/v1/embeddings': { model: 'gpt-4o', input: ['a', 'b'], encoding_format: 'float', dimensions: 8 },
  '/v1/messages': { model: 'gpt-4o', max_tokens: 16, system: 'be brief', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], stream: false, temperature: 0.5, tools: [{ name: 'f', input_schema: { type: 'object' } }], metadata: { user_id: 'u' } },
};

/** Paths into a valid body (top-level fields and the first message's fields) whose value the fuzzer replaces. */
const FIELD_PATHS: Record<Path, string[][]> = Object.fromEntries(
  PATHS.map((p) => {
    const body = VALID[p];
    const paths = Object.keys(body).map((k) => [k]);
    if (Array.isArray(body['messages'])) paths.push(['messages', '0'], ['messages', '0', 'role'], ['messages', '0', 'content']);
    if (Array.isArray(body['tools'])) paths.push(['tools', '0'], ['tools', '0', 'function']);
    paths.push(['an_unknown_field']);
    return [p, paths];
  }),
) as Record<Path, string[][]>;

function withValue(body: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(body);
  let at: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[path.at(-1) as string] = value;
  return copy;
}

const pathArb = fc.constantFrom(...PATHS);
const props = { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false, includeErrorInReport: true } as const;
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,24}$/).filter((n) => !['content-length', 'transfer-encoding', 'host', 'connection', 'expect', 'content-type', 'authorization', 'x-api-key', 'upgrade', 'te', 'trailer'].includes(n));
const headerValue = fc.string({ unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZabcxyz[]^_`{|}~'.split('')), maxLength: 60 });

for (const mode of MODES) {
  describe(`fuzz (${mode})`, () => {
    let fake: FakeServer;
    let broken: FakeServer;
    let gw: TestGateway;

    before(async () => {
      fake = await startFakeOpenAI();
      broken = await startFakeOpenAI();
      gw = await startTestGateway({
        mode,
        routers: 1,
        yaml: `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: ${fake.url}/v1, api_key: sk-fake }
  - model_name: broken
    litellm_params: { model: openai/gpt-4o, api_base: ${broken.url}/v1, api_key: sk-fake }
router_settings:
  num_retries: 0
  allowed_fails: 1000000
  cooldown_time: 0
  stream_idle_timeout: 1
general_settings:
  max_request_body_bytes: ${BODY_LIMIT}
`,
      });
    });
    after(async () => {
      await gw?.close();
      await fake?.close();
      await broken?.close();
    });

    async function stillServes(): Promise<void> {
      const a = await post(gw.url, '/v1/chat/completions', JSON.stringify(VALID['/v1/chat/completions']));
      assert.equal(a.status, 200, a.text);
    }

    test('fuzz - malformed JSON and random bytes get a 4xx in the endpoint dialect', async () => {
      const junk = fc.oneof(
        fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
        fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
        fc.json().map((j) => Buffer.from(j.slice(0, Math.max(0, j.length - 1)))),
        fc.constantFrom('', '{', '[]', 'null', '"x"', '{"model":', '{"model":"gpt-4o","messages":[}', '\u0000').map((s) => Buffer.from(s)),
      );
      await fc.assert(fc.asyncProperty(pathArb, junk, async (path, body) => assertJsonAnswer(path, await post(gw.url, path, body))), props);
      await stillServes();
    });

    test('fuzz - a wrong type in any field gets a shaped 4xx or a valid answer, and every request is recorded', async () => {
      const caseArb = pathArb.chain((p) => fc.tuple(fc.constant(p), fc.constantFrom(...FIELD_PATHS[p]), fc.anything({ maxDepth: 3 })));
      const ids: string[] = [];
      await fc.assert(
        fc.asyncProperty(caseArb, async ([path, field, value]) => {
          const body = withValue(VALID[path], field, value);
          const id = `fz-${mode}-${ids.length}-${Date.now()}`;
          const a = await post(gw.url, path, JSON.stringify(body), { 'x-request-id': id });
          assert.equal(a.echoedId, id, 'the client id is echoed');
          ids.push(a.gatewayId);
          if (body['stream'] === true && path !== '/v1/embeddings') assertStreamAnswer(path, a);
          else assertJsonAnswer(path, a);
        }),
        props,
      );
      await stillServes();
      // Bad input loses nothing: every request, answered or refused, has its one completed event (what billing and
      // audit are written from).
      for (const id of ids) await gw.eventFor(id, 10_000);
    });

    test('fuzz - huge, deeply nested and invalid UTF-8 bodies get a shaped error or a valid answer', async () => {
      const shapes = fc.oneof(
        fc.integer({ min: 1, max: 100_000 }).map((d) => `{"model":"gpt-4o","messages":[{"role":"user","content":${'['.repeat(d)}${']'.repeat(d)}}]}`),
        fc.integer({ min: 1, max: 20_000 }).map((d) => `{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"metadata":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`),
        // Words, not one long run of a letter: see the skipped test below.
        fc.integer({ min: BODY_LIMIT - 200, max: BODY_LIMIT * 4 }).map((n) => JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'lorem ipsum '.repeat(Math.ceil(n / 12)) }] })),
        fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.concat([Buffer.from('{"model":"gpt-4o","messages":[{"role":"user","content":"'), Buffer.from(bytes.map((b) => (b < 0x80 ? 0xc3 : b))), Buffer.from('"}]}')])),
      );
      await fc.assert(fc.asyncProperty(pathArb, shapes, async (path, body) => assertJsonAnswer(path, await post(gw.url, path, body))), { ...props, numRuns: Math.ceil(RUNS / 2) });
      await stillServes();
    });

    test('fuzz - a body nested deeper than the limit is a 400 in the endpoint dialect, not a 500', async () => {
      for (const path of PATHS) {
        const a = await post(gw.url, path, `{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"metadata":${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}}`);
        assert.equal(a.status, 400, a.text);
        assertJsonAnswer(path, a);
      }
      await stillServes();
    });

    test('fuzz - a long prompt without spaces is answered within seconds', async () => {
      const started = performance.now();
      const a = await post(gw.url, '/v1/chat/completions', JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(BODY_LIMIT - 100) }] }));
      assertJsonAnswer('/v1/chat/completions', a);
      assert.ok(performance.now() - started < 5_000, `took ${Math.round(performance.now() - started)} ms`);
    });

    test('fuzz - random headers never break a request', async () => {
      const headers = fc.dictionary(headerName, headerValue, { maxKeys: 8 });
      const auth = fc.oneof(fc.constant(`Bearer ${MASTER_KEY}`), headerValue, fc.constant('Bearer'), fc.constant(''));
      await fc.assert(
        fc.asyncProperty(pathArb, headers, auth, fc.boolean(), async (path, h, authorization, stream) => {
          const body = { ...VALID[path], ...(path === '/v1/embeddings' ? {} : { stream }) };
          const a = await post(gw.url, path, JSON.stringify(body), { ...h, authorization, 'x-api-key': authorization.replace(/^Bearer /, '') });
          if (stream && path !== '/v1/embeddings') assertStreamAnswer(path, a);
          else assertJsonAnswer(path, a);
        }),
        props,
      );
      await stillServes();
    });

    test('fuzz - truncated and malformed provider streams end in a shaped error event or a complete stream', async () => {
      const sseLine = fc.oneof(
        fc.constant('data: [DONE]'),
        fc.constant('data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}'),
        fc.constant('data: {"error":{"message":"boom","type":"server_error"}}'),
        fc.json({ maxDepth: 2 }).map((j) => `data: ${j}`),
        fc.string({ maxLength: 40 }).map((s) => `data: ${s}`),
        fc.string({ maxLength: 40 }),
        fc.constantFrom(': keep-alive', 'event: ping', 'id: 7', 'retry: 10', ''),
      );
      const behaviour = (stream: boolean): fc.Arbitrary<FakeBehaviour> => fc.oneof(
        { weight: 4, arbitrary: fc.record({ type: fc.constant('stream' as const), chunks: fc.integer({ min: 1, max: 8 }), killAfter: fc.integer({ min: 0, max: 10 }) }) },
        { weight: 4, arbitrary: fc.record({ type: fc.constant('stream' as const), chunks: fc.integer({ min: 1, max: 8 }), malformedAfter: fc.integer({ min: 0, max: 10 }) }) },
        { weight: 4, arbitrary: fc.record({ type: fc.constant('stream' as const), chunks: fc.integer({ min: 1, max: 8 }), errorAfter: fc.integer({ min: 0, max: 10 }) }) },
        // A stalled stream costs the idle timeout (1 s): rare, and only where the client streams.
        ...(stream ? [{ weight: 1, arbitrary: fc.record({ type: fc.constant('stream' as const), chunks: fc.integer({ min: 1, max: 4 }), hangAfter: fc.integer({ min: 1, max: 6 }) }) }] : []),
        {
          weight: 8,
          arbitrary: fc.record({
            type: fc.constant('raw' as const),
            status: fc.constantFrom(200, 200, 200, 400, 429, 500, 503),
            contentType: fc.constantFrom('text/event-stream', 'application/json', 'text/html'),
            body: fc.array(sseLine, { maxLength: 12 }).map((lines) => lines.join('\n')),
          }),
        },
        { weight: 4, arbitrary: fc.record({ type: fc.constant('error' as const), status: fc.integer({ min: 400, max: 599 }), body: fc.anything({ maxDepth: 2 }) }) },
      ).map((b) => b as FakeBehaviour);
      const client = fc.constantFrom<[Path, boolean]>(['/v1/chat/completions', true], ['/v1/chat/completions', false], ['/v1/messages', true], ['/v1/messages', false]);
      await fc.assert(
        fc.asyncProperty(client.chain((c) => fc.tuple(fc.constant(c), behaviour(c[1]))), async ([[path, stream], b]) => {
          const before = broken.requests.length;
          broken.script(b);
          const a = await post(gw.url, path, JSON.stringify({ ...VALID[path], model: 'broken', stream, tools: undefined, tool_choice: undefined, response_format: undefined }));
          assert.equal(broken.requests.length, before + 1, `the provider got exactly this request (${a.status} ${a.text.slice(0, 200)})`);
          if (stream) assertStreamAnswer(path, a);
          else assertJsonAnswer(path, a);
        }),
        { ...props, numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS * 2 },
      );
      await stillServes();
    });
  });
}
