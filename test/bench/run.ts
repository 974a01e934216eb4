// `npm run bench`: the gateway's overhead against a bare proxy, all in one run against one fast fake upstream.
// Env: BENCH_SECONDS (10) BENCH_WARMUP (2) BENCH_CONNECTIONS (32) BENCH_CHUNKS (20) BENCH_REPLICAS (1) BENCH_ROUNDS (1)
//      BENCH_TARGETS (upstream,proxy,embedded,distributed) BENCH_SHAPES (non-stream,stream) BENCH_PROFILE=1 (CPU profiles: embedded summarised; distributed, one per service process, in the printed folder) BENCH_STRICT=1 (exit 1 on a miss) BENCH_KAFKA=1 (Kafka billing export on in both gateways)
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTarget, measure, processTree, type LoadResult, type LoadSpec } from './load.ts';
import { REPO_ROOT, type Child } from './processes.ts';
import { busyMs, formatHotSpots, hotSpots } from './profile-summary.ts';
import { BENCH_KEY, BENCH_MODEL, natsReachable, natsUrl, stackEnv, startBareProxy, startDistributedGateway, startEmbeddedGateway, startUpstream, writeConfig } from './targets.ts';

type TargetName = 'upstream' | 'proxy' | 'embedded' | 'distributed';
type Shape = 'non-stream' | 'stream';

const num = (name: string, dflt: number): number => {
  const v = Number(process.env[name] ?? dflt);
  return Number.isFinite(v) && v >= 0 ? v : dflt;
};
const SECONDS = num('BENCH_SECONDS', 10);
const WARMUP = num('BENCH_WARMUP', 2);
const CONNECTIONS = num('BENCH_CONNECTIONS', 32);
const CHUNKS = num('BENCH_CHUNKS', 20);
const REPLICAS = Math.max(1, num('BENCH_REPLICAS', 1));
const ROUNDS = Math.max(1, Math.min(10, num('BENCH_ROUNDS', 1)));
const PROFILE = process.env['BENCH_PROFILE'] === '1';
/** Kafka billing export on in both gateways (needs the stack's KAFKA_BROKERS). */
const KAFKA = process.env['BENCH_KAFKA'] === '1';
const TARGETS = (process.env['BENCH_TARGETS'] ?? 'upstream,proxy,embedded,distributed').split(',') as TargetName[];
const SHAPES = (process.env['BENCH_SHAPES'] ?? 'non-stream,stream').split(',').filter((x): x is Shape => x === 'non-stream' || x === 'stream');
const TARGET_RATIO: Partial<Record<TargetName, number>> = { embedded: 0.5, distributed: 0.25 };
const RESULTS_DIR = join(REPO_ROOT, 'test/bench/results');
// Profiles are large and only the summary matters: they go to a temporary folder (its path is printed).
const PROFILE_DIR = join(tmpdir(), `gw-bench-profiles-${process.pid}`);

interface Row extends LoadResult {
  target: TargetName;
  shape: Shape;
  /** rps / bare proxy rps in the same shape. */
  ratio: number | null;
  rounds: number[];
}

function bodyFor(shape: Shape): string {
  return JSON.stringify({ model: BENCH_MODEL, messages: [{ role: 'user', content: 'Say hello in twenty tokens.' }], stream: shape === 'stream' });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** Starts the targets into `children` as it goes, so the caller can stop whatever started if a later one fails. */
async function startTargets(children: Map<TargetName, Child>): Promise<{ notes: string[] }> {
  const notes: string[] = [];
  const upstream = await startUpstream(CHUNKS);
  children.set('upstream', upstream);
  const config = writeConfig(upstream.url);
  if (TARGETS.includes('proxy')) children.set('proxy', await startBareProxy(upstream.url));
  if (TARGETS.includes('embedded')) {
    if (PROFILE) mkdirSync(PROFILE_DIR, { recursive: true });
    children.set('embedded', await startEmbeddedGateway(config, PROFILE ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : [], KAFKA));
  }
  if (TARGETS.includes('distributed')) {
    if (!stackEnv('DATABASE_URL')) notes.push('distributed skipped: no DATABASE_URL (its accounting needs Postgres; run `bash scripts/stack up`)');
    else if (await natsReachable()) children.set('distributed', await startDistributedGateway(config, REPLICAS, PROFILE ? join(PROFILE_DIR, 'distributed') : undefined, KAFKA));
    else notes.push(`distributed skipped: no NATS at ${natsUrl()} (run \`bash scripts/stack up\`)`);
  }
  return { notes };
}

function table(rows: Row[]): string {
  const head = ['target', 'shape', 'req/s', 'x proxy', 'p50 ms', 'p99 ms', 'CPU us/req', 'drain ms', 'non2xx', 'errors'];
  const lines = rows.map((r) => [
    r.target, r.shape, r.rps.toFixed(0), r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`, r.p50.toFixed(1), r.p99.toFixed(1),
    r.cpuUsPerReq === null ? '-' : r.cpuUsPerReq.toFixed(0), r.drainMs.toFixed(0), String(r.non2xx), String(r.errors),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n');
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const children = new Map<TargetName, Child>();
  const rows: Row[] = [];
  let notes: string[] = [];
  try {
    ({ notes } = await startTargets(children));
    for (const shape of SHAPES) {
      const perTarget = new Map<TargetName, LoadResult[]>();
      for (let round = 0; round < ROUNDS; round++) {
        // Rotate the order each round so slow drift in machine load does not favour one target.
        const order = [...children.keys()];
        for (let i = 0; i < round % order.length; i++) order.push(order.shift() as TargetName);
        for (const target of order) {
          const child = children.get(target) as Child;
          const spec: LoadSpec = {
            url: child.url, path: '/v1/chat/completions', body: bodyFor(shape),
            headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` },
            connections: CONNECTIONS, warmupSeconds: WARMUP, seconds: SECONDS,
          };
          await checkTarget(spec, shape === 'stream', CHUNKS);
          const pid = child.proc.pid ?? 0;
          const r = await measure(spec, () => processTree(pid));
          process.stderr.write(`  ${shape} ${target} round ${round + 1}: ${r.rps.toFixed(0)} req/s p50 ${r.p50} ms p99 ${r.p99} ms\n`);
          perTarget.set(target, [...(perTarget.get(target) ?? []), r]);
        }
      }
      const proxyRps = perTarget.has('proxy') ? median((perTarget.get('proxy') ?? []).map((r) => r.rps)) : null;
      for (const [target, results] of perTarget) {
        const rps = median(results.map((r) => r.rps));
        const rep = results.find((r) => r.rps === rps) ?? (results[0] as LoadResult);
        rows.push({ ...rep, target, shape, ratio: proxyRps ? rps / proxyRps : null, rounds: results.map((r) => Math.round(r.rps)) });
      }
    }
  } finally {
    for (const c of [...children.values()].reverse()) await c.stop();
  }
  const loadAfter = loadavg();

  const misses = rows.filter((r) => r.ratio !== null && TARGET_RATIO[r.target] !== undefined && r.ratio < (TARGET_RATIO[r.target] as number));
  const features = `master key, spend accounting (embedded: PGlite in process; distributed: Postgres), metrics, logs; Kafka billing export ${KAFKA ? 'on' : 'off (BENCH_KAFKA=1)'}`;
  const settings = { seconds: SECONDS, warmupSeconds: WARMUP, connections: CONNECTIONS, streamChunks: CHUNKS, distributedReplicas: REPLICAS, rounds: ROUNDS, features };
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', node: process.version, loadavgBefore: loadBefore, loadavgAfter: loadAfter };
  process.stdout.write(`\nGateway benchmark (${CONNECTIONS} connections, ${SECONDS} s after ${WARMUP} s warm-up, stream = ${CHUNKS} chunks, distributed = ${REPLICAS} ingress + ${REPLICAS} router over NATS)\n`);
  process.stdout.write(`gateways: ${features}\n`);
  process.stdout.write(`machine: ${machine.cpus} CPUs, load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(1)).join(' ')} after; CPU us/req counts the measured tier only (not the upstream, not nats-server or Postgres), including its work after the load stopped (drain ms)\n\n`);
  process.stdout.write(`${table(rows)}\n\n`);
  for (const [target, ratio] of Object.entries(TARGET_RATIO)) {
    for (const r of rows.filter((x) => x.target === target && x.ratio !== null)) {
      process.stdout.write(`target ${target} ${r.shape}: ${(r.ratio as number).toFixed(2)}x >= ${ratio}x ${(r.ratio as number) >= ratio ? 'MET' : 'MISSED'}\n`);
    }
  }
  for (const n of notes) process.stdout.write(`note: ${n}\n`);

  let profile: { file: string; top: ReturnType<typeof hotSpots> } | null = null;
  if (PROFILE) {
    // The process writes one profile per thread (tsx's loader thread too): the busiest one is the main thread.
    const pid = String(children.get('embedded')?.proc.pid ?? '');
    const files = readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.`));
    const file = files.sort((a, b) => busyMs(join(PROFILE_DIR, b)) - busyMs(join(PROFILE_DIR, a)))[0];
    if (file) {
      profile = { file: join(PROFILE_DIR, file), top: hotSpots(join(PROFILE_DIR, file), 30) };
      process.stdout.write(`\nembedded gateway CPU profile (${profile.file}), top self time (% of busy time):\n${formatHotSpots(profile.top)}\n`);
    }
  }
  if (PROFILE && children.has('distributed')) process.stdout.write(`distributed gateway CPU profiles: ${join(PROFILE_DIR, 'distributed')}\n`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify({ at: new Date().toISOString(), settings, machine, rows, targets: TARGET_RATIO, misses: misses.map((m) => `${m.target} ${m.shape}`), notes, profile }, null, 2)}\n`);
  process.stdout.write(`\nwrote test/bench/results/latest.json\n`);
  if (misses.length > 0 && process.env['BENCH_STRICT'] === '1') process.exitCode = 1;
}

await main();
