// Encoding benchmark: Avro vs JSON encode+decode of hot-path contracts (envelope with 1 KB / 8 KB body, reply chunk).
// Run: node --import tsx test/bench/encoding.ts   (BENCH_MS: time per measurement round, default 300)
import { avroCodec, jsonCodec, type ContractCodec, type ReplyChunk, type RequestEnvelope } from '@ai-gateway/kit';

const ROUND_MS = Number(process.env.BENCH_MS ?? '300');
const ROUNDS = 5;

/** An OpenAI chat body of about `bytes` bytes: a system prompt, some turns, ordinary text with quotes and newlines. */
function chatBody(bytes: number): string {
  const turn = 'Please check the attached "Q3 invoice" line by line.\nTotals: €1,204.50 — due 2026-12-01. ';
  const messages: { role: string; content: string }[] = [{ role: 'system', content: 'You are a careful accounts assistant.' }];
  while (JSON.stringify({ model: 'gpt-4o', stream: true, messages }).length < bytes) {
    messages.push({ role: messages.length % 2 ? 'user' : 'assistant', content: turn.repeat(3) });
  }
  return JSON.stringify({ model: 'gpt-4o', stream: true, temperature: 0.2, messages });
}

function envelope(bodyBytes: number): RequestEnvelope {
  return {
    requestId: 'req_01JDX3V9Q6M4N8K2P7R5T1W3Y0',
    tenant: { keyId: 'key_7c1e9a', keyAlias: 'checkout-prod', teamId: 'team_payments', userId: 'user_42', projectId: null },
    model: 'gpt-4o',
    callType: 'chat',
    inboundApi: 'openai',
    stream: true,
    slip: ['pii', 'cache', 'router'],
    replyTo: 'gw.v1.reply.ingress-7f3a.req_01JDX3V9Q6M4N8K2P7R5T1W3Y0',
    trace: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: null },
    receivedAtMs: 1_795_651_200_123,
    deadlineMs: 1_795_651_800_123,
    metadata: { 'cache-control': 'max-age=600' },
    verdicts: [{ guardrail: 'pii', action: 'mask', categories: ['email'], score: 1 }],
    body: chatBody(bodyBytes),
  };
}

const chunk: ReplyChunk = {
  requestId: 'req_01JDX3V9Q6M4N8K2P7R5T1W3Y0',
  seq: 17,
  kind: 'data',
  status: 200,
  headers: {},
  data: JSON.stringify({
    id: 'chatcmpl-AbC123',
    object: 'chat.completion.chunk',
    created: 1_795_651_201,
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, delta: { content: ' the invoice' }, finish_reason: null }],
  }),
};

let sink = 0;

/** Median ops/s over ROUNDS rounds of at least ROUND_MS each. */
function opsPerSecond(fn: () => void): number {
  for (let i = 0; i < 2_000; i++) fn(); // warm-up: let V8 optimise
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsedNs = 0n;
    const budgetNs = BigInt(ROUND_MS) * 1_000_000n;
    while (elapsedNs < budgetNs) {
      for (let i = 0; i < 200; i++) fn();
      n += 200;
      elapsedNs = process.hrtime.bigint() - start;
    }
    rates.push(n / (Number(elapsedNs) / 1e9));
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] ?? 0;
}

interface Row { record: string; codec: string; bytes: number; encode: number; decode: number; roundTrip: number }

function measure(label: string, codec: ContractCodec, encode: () => Uint8Array, decode: (b: Uint8Array) => unknown): Row {
  const bytes = encode();
  return {
    record: label,
    codec: codec.format,
    bytes: bytes.length,
    encode: opsPerSecond(() => { sink += encode().length; }),
    decode: opsPerSecond(() => { sink += decode(bytes) === null ? 1 : 0; }),
    roundTrip: opsPerSecond(() => { sink += decode(encode()) === null ? 1 : 0; }),
  };
}

const rows: Row[] = [];
for (const [label, env] of [['RequestEnvelope 1 KB body', envelope(1_024)], ['RequestEnvelope 8 KB body', envelope(8_192)]] as const) {
  for (const codec of [avroCodec, jsonCodec]) {
    rows.push(measure(label, codec, () => codec.encodeEnvelope(env), (b) => codec.decodeEnvelope(b)));
  }
}
for (const codec of [avroCodec, jsonCodec]) {
  rows.push(measure('ReplyChunk (data)', codec, () => codec.encodeReply(chunk), (b) => codec.decodeReply(b)));
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const header = ['record', 'codec', 'bytes', 'encode ops/s', 'decode ops/s', 'enc+dec ops/s', 'avro/json enc+dec'];
const table = rows.map((r) => {
  const json = rows.find((o) => o.record === r.record && o.codec === 'json');
  const ratio = r.codec === 'avro' && json ? `${(r.roundTrip / json.roundTrip).toFixed(2)}×` : '';
  return [r.record, r.codec, String(r.bytes), fmt(r.encode), fmt(r.decode), fmt(r.roundTrip), ratio];
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
console.log(`node ${process.version}, ${ROUNDS} rounds × ${ROUND_MS} ms, median`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of table) console.log(line(row));
if (sink === -1) console.log(sink);
