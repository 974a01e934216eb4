// JetStream side of the NATS adapter: an idempotently ensured stream, durable pull consumers, publish with dedupe.
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  nanos,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
} from 'nats';
import { fromNatsHeaders, toNatsHeaders } from './nats-codec.ts';
import type { BusHeaders, DurableConsumer, DurableMessage } from './port.ts';

export interface StreamOptions {
  name: string;
  subjects: string[];
  /** How long stored messages are kept. Default 24 h. */
  maxAgeMs?: number;
}

export type DurableHandler = (msg: DurableMessage) => Promise<void> | void;

const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;
const CONSUMER_NOT_FOUND = 10014;
const DUPLICATE_WINDOW_MS = 120_000;
/** How long a handler that threw waits before its message is offered again. */
const FAILED_HANDLER_DELAY_MS = 1_000;

function apiErrorCode(err: unknown): number | undefined {
  const api = (err as { api_error?: { err_code?: unknown } } | null)?.api_error;
  return typeof api?.err_code === 'number' ? api.err_code : undefined;
}

export class JetStreamDurable {
  private ready: Promise<JetStreamManager> | undefined;
  private streamReady = false;

  /** True once the stream is known to exist (the bus then publishes into it by plain request). */
  get streamExists(): boolean {
    return this.streamReady;
  }
  private readonly js: JetStreamClient;
  private readonly consumers = new Set<DurableConsumer>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly stream: StreamOptions,
    /** Runs an ack or nak: the bus batches them with its other publishes of the turn (default: at once). */
    private readonly defer: (send: () => void) => void = (send) => send(),
  ) {
    this.js = nc.jetstream();
  }

  /** Ensures the stream, then publishes through nats.js (the bus publishes by plain request once the stream exists). */
  async publish(subject: string, data: Uint8Array, headers?: BusHeaders): Promise<void> {
    await this.ensureStream();
    const msgID = headers?.['idempotency-key'];
    const h = toNatsHeaders(headers);
    await this.js.publish(subject, data, msgID ? { headers: h, msgID } : { headers: h });
  }

  async consume(
    subject: string,
    durable: string,
    handler: DurableHandler,
    opts: { ackWaitMs: number; maxInFlight: number },
  ): Promise<DurableConsumer> {
    const jsm = await this.ensureStream();
    await this.ensureConsumer(jsm, subject, durable, opts);
    const consumer = await this.js.consumers.get(this.stream.name, durable);
    const running = new Set<Promise<void>>();
    const onMessage = (m: JsMsg): void => {
      const p = runHandler(handler, new JetStreamDelivery(m, this.defer), opts.ackWaitMs);
      running.add(p);
      void p.finally(() => running.delete(p));
    };
    const messages: ConsumerMessages = await consumer.consume({
      max_messages: Math.max(1, Math.min(opts.maxInFlight, 512)),
      callback: onMessage,
    });
    const handle: DurableConsumer = {
      stop: async () => {
        this.consumers.delete(handle);
        await messages.close();
        await Promise.allSettled([...running]);
      },
    };
    this.consumers.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
  }

  private ensureStream(): Promise<JetStreamManager> {
    this.ready ??= this.createOrUpdateStream().then(
      (jsm) => {
        this.streamReady = true;
        return jsm;
      },
      (err: unknown) => {
        this.ready = undefined; // try again on the next call
        throw err;
      },
    );
    return this.ready;
  }

  private async createOrUpdateStream(): Promise<JetStreamManager> {
    const jsm = await this.nc.jetstreamManager();
    const { name, subjects } = this.stream;
    try {
      await jsm.streams.add({
        name,
        subjects,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        max_age: nanos(this.stream.maxAgeMs ?? 24 * 3_600_000),
        duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      });
      return jsm;
    } catch (err) {
      if (apiErrorCode(err) !== STREAM_NAME_IN_USE) throw err;
    }
    // The stream exists with another config: only widen its subjects, leave operator tuning alone.
    const info = await jsm.streams.info(name);
    const missing = subjects.filter((s) => !info.config.subjects.includes(s));
    if (missing.length) await jsm.streams.update(name, { ...info.config, subjects: [...info.config.subjects, ...missing] });
    return jsm;
  }

  private async ensureConsumer(
    jsm: JetStreamManager,
    subject: string,
    durable: string,
    opts: { ackWaitMs: number; maxInFlight: number },
  ): Promise<void> {
    const wanted: Partial<ConsumerConfig> = {
      ack_wait: nanos(opts.ackWaitMs),
      max_ack_pending: opts.maxInFlight,
    };
    let existing: ConsumerConfig | undefined;
    try {
      existing = (await jsm.consumers.info(this.stream.name, durable)).config;
    } catch (err) {
      if (apiErrorCode(err) !== CONSUMER_NOT_FOUND && apiErrorCode(err) !== STREAM_NOT_FOUND) throw err;
    }
    if (!existing) {
      await jsm.consumers.add(this.stream.name, {
        ...wanted,
        durable_name: durable,
        filter_subject: subject,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
      });
      return;
    }
    if (existing.filter_subject !== subject) {
      throw new Error(`durable "${durable}" already consumes "${existing.filter_subject ?? ''}", not "${subject}"`);
    }
    if (existing.ack_wait !== wanted.ack_wait || existing.max_ack_pending !== wanted.max_ack_pending) {
      await jsm.consumers.update(this.stream.name, durable, wanted);
    }
  }
}

/** A received JetStream message; headers are decoded on first access. */
class JetStreamDelivery implements DurableMessage {
  private decoded: BusHeaders | undefined;

  constructor(
    private readonly m: JsMsg,
    private readonly defer: (send: () => void) => void,
  ) {}

  get subject(): string {
    return this.m.subject;
  }

  get data(): Uint8Array {
    return this.m.data;
  }

  get headers(): BusHeaders {
    return (this.decoded ??= fromNatsHeaders(this.m.headers));
  }

  get deliveries(): number {
    return this.m.info.redeliveryCount;
  }

  ack(): void {
    this.defer(() => this.m.ack());
  }

  nak(delayMs?: number): void {
    this.defer(() => this.m.nak(delayMs));
  }
}

async function runHandler(handler: DurableHandler, msg: JetStreamDelivery, ackWaitMs: number): Promise<void> {
  try {
    await handler(msg);
  } catch {
    msg.nak(Math.min(ackWaitMs, FAILED_HANDLER_DELAY_MS));
  }
}
