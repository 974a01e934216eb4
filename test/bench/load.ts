// Load generation for the benchmarks (autocannon), a response sanity check, and CPU accounting of a process tree.
import { readdirSync, readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  path: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  warmupSeconds: number;
  seconds: number;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** CPU time (user+system) of the measured process tree per request, in microseconds, drain included. */
  cpuUsPerReq: number | null;
  /**
   * How long the process tree kept working after the load stopped (batched accounting, a consumer catching up on
   * its stream): long drains mean the req/s figure is not sustainable. Its CPU is in cpuUsPerReq.
   */
  drainMs: number;
}

const TICK_US = 1_000_000 / 100; // USER_HZ is 100 on Linux

function ticksOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime
  } catch {
    return 0;
  }
}

/** pid and every descendant (cluster workers), found through /proc. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0 && out.length < 1000) {
    const pid = todo.pop() as number;
    out.push(pid);
    todo.push(...(parents.get(pid) ?? []));
  }
  return out;
}

function cpuUs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += ticksOf(pid);
  return ticks * TICK_US;
}

function once(spec: LoadSpec, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `${spec.url}${spec.path}`,
    method: 'POST',
    headers: spec.headers,
    body: spec.body,
    connections: spec.connections,
    duration: seconds,
    timeout: 10,
  });
}

/** Warms up, then measures; CPU is counted over `measuredPids` (the tier under test) during the measured part only. */
export async function measure(spec: LoadSpec, measuredPids: () => number[]): Promise<LoadResult> {
  if (spec.warmupSeconds > 0) await once(spec, spec.warmupSeconds);
  const pids = measuredPids();
  const cpuBefore = cpuUs(pids);
  const started = performance.now();
  const r = await once(spec, spec.seconds);
  const elapsed = (performance.now() - started) / 1000;
  const drainMs = pids.length > 0 ? await drain(pids) : 0;
  const cpu = cpuUs(pids) - cpuBefore;
  const total = r['2xx'];
  return {
    rps: total / elapsed,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: total,
    non2xx: r.non2xx,
    errors: r.errors,
    cpuUsPerReq: pids.length > 0 && total > 0 ? cpu / total : null,
    drainMs,
  };
}

/** Waits until the tree uses under 10 % of a core over 200 ms (bounded at 60 s); returns how long that took. */
async function drain(pids: number[]): Promise<number> {
  const started = performance.now();
  let last = cpuUs(pids);
  for (let i = 0; i < 300; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const now = cpuUs(pids);
    if (now - last < 20_000) return Math.max(0, performance.now() - started - 200);
    last = now;
  }
  return performance.now() - started;
}

/** One request through the target; throws unless it is a 200 with the expected shape (so we never benchmark errors). */
export async function checkTarget(spec: LoadSpec, stream: boolean, chunks: number): Promise<void> {
  const res = await fetch(`${spec.url}${spec.path}`, { method: 'POST', headers: spec.headers, body: spec.body, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${spec.url}: status ${res.status}: ${text.slice(0, 300)}`);
  if (!stream) {
    const body = JSON.parse(text) as { choices?: unknown[] };
    if (!Array.isArray(body.choices)) throw new Error(`${spec.url}: not a chat completion: ${text.slice(0, 300)}`);
    return;
  }
  const events = text.split('\n\n').filter((e) => e.startsWith('data: '));
  const content = events.filter((e) => e.includes('"content":"tok')).length;
  if (content !== chunks || events.at(-1) !== 'data: [DONE]') {
    throw new Error(`${spec.url}: expected ${chunks} content chunks and [DONE], got ${content} (${events.length} events)`);
  }
}
