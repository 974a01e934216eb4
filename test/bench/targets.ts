// Starts the benchmark's processes: fake upstream, bare proxy, embedded gateway, distributed gateway (NATS).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { freePort, REPO_ROOT, startChild, type Child } from './processes.ts';

export const BENCH_KEY = 'sk-bench-master-key';
export const BENCH_MODEL = 'bench-model';
const LISTENING = /listening on (http:\/\/[^\s]+)/;

/** A stack address from the environment, else from the local stack's .stack/env, else null. */
export function stackEnv(name: 'NATS_URL' | 'DATABASE_URL' | 'KAFKA_BROKERS'): string | null {
  if (process.env[name]) return process.env[name] ?? null;
  const envFile = join(REPO_ROOT, '.stack/env');
  if (existsSync(envFile)) {
    const m = new RegExp(`^${name}=(.+)$`, 'm').exec(readFileSync(envFile, 'utf8'));
    if (m?.[1]) return m[1].trim();
  }
  return null;
}

export function natsUrl(): string {
  return stackEnv('NATS_URL') ?? 'nats://127.0.0.1:4222';
}

/**
 * What both gateways run with, whatever the caller's shell exports: master-key auth, spend accounting (spend
 * logs, budgets, audit chain), metrics and logs. The store is each mode's own: PGlite in the embedded process,
 * Postgres for the distributed accounting replica (it needs one). Kafka billing export only with BENCH_KAFKA=1.
 */
export function benchStoreEnv(mode: 'embedded' | 'distributed', kafka: boolean): Record<string, string | undefined> {
  return {
    DATABASE_URL: mode === 'distributed' ? (stackEnv('DATABASE_URL') ?? undefined) : undefined,
    KAFKA_BROKERS: kafka ? (stackEnv('KAFKA_BROKERS') ?? undefined) : undefined,
    GATEWAY_DB_SCHEMA: undefined,
  };
}

/** A config file with one model group served by the fake upstream; everything else is the defaults. */
export function writeConfig(upstreamUrl: string, extraYaml = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-'));
  const path = join(dir, 'gateway.yaml');
  writeFileSync(
    path,
    `model_list:
  - model_name: ${BENCH_MODEL}
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstreamUrl}/v1, api_key: sk-fake }
${extraYaml}general_settings:
  master_key: ${BENCH_KEY}
`,
  );
  return path;
}

export function startUpstream(chunks: number): Promise<Child> {
  return startChild({ name: 'upstream', script: 'test/bench/upstream.ts', ready: 'ipc', env: { BENCH_CHUNKS: String(chunks) } });
}

export function startBareProxy(upstreamUrl: string): Promise<Child> {
  return startChild({ name: 'bare proxy', script: 'test/bench/bare-proxy.ts', ready: 'ipc', env: { BENCH_UPSTREAM: upstreamUrl } });
}

/**
 * The embedded gateway on a fresh data directory, removed when it stops: runs never add to each other's spend logs
 * (a repo's `.data/pg` grown by earlier runs made PGlite slower run after run), like the distributed side's fresh schema.
 */
export async function startEmbeddedGateway(configPath: string, nodeFlags: string[] = [], kafka = false): Promise<Child> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gw-bench-data-'));
  const child = await startChild({
    env: { ...benchStoreEnv('embedded', kafka), GATEWAY_DATA_DIR: dataDir },
    name: 'gateway (embedded)',
    script: 'services/gateway/src/main.ts',
    runtime: 'production',
    args: ['--config', configPath, '--port', '0', '--host', '127.0.0.1'],
    nodeFlags,
    ready: LISTENING,
    // Start-up loads the store, tokenizers and migrations: slow on a busy machine.
    timeoutMs: 120_000,
  }).catch((err: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  return {
    ...child,
    async stop() {
      await child.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface DistributedGateway extends Child {
  namespace: string;
}

export async function startDistributedGateway(configPath: string, replicas: number, profileDir?: string, kafka = false): Promise<DistributedGateway> {
  const port = await freePort();
  const namespace = `bench${randomBytes(4).toString('hex')}`;
  const child = await startChild({
    name: `gateway (distributed, ${replicas}+${replicas})`,
    script: 'services/gateway/src/distributed.ts',
    runtime: 'production',
    args: ['--config', configPath, '--port', String(port), '--host', '127.0.0.1', '--replicas', String(replicas)],
    // A fresh Postgres schema per run, dropped afterwards: runs never add to each other's tables.
    env: { ...benchStoreEnv('distributed', kafka), NATS_URL: natsUrl(), GATEWAY_BUS_NAMESPACE: namespace, GATEWAY_DB_SCHEMA: namespace },
    // cluster.fork passes the supervisor's flags on: one profile per service process.
    nodeFlags: profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
    ready: LISTENING,
    timeoutMs: 120_000,
  });
  const stop = async (): Promise<void> => {
    await child.stop();
    await deleteStream(`GW_EVENTS_${namespace}`);
    await dropSchema(namespace);
  };
  return { ...child, stop, namespace };
}

/** Drops the Postgres schema a distributed run wrote to. */
async function dropSchema(schema: string): Promise<void> {
  const url = stackEnv('DATABASE_URL');
  if (!url) return;
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } catch {
    // Postgres is gone: nothing to clean
  } finally {
    await c.end().catch(() => {});
  }
}

/** Removes the JetStream stream a namespaced run created. */
async function deleteStream(name: string): Promise<void> {
  let nc;
  try {
    nc = await connect({ servers: natsUrl(), timeout: 2_000 });
    await (await nc.jetstreamManager()).streams.delete(name);
  } catch {
    // never created, or NATS is gone: nothing to clean
  } finally {
    await nc?.close();
  }
}

/** True when a NATS server answers at natsUrl(). */
export async function natsReachable(): Promise<boolean> {
  try {
    const nc = await connect({ servers: natsUrl(), timeout: 2_000, reconnect: false });
    await nc.close();
    return true;
  } catch {
    return false;
  }
}
