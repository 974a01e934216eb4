// Bus benchmark: request/reply round trips (sequential and 32 concurrent) and streamed-reply throughput, in-process vs NATS.
// Run: node --import tsx test/bench/bus.ts   (NATS_URL, default nats://127.0.0.1:4222; BENCH_SCALE multiplies counts)
import { connectNatsBus, createInProcessBus, type Bus } from '@ai-gateway/kit';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const PAYLOAD = new Uint8Array(256).fill(120);
const CHUNK = new Uint8Array(100).fill(97);
const enc = new TextEncoder();
const run = Date.now().toString(36);

interface Pair {
  name: string;
  /** Sends requests and receives streams. */
  client: Bus;
  /** Answers requests and produces streams (a second connection for NATS). */
  server: Bus;
  rounds: { sequential: number; concurrent: number; streamChunks: number };
}

interface LatencyResult {
  rps: number;
  /** Node CPU (user+system, both sides of the bus, not nats-server) per operation: steadier than rps on a loaded machine. */
  cpuUsPerOp: number;
  p50: number;
  p99: number;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function summarize(latencies: Float64Array, elapsedMs: number, cpu: NodeJS.CpuUsage): LatencyResult {
  const sorted = latencies.slice().sort();
  return {
    rps: (latencies.length / elapsedMs) * 1000,
    cpuUsPerOp: (cpu.user + cpu.system) / latencies.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
  };
}

function startResponders(p: Pair): void {
  const echo = p.server.subscribe(`bench.${run}.echo`, { queue: 'echo' });
  void (async () => {
    for await (const m of echo) m.respond(m.data);
  })();
  const streams = p.server.subscribe(`bench.${run}.stream`);
  void (async () => {
    for await (const m of streams) {
      const to = m.headers['reply-to'] as string;
      const n = Number(m.headers['chunks']);
      for (let i = 0; i < n; i++) {
        p.server.publish(to, CHUNK);
        if ((i & 1023) === 1023) await new Promise((r) => setImmediate(r)); // let the socket drain, as a real producer would
      }
      p.server.publish(to, new Uint8Array(0));
    }
  })();
}

async function requestLoop(bus: Bus, count: number, concurrency: number): Promise<LatencyResult> {
  const latencies = new Float64Array(count);
  let next = 0;
  const subject = `bench.${run}.echo`;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      await bus.request(subject, PAYLOAD, { timeoutMs: 5_000 });
      latencies[i] = performance.now() - t0;
    }
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return summarize(latencies, performance.now() - started, process.cpuUsage(cpu));
}

async function streamOnce(p: Pair, chunks: number): Promise<{ elapsedMs: number; firstChunkMs: number }> {
  const replyTo = `bench.${run}.reply.${Math.random().toString(36).slice(2)}`;
  const sub = p.client.subscribe(replyTo);
  await p.client.flush();
  const started = performance.now();
  let first = 0;
  let received = 0;
  p.client.publish(`bench.${run}.stream`, enc.encode('go'), { 'reply-to': replyTo, chunks: String(chunks) });
  for await (const m of sub) {
    if (m.data.length === 0) break;
    if (received++ === 0) first = performance.now() - started;
  }
  const elapsedMs = performance.now() - started;
  if (received !== chunks) throw new Error(`stream lost chunks: ${received}/${chunks}`);
  return { elapsedMs, firstChunkMs: first };
}

/** Many short streams, one after another: what an SSE reply of `chunks` chunks costs. */
async function shortStreams(p: Pair, streams: number, chunks: number): Promise<{ first: LatencyResult; whole: LatencyResult }> {
  const first = new Float64Array(streams);
  const whole = new Float64Array(streams);
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < streams; i++) {
    const r = await streamOnce(p, chunks);
    first[i] = r.firstChunkMs;
    whole[i] = r.elapsedMs;
  }
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { first: summarize(first, elapsed, used), whole: summarize(whole, elapsed, used) };
}

function fmt(r: LatencyResult): string {
  return (
    `${Math.round(r.rps).toLocaleString('en-US').padStart(9)} req/s  ${r.cpuUsPerOp.toFixed(1).padStart(6)} µs CPU/req  ` +
    `p50 ${r.p50.toFixed(3)} ms  p99 ${r.p99.toFixed(3)} ms`
  );
}

async function bench(p: Pair): Promise<void> {
  startResponders(p);
  await p.server.flush();
  await requestLoop(p.client, 2_000, 8); // warm-up (JIT, connections)
  const seq = await requestLoop(p.client, p.rounds.sequential * SCALE, 1);
  const conc = await requestLoop(p.client, p.rounds.concurrent * SCALE, 32);
  await streamOnce(p, 10_000);
  const bulk = await streamOnce(p, p.rounds.streamChunks * SCALE);
  const short = await shortStreams(p, 500 * SCALE, 200);
  const bulkChunks = p.rounds.streamChunks * SCALE;
  console.log(`\n${p.name}`);
  console.log(`  request/reply sequential     ${fmt(seq)}`);
  console.log(`  request/reply 32 concurrent  ${fmt(conc)}`);
  console.log(
    `  bulk stream ${bulkChunks} x ${CHUNK.length} B       ${Math.round((bulkChunks / bulk.elapsedMs) * 1000).toLocaleString('en-US').padStart(9)} chunks/s  ` +
      `${((bulkChunks * CHUNK.length) / bulk.elapsedMs / 1000).toFixed(1)} MB/s`,
  );
  console.log(
    `  ${500 * SCALE} streams of 200 chunks    ${Math.round(short.whole.rps).toLocaleString('en-US').padStart(9)} streams/s  ` +
      `${short.whole.cpuUsPerOp.toFixed(0)} µs CPU/stream  first chunk p50 ${short.first.p50.toFixed(3)} p99 ${short.first.p99.toFixed(3)} ms  ` +
      `last chunk p50 ${short.whole.p50.toFixed(3)} p99 ${short.whole.p99.toFixed(3)} ms`,
  );
}

async function main(): Promise<void> {
  console.log(`bus bench  node ${process.version}  payload ${PAYLOAD.length} B  scale ${SCALE}`);
  const local = createInProcessBus();
  await bench({ name: 'in-process', client: local, server: local, rounds: { sequential: 50_000, concurrent: 200_000, streamChunks: 500_000 } });
  await local.close();

  const client = await connectNatsBus({ servers: NATS_URL, name: 'bench-client' });
  const server = await connectNatsBus({ servers: NATS_URL, name: 'bench-server' });
  await bench({ name: `nats (${NATS_URL}, two connections)`, client, server, rounds: { sequential: 10_000, concurrent: 50_000, streamChunks: 200_000 } });
  await Promise.all([client.close(), server.close()]);
}

await main();
