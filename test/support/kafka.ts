// Test support for the billing export: is Kafka there, a consumer of the billing and audit topics that starts at
// their current ends, and a gateway whose outbox relays to Kafka (embedded on PGlite, distributed on Postgres).
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { AUDIT_TOPIC, BILLING_TOPIC } from '@ai-gateway/cost-accounting';
import { startFakeOpenAI, type FakeServer } from './fake-openai.ts';
import { dropSchema, startTestGateway, type TestGateway } from './gateway.ts';

export const DATABASE_URL = process.env['DATABASE_URL'];
export const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

/** Polls `get` every 25 ms until it returns something truthy (returned), or throws after `timeoutMs`. */
export async function until<T>(what: string, get: () => T | undefined | false | null | Promise<T | undefined | false | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** True when Kafka answers at BROKERS and has both record topics (scripts/stack creates them). */
export async function kafkaUp(): Promise<boolean> {
  const admin = new Kafka({ clientId: 'e2e-kafka-probe', brokers: BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 2_000 }).admin();
  try {
    await admin.connect();
    const topics = await admin.listTopics();
    return topics.includes(BILLING_TOPIC) && topics.includes(AUDIT_TOPIC);
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** A consumer of both record topics from their ends at call time (nothing produced after it is skipped). */
export async function startRecordConsumer(
  name: string,
  onMessage: (m: { topic: string; partition: number; message: KafkaMessage; header: (name: string) => string | null }) => void,
): Promise<Consumer> {
  const kafka = new Kafka({ clientId: name, brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const start = new Map<string, { partition: number; offset: string }[]>();
  for (const topic of [BILLING_TOPIC, AUDIT_TOPIC]) start.set(topic, (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.offset })));
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: name, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [BILLING_TOPIC, AUDIT_TOPIC], fromBeginning: false });
  let assigned = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (assigned = true));
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      onMessage({ topic, partition, message, header: (h) => message.headers?.[h]?.toString() ?? null });
    },
  });
  await until('consumer group join', () => assigned, 30_000);
  for (const [topic, parts] of start) for (const p of parts) consumer.seek({ topic, partition: p.partition, offset: p.offset });
  return consumer;
}

export interface KafkaGateway {
  gw: TestGateway;
  fake: FakeServer;
  close(): Promise<void>;
}

/**
 * A gateway with one `gpt-4o` model on a fake OpenAI and kafka_brokers set, its store in a fresh schema
 * (`schema`, dropped on close): in-memory PGlite embedded, Postgres distributed (needs DATABASE_URL).
 */
export async function startKafkaGateway(mode: 'embedded' | 'distributed', schema: string): Promise<KafkaGateway> {
  const fake = await startFakeOpenAI();
  let gw: TestGateway;
  try {
    gw = await startTestGateway({
      mode,
      schema,
      // Embedded runs on in-memory PGlite (the relay's single-process path); distributed on Postgres.
      ...(mode === 'embedded' ? { env: { DATABASE_URL: undefined } } : {}),
      yaml: `model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: ${fake.url}/v1, api_key: sk-fake }
general_settings:
  kafka_brokers: [${BROKERS.join(', ')}]
${mode === 'distributed' ? `  database_url: ${DATABASE_URL}\n` : ''}`,
    });
  } catch (err) {
    await fake.close();
    throw err;
  }
  return {
    gw,
    fake,
    async close() {
      await gw.close();
      await fake.close();
      if (mode === 'distributed') await dropSchema(schema);
    },
  };
}
