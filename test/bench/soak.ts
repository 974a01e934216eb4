// `npm run bench:soak`: mixed traffic against an embedded gateway in a child process; RSS and heap from start to end.
// Env: SOAK_SECONDS (600) SOAK_WARMUP_SECONDS (20% of the run, 30..120) SOAK_CONCURRENCY (16) SOAK_SAMPLE_SECONDS (5)
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, startChild, type Child } from './processes.ts';
import { driveTraffic, soakYaml, type Outcome } from './soak-traffic.ts';

const num = (name: string, dflt: number): number => {
  const v = Number(process.env[name] ?? dflt);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const SECONDS = num('SOAK_SECONDS', 600);
const WARMUP = num('SOAK_WARMUP_SECONDS', Math.min(120, Math.max(30, Math.round(SECONDS * 0.2))));
const CONCURRENCY = Math.min(256, num('SOAK_CONCURRENCY', 16));
const SAMPLE_SECONDS = num('SOAK_SAMPLE_SECONDS', 5);
const KEY = 'sk-soak-master-key';

interface Sample {
  t: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** VmRSS from /proc, as the kernel sees it (kB → bytes). */
  procRss: number;
}

function procRss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Asks the gateway child for process.memoryUsage() after a full GC. */
function sample(gw: Child, started: number): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      gw.proc.off('message', onMessage);
      reject(new Error('gateway did not report its memory within 10 s'));
    }, 10_000);
    function onMessage(m: unknown): void {
      if (!m || typeof m !== 'object' || (m as { type?: unknown }).type !== 'memory') return;
      clearTimeout(timer);
      gw.proc.off('message', onMessage);
      const u = m as NodeJS.MemoryUsage;
      resolve({ t: (Date.now() - started) / 1000, rss: u.rss, heapUsed: u.heapUsed, heapTotal: u.heapTotal, external: u.external, arrayBuffers: u.arrayBuffers, procRss: procRss(gw.proc.pid ?? 0) });
    }
    gw.proc.on('message', onMessage);
    gw.proc.send({ type: 'memory', gc: true });
  });
}

const mb = (b: number): string => (b / 1024 / 1024).toFixed(1);
const pct = (a: number, b: number): string => `${(((b - a) / a) * 100).toFixed(1)}%`;

/** Least-squares slope of y over t, per minute. */
function slopePerMinute(points: Array<{ t: number; y: number }>): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num_ = points.reduce((s, p) => s + (p.t - mt) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  return den === 0 ? 0 : (num_ / den) * 60;
}

async function main(): Promise<void> {
  const upstream = await startChild({ name: 'soak upstreams', script: 'test/bench/soak-upstream.ts', ready: 'ipc' });
  const urls = (upstream.hello as { urls: Record<string, string> }).urls;
  const dir = mkdtempSync(join(tmpdir(), 'gw-soak-'));
  const configPath = join(dir, 'gateway.yaml');
  writeFileSync(configPath, soakYaml(urls, KEY));
  const gw = await startChild({ name: 'gateway (embedded, soak)', script: 'test/bench/soak-gateway.ts', args: [configPath], nodeFlags: ['--expose-gc'], ready: 'ipc' });
  const started = Date.now();
  const samples: Sample[] = [];
  const counts = new Map<string, number>();
  let stopTraffic = false;
  try {
    const start = await sample(gw, started);
    samples.push(start);
    const deadline = started + SECONDS * 1000;
    const traffic = driveTraffic(gw.url, KEY, CONCURRENCY, () => stopTraffic || Date.now() >= deadline, (o: Outcome) => {
      const k = `${o.scenario} ${o.result}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    });
    let afterWarmup: Sample | null = null;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(SAMPLE_SECONDS * 1000, Math.max(0, deadline - Date.now()))));
      const s = await sample(gw, started);
      samples.push(s);
      if (!afterWarmup && s.t >= WARMUP) afterWarmup = s;
      process.stderr.write(`  t=${s.t.toFixed(0)}s rss ${mb(s.rss)} MB heap ${mb(s.heapUsed)} MB requests ${[...counts.values()].reduce((a, b) => a + b, 0)}\n`);
    }
    const endLoaded = samples.at(-1) as Sample;
    stopTraffic = true;
    await traffic;
    await new Promise((r) => setTimeout(r, 3_000));
    const endIdle = await sample(gw, started);
    const check = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify({ model: 'ok', messages: [{ role: 'user', content: 'still there?' }] }) });
    const alive = check.status === 200;
    await check.arrayBuffer();

    const warm = afterWarmup ?? start;
    const post = samples.filter((s) => s.t >= warm.t);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const lines = [
      `\nSoak: ${SECONDS} s of mixed traffic at ${CONCURRENCY} concurrent clients (${total} requests, ${(total / SECONDS).toFixed(0)}/s), warm-up ${WARMUP} s, memory after a full GC every ${SAMPLE_SECONDS} s`,
      '',
      `                       start   after warm-up   end (loaded)   end (idle)   growth after warm-up`,
      `RSS MB            ${mb(start.rss).padStart(9)} ${mb(warm.rss).padStart(15)} ${mb(endLoaded.rss).padStart(14)} ${mb(endIdle.rss).padStart(12)}   ${pct(warm.rss, endLoaded.rss)}`,
      `heap used MB      ${mb(start.heapUsed).padStart(9)} ${mb(warm.heapUsed).padStart(15)} ${mb(endLoaded.heapUsed).padStart(14)} ${mb(endIdle.heapUsed).padStart(12)}   ${pct(warm.heapUsed, endLoaded.heapUsed)}`,
      `heap total MB     ${mb(start.heapTotal).padStart(9)} ${mb(warm.heapTotal).padStart(15)} ${mb(endLoaded.heapTotal).padStart(14)} ${mb(endIdle.heapTotal).padStart(12)}   ${pct(warm.heapTotal, endLoaded.heapTotal)}`,
      `external MB       ${mb(start.external).padStart(9)} ${mb(warm.external).padStart(15)} ${mb(endLoaded.external).padStart(14)} ${mb(endIdle.external).padStart(12)}   ${pct(warm.external, endLoaded.external)}`,
      '',
      `trend after warm-up (least squares): heap used ${(slopePerMinute(post.map((s) => ({ t: s.t, y: s.heapUsed }))) / 1024).toFixed(1)} kB/min, RSS ${(slopePerMinute(post.map((s) => ({ t: s.t, y: s.rss }))) / 1024).toFixed(1)} kB/min`,
      `gateway answered a normal request after the soak: ${alive ? 'yes' : `NO (status ${check.status})`}`,
      '',
      'outcomes (scenario result count):',
      ...[...counts.entries()].sort().map(([k, v]) => `  ${k.padEnd(36)} ${v}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const results = join(REPO_ROOT, 'test/bench/results');
    mkdirSync(results, { recursive: true });
    writeFileSync(join(results, 'soak-latest.json'), `${JSON.stringify({ at: new Date().toISOString(), settings: { seconds: SECONDS, warmupSeconds: WARMUP, concurrency: CONCURRENCY, sampleSeconds: SAMPLE_SECONDS }, start, afterWarmup: warm, endLoaded, endIdle, alive, outcomes: Object.fromEntries(counts), samples }, null, 2)}\n`);
    process.stdout.write('\nwrote test/bench/results/soak-latest.json\n');
    if (!alive) process.exitCode = 1;
  } finally {
    stopTraffic = true;
    await gw.stop();
    await upstream.stop();
  }
}

await main();
