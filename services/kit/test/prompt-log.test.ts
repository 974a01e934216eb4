// Prompt capture for the request log: what a decorated stage puts on its completed event, and when it leaves text out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  baseCompletedEvent,
  RequestCancel,
  contextWith,
  capturePrompts,
  PROMPT_LOG_METADATA,
  requestLogFields,
  type CompletedEvent,
  type GuardrailVerdict,
  type RequestEnvelope,
  type Stage,
  type StageContext,
} from '../src/index.ts';

function envelope(content: string, verdicts: GuardrailVerdict[] = []): RequestEnvelope {
  return {
    requestId: 'r1', tenant: { keyId: null, keyAlias: null, teamId: null, userId: null, projectId: null }, model: 'gpt-4o', callType: 'chat',
    inboundApi: 'openai', stream: false, slip: [], replyTo: 'x', trace: { traceparent: null, tracestate: null }, receivedAtMs: 0, deadlineMs: 0,
    metadata: {}, verdicts, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content }] }),
  };
}

/** A stage answering with `answer` (as one body, or as stream chunks) and reporting completion. */
function answering(answer: string, opts: { stream?: boolean; status?: number } = {}): Stage {
  return {
    name: 'router',
    async handle(env, ctx) {
      if (opts.stream) for (const part of answer.match(/.{1,4}/g) ?? []) ctx.reply.send('data', 200, null, JSON.stringify({ choices: [{ index: 0, delta: { content: part } }] }));
      else ctx.reply.send(opts.status && opts.status >= 400 ? 'error' : 'body', opts.status ?? 200, null, JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: answer } }] }));
      ctx.complete(baseCompletedEvent(env, 1));
    },
  };
}

async function run(stage: Stage, env: RequestEnvelope): Promise<{ evt: CompletedEvent; sent: number }> {
  let evt: CompletedEvent | null = null;
  let sent = 0;
  const ctx: StageContext = contextWith(new RequestCancel(), { forward() {}, reply: { send: () => void sent++ }, complete: (e: CompletedEvent) => void (evt = e) });
  await stage.handle(env, ctx);
  assert.ok(evt);
  return { evt, sent };
}

test('prompt log - without pii guardrails the prompt and the response (body or stream) go on the event and the log line', async () => {
  const { evt, sent } = await run(capturePrompts(answering('hello there'), { piiGuardrails: [] }), envelope('hi canary'));
  assert.equal(sent, 1, 'replies still reach the client');
  assert.deepEqual(requestLogFields(evt).messages, [{ role: 'user', content: 'hi canary' }]);
  assert.equal(requestLogFields(evt).response, 'hello there');
  const streamed = await run(capturePrompts(answering('a streamed answer', { stream: true }), { piiGuardrails: [] }), envelope('hi'));
  assert.equal(requestLogFields(streamed.evt).response, 'a streamed answer');
});

test('prompt log - an undecorated stage leaves the log line without prompt fields', async () => {
  const { evt } = await run(answering('hello'), envelope('hi canary'));
  const fields = requestLogFields(evt);
  assert.equal('messages' in fields, false);
  assert.equal('response' in fields, false);
});

test('prompt log - with a pii guardrail configured, a prompt the guardrail did not scan is left out and the response is masked', async () => {
  const opts = { piiGuardrails: ['pii-mask'], scrubResponse: (t: string) => t.replaceAll('jane@example.com', '<EMAIL_ADDRESS>') };
  const unscanned = await run(capturePrompts(answering('mail jane@example.com'), opts), envelope('I am jane@example.com'));
  assert.equal(unscanned.evt.metadata[PROMPT_LOG_METADATA.messages], undefined);
  assert.equal(unscanned.evt.metadata[PROMPT_LOG_METADATA.response], 'mail <EMAIL_ADDRESS>');
  const scanned = await run(capturePrompts(answering('ok'), opts), envelope('I am <EMAIL_ADDRESS>', [{ guardrail: 'pii-mask', action: 'mask', categories: ['EMAIL_ADDRESS'], score: 1 }]));
  assert.deepEqual(requestLogFields(scanned.evt).messages, [{ role: 'user', content: 'I am <EMAIL_ADDRESS>' }]);
  // Scanned by another guardrail (prompt injection) only: still not the pii stage's output.
  const other = await run(capturePrompts(answering('ok'), opts), envelope('I am jane@example.com', [{ guardrail: 'injection', action: 'pass', categories: [], score: 0 }]));
  assert.equal(other.evt.metadata[PROMPT_LOG_METADATA.messages], undefined);
});

test('prompt log - with a pii guardrail and no response scrubber, no response text is captured; error replies never are', async () => {
  const { evt } = await run(capturePrompts(answering('secret jane@example.com'), { piiGuardrails: ['pii-mask'] }), envelope('hi'));
  assert.equal(evt.metadata[PROMPT_LOG_METADATA.response], undefined);
  const failed = await run(capturePrompts(answering('boom', { status: 500 }), { piiGuardrails: [] }), envelope('hi'));
  assert.equal(failed.evt.metadata[PROMPT_LOG_METADATA.response], undefined);
});

test('prompt log - a prompt longer than the cap is cut and logged as text', async () => {
  const long = 'x'.repeat(40_000);
  const { evt } = await run(capturePrompts(answering('ok'), { piiGuardrails: [] }), envelope(long));
  const messages = requestLogFields(evt).messages;
  assert.equal(typeof messages, 'string');
  assert.ok(String(messages).endsWith('…[truncated]'));
});
