// Stand-alone relay process: `node --import tsx services/cost-accounting/src/relay/main.ts`.
// Env: DATABASE_URL (required), KAFKA_BROKERS (comma list, default 127.0.0.1:9092), RELAY_DB_SCHEMA,
// RELAY_BATCH_SIZE, RELAY_SHARDS. Prints one JSON line per event on stdout (ready, published, error, stopped).
import { createPostgresExecutor } from '../store/postgres.ts';
import { createSqlStore } from '../store/store.ts';
import { createKafkaSink } from './kafka-sink.ts';
import { createOutboxRelay } from './relay.ts';

const say = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ ...event, pid: process.pid, at: Date.now() })}\n`);
const intEnv = (name: string): number | undefined => {
  const v = process.env[name];
  const n = v === undefined ? Number.NaN : Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
};

async function main(): Promise<void> {
  const url = process.env['DATABASE_URL'];
  if (!url) throw new Error('DATABASE_URL is not set');
  const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean);
  const schema = process.env['RELAY_DB_SCHEMA'];
  const sql = await createPostgresExecutor({ options: { connectionString: url, maxConnections: 2, ...(schema ? { schema } : {}) } });
  const store = createSqlStore({ deps: { sql } });
  await store.migrate();
  const sink = createKafkaSink({ options: { brokers } });
  let total = 0;
  const relay = createOutboxRelay({
    deps: {
      store, sink,
      onBatch: (rows) => {
        total += rows.length;
        say({ event: 'published', n: rows.length, total, lastOutboxId: rows.at(-1)?.id });
      },
    },
    options: { ...(intEnv('RELAY_BATCH_SIZE') ? { batchSize: intEnv('RELAY_BATCH_SIZE') } : {}), ...(intEnv('RELAY_SHARDS') ? { shards: intEnv('RELAY_SHARDS') } : {}) },
  });
  relay.start();
  say({ event: 'ready', brokers });
  const shutdown = async () => {
    await relay.stop();
    await sink.close();
    await store.close();
    say({ event: 'stopped', total, stats: relay.stats() });
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

main().catch((err: unknown) => {
  say({ event: 'error', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
