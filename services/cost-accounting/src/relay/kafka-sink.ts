// Kafka adapter of RecordSink (kafkajs): acks from all in-sync replicas, one in-flight request so a tenant's
// messages keep their order on retry, murmur2 partitioning on the tenant key (same partition as Java clients).
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { RecordSink } from './relay.ts';
import type { RelayMessage } from './messages.ts';

export interface KafkaSinkOptions {
  brokers: readonly string[];
  clientId?: string;
  /** Per-request timeout; a down broker fails the batch quickly and the relay backs off. */
  requestTimeoutMs?: number;
  /** kafkajs' own retries inside one send, before the relay's backoff takes over. */
  retries?: number;
}

export function createKafkaSink(input: { options: KafkaSinkOptions }): RecordSink {
  const o = input.options;
  const kafka = new Kafka({
    clientId: o.clientId ?? 'ai-gateway-outbox-relay',
    brokers: [...o.brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: o.requestTimeoutMs ?? 10_000,
    retry: { retries: o.retries ?? 3, initialRetryTime: 200, maxRetryTime: 2_000 },
  });
  let producer: Producer | null = null;
  let connecting: Promise<Producer> | null = null;

  const connected = (): Promise<Producer> => {
    if (producer) return Promise.resolve(producer);
    connecting ??= (async () => {
      const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
      try {
        await p.connect();
      } catch (err) {
        await p.disconnect().catch(() => {});
        throw err;
      } finally {
        connecting = null;
      }
      producer = p;
      return p;
    })();
    return connecting;
  };

  return {
    async send(messages: readonly RelayMessage[]) {
      if (messages.length === 0) return;
      const byTopic = new Map<string, { key: string; value: Buffer; headers: Record<string, string> }[]>();
      for (const m of messages) {
        let list = byTopic.get(m.topic);
        if (!list) byTopic.set(m.topic, (list = []));
        list.push({ key: m.key, value: m.value, headers: m.headers });
      }
      const p = await connected();
      try {
        await p.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })) });
      } catch (err) {
        // Start from a fresh connection next time: kafkajs may hold a broken one after a broker restart.
        producer = null;
        await p.disconnect().catch(() => {});
        throw err;
      }
    },
    async close() {
      const p = producer ?? (connecting ? await connecting.catch(() => null) : null);
      producer = null;
      await p?.disconnect().catch(() => {});
    },
  };
}
