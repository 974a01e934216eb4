// End to end, both run modes: prompt logging (general_settings.store_prompts_in_spend_logs) puts the prompt and the
// response on the request log line — off by default, off again with litellm_settings.turn_off_message_logging, and
// scrubbed when a pii guardrail is configured (no raw e-mail or phone anywhere in the log output, the masks instead).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOpenAI, type FakeServer } from '../support/fake-openai.ts';
import { MASTER_KEY, MODES, startTestGateway, type Mode, type TestGateway } from '../support/gateway.ts';

const EMAIL = 'maria.lopez@example.org';
const PHONE = '+44 20 7946 0958';
const CANARY = 'prompt-canary-7q3';
const ANSWER = 'answer-canary-5k1';

type LogLine = Record<string, unknown>;

async function withGateway(mode: Mode, extra: string, run: (gw: TestGateway, fake: FakeServer) => Promise<void>): Promise<void> {
  const fake = await startFakeOpenAI();
  const gw = await startTestGateway({
    mode,
    routers: 1,
    yaml: `model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: ${fake.url}/v1, api_key: sk-fake }
${extra}`,
  });
  try {
    await run(gw, fake);
  } finally {
    await gw.close();
    await fake.close();
  }
}

async function chat(gw: TestGateway, requestId: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ model: 'gpt-4o', ...body }),
  });
  assert.equal(res.status, 200);
  return res.text();
}

/** The request log line of `requestId` (bounded wait: it is written by the completed-event consumer). */
async function logLineOf(gw: TestGateway, requestId: string): Promise<LogLine> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    // The client chose its own x-request-id: the line carries it as clientRequestId beside the gateway's requestId.
    const line = gw.logs.map((l) => JSON.parse(l) as LogLine).find((l) => l['msg'] === 'request completed' && l['clientRequestId'] === requestId);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no request log line for ${requestId}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const user = (content: string) => [{ role: 'user', content }];

for (const mode of MODES) {
  describe(`prompt logging (${mode})`, () => {
    test('off by default: the request log line carries no prompt or response text', () =>
      withGateway(mode, '', async (gw, fake) => {
        fake.script({ type: 'reply', content: ANSWER });
        await chat(gw, `off-${mode}`, { messages: user(`say hi ${CANARY}`) });
        const line = await logLineOf(gw, `off-${mode}`);
        assert.equal(line['messages'], undefined);
        assert.equal(line['response'], undefined);
        const all = gw.logs.join('\n');
        assert.ok(!all.includes(CANARY) && !all.includes(ANSWER), 'neither text appears in any log line');
      }));

    test('store_prompts_in_spend_logs without a pii guardrail: the prompt messages and the response text (stream too) are on the log line', () =>
      withGateway(mode, 'general_settings:\n  store_prompts_in_spend_logs: true\n', async (gw, fake) => {
        fake.script({ type: 'reply', content: ANSWER });
        await chat(gw, `on-${mode}`, { messages: user(`say hi ${CANARY}`) });
        const line = await logLineOf(gw, `on-${mode}`);
        assert.deepEqual(line['messages'], user(`say hi ${CANARY}`));
        assert.equal(line['response'], ANSWER);

        fake.script({ type: 'stream', content: `streamed ${ANSWER}`, chunks: 5 });
        await chat(gw, `on-stream-${mode}`, { messages: user(`stream ${CANARY}`), stream: true });
        const streamed = await logLineOf(gw, `on-stream-${mode}`);
        assert.deepEqual(streamed['messages'], user(`stream ${CANARY}`));
        assert.equal(streamed['response'], `streamed ${ANSWER}`);
      }));

    test('litellm_settings.turn_off_message_logging wins over store_prompts_in_spend_logs', () =>
      withGateway(mode, 'general_settings:\n  store_prompts_in_spend_logs: true\nlitellm_settings:\n  turn_off_message_logging: true\n', async (gw, fake) => {
        fake.script({ type: 'reply', content: ANSWER });
        await chat(gw, `turned-off-${mode}`, { messages: user(`say hi ${CANARY}`) });
        const line = await logLineOf(gw, `turned-off-${mode}`);
        assert.equal(line['messages'], undefined);
        assert.ok(!gw.logs.join('\n').includes(CANARY));
      }));

    test('with a pii guardrail: the e-mail and phone never appear in log output, their masks do (prompt and restored response)', () =>
      withGateway(
        mode,
        `general_settings:
  store_prompts_in_spend_logs: true
guardrails:
  - guardrail_name: pii-mask
    litellm_params: { guardrail: presidio, mode: pre_call, default_on: true, pii_entities_config: { EMAIL_ADDRESS: PSEUDONYMIZE, PHONE_NUMBER: MASK } }
`,
        async (gw, fake) => {
          // The provider answers with the pseudonym; the reply filter restores the raw e-mail for the client.
          fake.script({ type: 'reply', content: `I will write to <EMAIL_ADDRESS_1> and call you. ${ANSWER}` });
          const body = await chat(gw, `pii-${mode}`, { messages: user(`Mail me at ${EMAIL} or call ${PHONE}. ${CANARY}`) });
          assert.ok(body.includes(EMAIL), 'the client gets its e-mail back (pseudonym restored)');
          const line = await logLineOf(gw, `pii-${mode}`);
          const messages = JSON.stringify(line['messages']);
          assert.match(messages, /<EMAIL_ADDRESS_1>/);
          assert.match(messages, /<PHONE_NUMBER>/);
          assert.ok(messages.includes(CANARY), 'the scrubbed prompt is logged');
          assert.match(String(line['response']), /<EMAIL_ADDRESS>/);
          assert.ok(String(line['response']).includes(ANSWER));

          fake.script({ type: 'stream', content: `Sure, <EMAIL_ADDRESS_1> noted. ${ANSWER}`, chunks: 7 });
          await chat(gw, `pii-stream-${mode}`, { messages: user(`Stream to ${EMAIL}, phone ${PHONE}`), stream: true });
          const streamed = await logLineOf(gw, `pii-stream-${mode}`);
          assert.match(JSON.stringify(streamed['messages']), /<PHONE_NUMBER>/);
          assert.match(String(streamed['response']), /<EMAIL_ADDRESS>/);

          const all = gw.logs.join('\n');
          assert.ok(!all.includes(EMAIL), 'the raw e-mail is in no log line');
          assert.ok(!all.includes(PHONE), 'the raw phone number is in no log line');
        },
      ));
  });
}
