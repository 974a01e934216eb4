// NATS adapter of the Bus port: core pub/sub and request/reply, JetStream for durable streams.
import { connect, createInbox, type Msg, type NatsConnection, type NatsError } from 'nats';
import { MessageQueue } from './message-queue.ts';
import { PendingReply } from './pending-reply.ts';
import { JetStreamDurable, type StreamOptions } from './nats-durable.ts';
import { NatsBusMessage, isNoResponders, publishOptions } from './nats-codec.ts';
import {
  BusNoRespondersError,
  payloadBytes,
  type Bus,
  type BusHeaders,
  type BusMessage,
  type DurableConsumer,
  type DurableMessage,
  type DurablePayload,
  type Subscription,
} from './port.ts';

export interface NatsBusOptions {
  /** One or more `nats://host:port` URLs. */
  servers: string | string[];
  /** Connection name shown by the server (service and replica). */
  name: string;
  /** JetStream stream for durable messages. Default `GW_EVENTS` on `gw.v1.evt.>`. */
  stream?: StreamOptions;
  /** Keep retrying when the server is down at start instead of failing. Default false. */
  waitOnFirstConnect?: boolean;
}

export const DEFAULT_STREAM: Readonly<StreamOptions> = Object.freeze({ name: 'GW_EVENTS', subjects: ['gw.v1.evt.>'] });

/** JetStream's de-duplication header (the stream's duplicate window drops a repeat). */
const MSG_ID_HEADER = 'Nats-Msg-Id';
/** nats.js's default for js.publish. */
const DURABLE_PUBLISH_TIMEOUT_MS = 5_000;

const PUB_ACK_DECODER = new TextDecoder();

/** A PubAck is `{stream, seq, duplicate?}`; a refusal is `{error: {code, err_code, description}}`. */
function checkPubAck(subject: string, data: Uint8Array): void {
  let ack: { stream?: unknown; error?: { code?: number; description?: string } };
  try {
    ack = JSON.parse(PUB_ACK_DECODER.decode(data)) as typeof ack;
  } catch {
    throw new Error(`JetStream publish to ${subject}: unreadable acknowledgement`);
  }
  if (ack.error) throw Object.assign(new Error(`JetStream publish to ${subject}: ${ack.error.description ?? 'refused'}`), { code: String(ack.error.code ?? '') });
  if (typeof ack.stream !== 'string') throw new Error(`JetStream publish to ${subject}: no stream acknowledged it`);
}

/** Hands one message to the connection; reports a failure itself. */
type Outgoing = () => void;

class NatsBus implements Bus {
  /** One wildcard inbox subscription serves every request (what nats.js calls the mux). */
  private readonly inbox = createInbox();
  private readonly pending = new Map<string, PendingReply>();
  private requestSeq = 0;
  private readonly durable: JetStreamDurable;
  /**
   * Publishes wait for the end of the event-loop turn and then go out together: nats.js writes to its socket once
   * per microtask that published, and a request's reply chunks, envelopes and cancels are spread over many.
   */
  private outQueue: Outgoing[] = [];
  private outScheduled = false;

  constructor(
    private readonly nc: NatsConnection,
    stream: StreamOptions,
  ) {
    this.durable = new JetStreamDurable(nc, stream, (send) => this.enqueue(send));
    nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => (err ? undefined : this.onReply(msg)) });
  }

  publish(subject: string, data: Uint8Array, headers?: BusHeaders): void {
    this.enqueueCore(subject, data, publishOptions(headers), null);
  }

  /** Errors the caller can act on (closed connection, message over max_payload) still throw at the call. */
  private enqueueCore(subject: string, data: Uint8Array, options: ReturnType<typeof publishOptions>, onError: ((err: unknown) => void) | null): void {
    const max = this.nc.info?.max_payload;
    if (this.nc.isClosed() || (max !== undefined && data.length > max)) {
      this.nc.publish(subject, data, options);
      return;
    }
    this.enqueue(() => {
      try {
        this.nc.publish(subject, data, options);
      } catch (err) {
        onError?.(err);
      }
    });
  }

  private enqueue(out: Outgoing): void {
    this.outQueue.push(out);
    if (!this.outScheduled) {
      this.outScheduled = true;
      setImmediate(this.flushOut);
    }
  }

  private readonly flushOut = (): void => {
    this.outScheduled = false;
    const queue = this.outQueue;
    this.outQueue = [];
    for (const out of queue) {
      try {
        out();
      } catch {
        // An ack or nak on a closed connection: JetStream redelivers the message, which is what a lost ack means.
      }
    }
  };

  request(
    subject: string,
    data: Uint8Array,
    opts: { timeoutMs: number; headers?: BusHeaders; signal?: AbortSignal },
  ): Promise<BusMessage> {
    const { signal, timeoutMs } = opts;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const token = (++this.requestSeq).toString(36);
    return new Promise<BusMessage>((resolve, reject) => {
      const pending = new PendingReply(subject, token, this.pending, resolve, reject, timeoutMs, signal);
      try {
        this.enqueueCore(subject, data, publishOptions(opts.headers, `${this.inbox}.${token}`), (err) => pending.fail(err));
      } catch (err) {
        pending.fail(err);
      }
    });
  }

  subscribe(subject: string, opts?: { queue?: string }): Subscription {
    const target = new MessageQueue(() => {
      if (!sub.isClosed() && !sub.isDraining()) sub.unsubscribe();
    });
    const sub = this.nc.subscribe(subject, {
      queue: opts?.queue || undefined,
      callback: (err: NatsError | null, msg: Msg) => {
        if (err) target.end();
        else target.push(new NatsBusMessage(msg, this.nc));
      },
    });
    void sub.closed.then(() => target.end());
    return target;
  }

  /**
   * Once the stream exists, a JetStream publish is a plain request answered by the stream's PubAck (what nats.js's
   * js.publish does, without its per-call error objects), batched with the turn's other publishes; before that,
   * nats.js ensures the stream.
   */
  publishDurable(subject: string, payload: DurablePayload, headers?: BusHeaders): Promise<void> {
    const data = payloadBytes(payload);
    if (!this.durable.streamExists || this.nc.isClosed()) return this.durable.publish(subject, data, headers);
    const msgId = headers?.['idempotency-key'];
    const h = msgId ? { ...headers, [MSG_ID_HEADER]: msgId } : headers;
    return this.request(subject, data, { timeoutMs: DURABLE_PUBLISH_TIMEOUT_MS, ...(h ? { headers: h } : {}) }).then((reply) => checkPubAck(subject, reply.data));
  }

  consumeDurable(
    subject: string,
    durable: string,
    handler: (msg: DurableMessage) => Promise<void> | void,
    opts?: { ackWaitMs?: number; maxInFlight?: number },
  ): Promise<DurableConsumer> {
    return this.durable.consume(subject, durable, handler, {
      ackWaitMs: opts?.ackWaitMs ?? 30_000,
      maxInFlight: opts?.maxInFlight ?? 256,
    });
  }

  flush(): Promise<void> {
    this.flushOut();
    return this.nc.flush();
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    this.flushOut();
    await this.durable.close();
    if (!this.nc.isDraining()) await this.nc.drain();
    for (const p of [...this.pending.values()]) p.fail(new Error('bus closed'));
  }

  private onReply(msg: Msg): void {
    const pending = this.pending.get(msg.subject.slice(this.inbox.length + 1));
    if (!pending) return; // late reply after timeout or abort
    if (isNoResponders(msg)) pending.fail(new BusNoRespondersError(pending.subject));
    else pending.deliver(new NatsBusMessage(msg, this.nc));
  }
}

/** Connects to NATS; reconnects forever (jittered 0.5–1 s waits) and buffers publishes meanwhile. */
export async function connectNatsBus(options: NatsBusOptions): Promise<Bus> {
  const nc = await connect({
    servers: options.servers,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 500,
    pingInterval: 20_000,
    // No stack captured per request (an Error each; measurable under load); timeouts still say which subject.
    noAsyncTraces: true,
    maxPingOut: 3,
    waitOnFirstConnect: options.waitOnFirstConnect ?? false,
  });
  return new NatsBus(nc, options.stream ?? { ...DEFAULT_STREAM, subjects: [...DEFAULT_STREAM.subjects] });
}
