// The Bus port: the one way services talk across processes. Adapters: in-process and NATS.

export type BusHeaders = Record<string, string>;

/** One frozen empty header map, shared wherever a message or chunk carries none. */
export const NO_HEADERS: BusHeaders = Object.freeze({}) as BusHeaders;

export interface BusMessage {
  subject: string;
  /** Shared with other receivers by the in-process adapter: read it, never mutate it. */
  data: Uint8Array;
  headers: BusHeaders;
  /** Reply subject for request/reply; empty when none. */
  reply: string;
  /** Answers a request (no-op when there is no reply subject). */
  respond(data: Uint8Array, headers?: BusHeaders): void;
}

export interface Subscription extends AsyncIterable<BusMessage> {
  unsubscribe(): void;
}

/**
 * A durable message's body: bytes, or a value with its encoder. A bus that carries the message in-process hands the
 * value itself to its consumers (`DurableMessage.value`) and encodes it only if a consumer reads `data`; a bus that
 * crosses processes encodes it when publishing.
 */
export interface DurableValue {
  readonly value: unknown;
  encode(): Uint8Array;
}

export type DurablePayload = Uint8Array | DurableValue;

/** The bytes of a payload (encoding a value). */
export function payloadBytes(payload: DurablePayload): Uint8Array {
  return payload instanceof Uint8Array ? payload : payload.encode();
}

export interface DurableMessage {
  subject: string;
  data: Uint8Array;
  /** The published value, when the message was published as one and never left the process; else undefined. */
  readonly value?: unknown;
  headers: BusHeaders;
  /** Delivery count, 1 on first delivery. */
  deliveries: number;
  ack(): void;
  /** Ask for redelivery later. */
  nak(delayMs?: number): void;
}

export interface DurableConsumer {
  stop(): Promise<void>;
}

export interface Bus {
  /** Fire and forget (core). */
  publish(subject: string, data: Uint8Array, headers?: BusHeaders): void;
  /**
   * Request/reply with timeout; rejects with BusTimeoutError / BusNoRespondersError, or with
   * `signal.reason` (an `AbortError` DOMException by default) when the signal aborts.
   */
  request(
    subject: string,
    data: Uint8Array,
    opts: { timeoutMs: number; headers?: BusHeaders; signal?: AbortSignal },
  ): Promise<BusMessage>;
  /**
   * Core subscription; `queue` shares messages among the group's members. Wildcards `*` and `>`.
   * Iterate it once; `unsubscribe()` (or leaving the loop) ends the iteration.
   */
  subscribe(subject: string, opts?: { queue?: string }): Subscription;
  /**
   * Durable, at-least-once stream (JetStream in NATS): `publishDurable` resolves when stored;
   * `consumeDurable` delivers to one member of the named durable consumer; unacked messages
   * are redelivered after `ackWaitMs`. A handler that throws naks its message (offered again
   * after min(ackWaitMs, 1 s)). Defaults: ackWaitMs 30 000, maxInFlight 256 (unacked messages
   * per durable name, shared by its members). A header `idempotency-key` deduplicates
   * publishes within two minutes.
   */
  publishDurable(subject: string, payload: DurablePayload, headers?: BusHeaders): Promise<void>;
  consumeDurable(
    subject: string,
    durable: string,
    handler: (msg: DurableMessage) => Promise<void> | void,
    opts?: { ackWaitMs?: number; maxInFlight?: number },
  ): Promise<DurableConsumer>;
  /** Waits until everything published so far was sent. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export class BusTimeoutError extends Error {
  constructor(subject: string, timeoutMs: number) {
    super(`bus request to ${subject} timed out after ${timeoutMs} ms`);
    this.name = 'BusTimeoutError';
  }
}

export class BusNoRespondersError extends Error {
  constructor(subject: string) {
    super(`no responders for ${subject}`);
    this.name = 'BusNoRespondersError';
  }
}
