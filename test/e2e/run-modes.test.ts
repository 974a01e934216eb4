// End to end: `npm start` and `npm run start:distributed` as real processes (same loader), as a newcomer runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATS_URL } from '../support/gateway.ts';

const ENTRY = { embedded: 'services/gateway/src/main.ts', distributed: 'services/gateway/src/distributed.ts' } as const;

async function startProcess(entry: string, args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', './scripts/runtime/register.mjs', entry, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave the process group behind when start-up fails.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      reject(new Error(`no banner within 60 s:\n${out}`));
    }, 60_000);
    const check = (): void => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m?.[1] && /WARNING|Models:/.test(out)) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)));
  });
  return { child, url, output: () => out };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on('exit', () => resolve());
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      resolve();
    }
    setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 8_000).unref();
  });
}

function configFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gw-modes-'));
  const path = join(dir, 'config.yaml');
  writeFileSync(path, 'model_list:\n  - model_name: demo\n    litellm_params: { model: demo/echo }\n  - model_name: gpt-4o\n    litellm_params: { model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY }\n');
  return path;
}

for (const mode of ['embedded', 'distributed'] as const) {
  test(`${mode} mode starts from the CLI, prints address, mode and live models, and answers the demo model`, async () => {
    const args = ['--config', configFile(), '--port', '0', '--host', '127.0.0.1'];
    if (mode === 'distributed') args.push('--replicas', '1');
    const env: Record<string, string> = { NATS_URL, GATEWAY_BUS_NAMESPACE: `modes${process.pid}`, OPENAI_API_KEY: '' };
    const p = await startProcess(ENTRY[mode], args, env);
    try {
      const banner = p.output();
      assert.match(banner, new RegExp(`${mode} mode`));
      assert.match(banner, /demo\s+demo\/echo/);
      assert.match(banner, /gpt-4o\s+unavailable: OPENAI_API_KEY not set/);
      assert.match(banner, /WARNING: the gateway is OPEN/);
      const res = await fetch(`${p.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'first curl' }] }),
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
      assert.match(body.choices[0]?.message.content ?? '', /first curl/);
      const unavailable = await fetch(`${p.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
      });
      assert.equal(unavailable.status, 503);
    } finally {
      await stop(p.child);
    }
  });
}

test('a config with a wrong type stops start-up with the YAML path and the expected type', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-bad-'));
  const path = join(dir, 'bad.yaml');
  writeFileSync(path, 'model_list:\n  - model_name: demo\n    litellm_params: { model: demo/echo, rpm: lots }\n');
  const child = spawn(process.execPath, ['--import', './scripts/runtime/register.mjs', ENTRY.embedded, '--config', path, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 2);
  assert.match(out, /model_list\[0\]\.litellm_params\.rpm/);
  assert.match(out, /number/);
});
