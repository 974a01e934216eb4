// Child processes for the benchmarks: spawn, wait until they announce their address, stop them by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Child {
  name: string;
  proc: ChildProcess;
  url: string;
  /** The IPC message that announced readiness (children may say more than their url). */
  hello: unknown;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  /** Script path relative to the repo root, run with `node --import tsx` (or the production loader). */
  script: string;
  /** `production`: the loader `npm start` uses (scripts/runtime/register.mjs), so the gateway is measured as users run it. */
  runtime?: 'tsx' | 'production';
  args?: string[];
  env?: Record<string, string | undefined>;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** How the child says it is ready: an IPC `{ url }` message, or a stdout line matching the pattern (group 1 = url). */
  ready: 'ipc' | RegExp;
  timeoutMs?: number;
}

/** A free loopback port (bound then released; the caller binds it right away). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export function startChild(o: SpawnOptions): Promise<Child> {
  const loader = o.runtime === 'production' ? './scripts/runtime/register.mjs' : 'tsx';
  const proc = spawn(process.execPath, [...(o.nodeFlags ?? []), '--import', loader, o.script, ...(o.args ?? [])], {
    cwd: REPO_ROOT,
    // An undefined value removes the variable (a child must not inherit it).
    env: Object.fromEntries(Object.entries({ ...process.env, ...o.env }).filter(([, v]) => v !== undefined)),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderrTail = '';
  proc.stderr?.on('data', (b: Buffer) => {
    stderrTail = (stderrTail + b.toString('utf8')).slice(-4000);
  });
  let stdoutBuf = '';
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 8_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${o.name}: not ready within ${o.timeoutMs ?? 30_000} ms\n${stderrTail}`)), o.timeoutMs ?? 30_000);
    let settled = false;
    const done = (url: string, hello: unknown = null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Keep draining stdout (request logs) so the child never blocks on a full pipe.
      proc.stdout?.removeAllListeners('data');
      proc.stdout?.resume();
      resolve({ name: o.name, proc, url, hello, stop });
    };
    function fail(err: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop();
      reject(err);
    }
    proc.once('exit', (code) => fail(new Error(`${o.name}: exited with ${code} before it was ready\n${stderrTail}`)));
    if (o.ready === 'ipc') {
      proc.on('message', (m: unknown) => {
        if (m && typeof m === 'object' && typeof (m as { url?: unknown }).url === 'string') done((m as { url: string }).url, m);
      });
      proc.stdout?.resume();
    } else {
      const pattern = o.ready;
      proc.stdout?.on('data', (b: Buffer) => {
        stdoutBuf = (stdoutBuf + b.toString('utf8')).slice(-8000);
        const m = pattern.exec(stdoutBuf);
        if (m?.[1]) done(m[1]);
      });
    }
  });
}
