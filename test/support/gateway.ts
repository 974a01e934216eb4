// Starts a gateway for end-to-end tests in either run mode, with logs captured in memory.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { connect } from 'nats';
import pg from 'pg';
import { avroCodec, createLogger, loadConfig, subjectsFor, type Bus, type CompletedEvent, type GatewayConfig, type Logger, type Subjects } from '@ai-gateway/kit';
import { connectBus, startAccountingNode, startEmbedded, startIngressService, startRouterService, type ServiceHandle } from '@ai-gateway/gateway';

export type Mode = 'embedded' | 'distributed';
export const MODES: readonly Mode[] = ['embedded', 'distributed'];

export const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
export const MASTER_KEY = 'sk-test-master-key';

export interface TestGateway extends AsyncDisposable {
  url: string;
  mode: Mode;
  config: GatewayConfig;
  /** Every log line written so far (JSON text). */
  logs: string[];
  /** Completed events seen on the bus so far, in arrival order. */
  events: CompletedEvent[];
  /** Resolves with the completed event of `requestId` (bounded wait). */
  eventFor(requestId: string, timeoutMs?: number): Promise<CompletedEvent>;
  /** Where budgets are exported: the gateway itself embedded, the accounting process's ops port distributed (null: no accounting). */
  budgetsUrl: string | null;
  close(): Promise<void>;
}

export function memoryLogger(lines: string[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(line);
      cb();
    },
  });
  return createLogger({ name: 'test', level: 'info', destination: sink });
}

export interface StartOptions {
  mode: Mode;
  /** YAML config text; `general_settings.master_key` defaults to MASTER_KEY. */
  yaml: string;
  /** Router replicas in distributed mode (default 2). */
  routers?: number;
  env?: Record<string, string | undefined>;
  /** Postgres schema of the accounting store (a fresh one per test; see dropSchema); ignored on in-memory PGlite. */
  schema?: string;
  /** Embedded: completed events held unrecorded before requests are shed. */
  shedBacklog?: number;
}

/** Drops a test's accounting schema; nothing to do without DATABASE_URL (the store was in memory). */
export async function dropSchema(schema: string): Promise<void> {
  const url = process.env['DATABASE_URL'];
  if (!url) return;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => c.end());
}

export async function startTestGateway(o: StartOptions): Promise<TestGateway> {
  const { config } = loadConfig({ text: o.yaml, env: { ...process.env, LITELLM_MASTER_KEY: MASTER_KEY, NATS_URL, ...o.env } });
  const logs: string[] = [];
  const logger = memoryLogger(logs);
  const events: CompletedEvent[] = [];
  const eventFor = async (requestId: string, timeoutMs = 5_000): Promise<CompletedEvent> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // By the gateway's request id, or by the client's own x-request-id (kept in the event's metadata).
      const found = events.find((e) => e.requestId === requestId || e.metadata['x-request-id'] === requestId);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no completed event for ${requestId} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const collect = (bus: Bus, subjects: Subjects) =>
    bus.consumeDurable(subjects.completed, `test-collector-${randomBytes(3).toString('hex')}`, (m) => {
      events.push(avroCodec.decodeCompleted(m.data));
      m.ack();
    });
  if (o.mode === 'embedded') {
    // Accounting in memory unless database_url is set: parallel test processes must not share `.data/`.
    const gw = await startEmbedded({
      config, logger, port: 0, host: '127.0.0.1', accounting: { dataDir: null, ...(o.schema ? { schema: o.schema } : {}) },
      ...(o.shedBacklog === undefined ? {} : { shedBacklog: o.shedBacklog }),
    });
    const collector = await collect(gw.bus, subjectsFor(''));
    const close = async () => {
      await collector.stop();
      await gw.close();
    };
    return { url: gw.url, mode: o.mode, config, logs, events, eventFor, budgetsUrl: gw.url, close, [Symbol.asyncDispose]: close };
  }
  const namespace = `t${randomBytes(4).toString('hex')}`;
  const subjects = subjectsFor(namespace);
  const buses: Bus[] = [];
  const handles: ServiceHandle[] = [];
  let accountingUrl: string | null = null;
  for (let i = 0; i < (o.routers ?? 2); i++) {
    const bus = await connectBus(config, `test-router-${i}`, subjects);
    buses.push(bus);
    handles.push(await startRouterService({ config, logger, bus, subjects }));
  }
  if (config.general_settings.database_url) {
    // Keys, budgets and spend: one accounting replica on the same bus namespace.
    const bus = await connectBus(config, 'test-accounting', subjects);
    buses.push(bus);
    const accounting = await startAccountingNode({ config, logger, bus, subjects, opsPort: 0, ...(o.schema ? { location: { schema: o.schema } } : {}) });
    accountingUrl = accounting.url ?? null;
    handles.push(accounting);
  }
  const ingressBus = await connectBus(config, 'test-ingress', subjects);
  buses.push(ingressBus);
  const ingress = await startIngressService({ config, logger, bus: ingressBus, port: 0, host: '127.0.0.1', subjects });
  handles.push(ingress);
  const collector = await collect(ingressBus, subjects);
  const close = async (): Promise<void> => {
    await collector.stop();
    for (const h of handles.reverse()) await h.close();
    for (const b of buses) await b.close();
    await deleteStream(`GW_EVENTS_${namespace}`);
  };
  return { url: ingress.url ?? '', mode: o.mode, config, logs, events, eventFor, budgetsUrl: accountingUrl, close, [Symbol.asyncDispose]: close };
}

async function deleteStream(name: string): Promise<void> {
  const nc = await connect({ servers: NATS_URL });
  try {
    await (await nc.jetstreamManager()).streams.delete(name);
  } catch {
    // never created (no durable publish happened) — nothing to clean
  } finally {
    await nc.close();
  }
}

/** Minimal config with one or more OpenAI-compatible deployments pointing at fakes. */
export function yamlFor(models: Array<{ name: string; model: string; apiBase: string; extra?: string }>, rest = ''): string {
  const list = models
    .map((m) => `  - model_name: ${m.name}\n    litellm_params:\n      model: ${m.model}\n      api_base: ${m.apiBase}\n      api_key: sk-fake\n${m.extra ?? ''}`)
    .join('');
  return `model_list:\n${list}${rest}`;
}
