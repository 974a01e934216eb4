// Encoding benchmark: Avro vs JSON encode+decode of hot-path contracts (envelope with 1 KB / 8 KB body, reply chunk).
// Run: node --import tsx test/bench/encoding.ts   (BENCH_MS: time per round, default 300; BENCH_ROUNDS, default 5)
import os from 'node:os';
import { avroCodec, jsonCodec, type ContractCodec, type ReplyChunk, type RequestEnvelope } from '@ai-gateway/kit';

const ROUND_MS = Number(process.env.BENCH_MS ?? '300');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '5');

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

/**
 * One timed round: calls per CPU-second of this process (user + system), so other processes
 * competing for the cores do not skew the comparison; wall-clock rate kept for reference.
 */
function round(fn: () => void): { cpu: number; wall: number } {
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const budgetNs = BigInt(ROUND_MS) * 1_000_000n;
  let elapsedNs = 0n;
  while (elapsedNs < budgetNs) {
    for (let i = 0; i < 200; i++) fn();
    n += 200;
    elapsedNs = process.hrtime.bigint() - start;
  }
  const cpu = process.cpuUsage(cpu0);
  return { cpu: n / ((cpu.user + cpu.system) / 1e6), wall: n / (Number(elapsedNs) / 1e9) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

type Op = 'encode' | 'decode' | 'roundTrip';
interface Case { record: string; codec: ContractCodec; bytes: number; fns: Record<Op, () => void> }
interface Row { record: string; codec: string; bytes: number; encode: number; decode: number; roundTrip: number; roundTripWall: number }

function makeCase(record: string, codec: ContractCodec, encode: () => Uint8Array, decode: (b: Uint8Array) => unknown): Case {
  const bytes = encode();
  return {
    record,
    codec,
    bytes: bytes.length,
    fns: {
      encode: () => { sink += encode().length; },
      decode: () => { sink += decode(bytes) === null ? 1 : 0; },
      roundTrip: () => { sink += decode(encode()) === null ? 1 : 0; },
    },
  };
}

const cases: Case[] = [];
for (const [label, env] of [['RequestEnvelope 1 KB body', envelope(1_024)], ['RequestEnvelope 8 KB body', envelope(8_192)]] as const) {
  for (const codec of [avroCodec, jsonCodec]) cases.push(makeCase(label, codec, () => codec.encodeEnvelope(env), (b) => codec.decodeEnvelope(b)));
}
for (const codec of [avroCodec, jsonCodec]) cases.push(makeCase('ReplyChunk (data)', codec, () => codec.encodeReply(chunk), (b) => codec.decodeReply(b)));

// Warm up everything, then interleave rounds so every case sees the same machine load.
const ops: Op[] = ['encode', 'decode', 'roundTrip'];
for (const c of cases) for (const op of ops) for (let i = 0; i < 5_000; i++) c.fns[op]();
const samples = cases.map(() => ({ encode: [] as number[], decode: [] as number[], roundTrip: [] as number[], roundTripWall: [] as number[] }));
for (let r = 0; r < ROUNDS; r++) {
  cases.forEach((c, i) => {
    for (const op of ops) {
      const { cpu, wall } = round(c.fns[op]);
      const s = samples[i];
      if (!s) continue;
      s[op].push(cpu);
      if (op === 'roundTrip') s.roundTripWall.push(wall);
    }
  });
}
const rows: Row[] = cases.map((c, i) => {
  const s = samples[i] ?? { encode: [], decode: [], roundTrip: [], roundTripWall: [] };
  return {
    record: c.record, codec: c.codec.format, bytes: c.bytes,
    encode: median(s.encode), decode: median(s.decode), roundTrip: median(s.roundTrip), roundTripWall: median(s.roundTripWall),
  };
});

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const header = ['record', 'codec', 'bytes', 'encode ops/cpu-s', 'decode ops/cpu-s', 'enc+dec ops/cpu-s', 'avro/json enc+dec', 'enc+dec ops/wall-s'];
const table = rows.map((r) => {
  const json = rows.find((o) => o.record === r.record && o.codec === 'json');
  const ratio = r.codec === 'avro' && json ? `${(r.roundTrip / json.roundTrip).toFixed(2)}×` : '';
  return [r.record, r.codec, String(r.bytes), fmt(r.encode), fmt(r.decode), fmt(r.roundTrip), ratio, fmt(r.roundTripWall)];
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
console.log(`node ${process.version}, ${ROUNDS} interleaved rounds × ${ROUND_MS} ms per case, median; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.availableParallelism()} cores`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of table) console.log(line(row));
if (sink === -1) console.log(sink);
