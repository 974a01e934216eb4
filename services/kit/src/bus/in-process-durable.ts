// In-process durable stream: a bounded message log with JetStream-like durable consumers (at-least-once).
import type { BusHeaders, DurableConsumer, DurableMessage, DurablePayload } from './port.ts';
import { Fifo } from './fifo.ts';
import { assertValidSubject, matchTokens } from './subject.ts';

export interface DurableLogOptions {
  /**
   * Limits retention: messages kept, oldest dropped first (durables created later replay what is kept). Interest
   * retention never drops a message a durable still needs: a consumer that falls behind is the caller's to see
   * (`backlog`) and to slow the producers for, not a reason to lose what it has not recorded.
   */
  maxMessages: number;
  /** Window in which a repeated `idempotency-key` header is dropped (JetStream's duplicate window). */
  duplicateWindowMs: number;
  /** `interest`: a message is dropped once every durable has acked it (see InProcessBusOptions.retention). */
  retention?: 'limits' | 'interest';
}

/** Interest retention trims the head of the log after this many appends (amortised; the trim walks durables once). */
const TRIM_EVERY = 64;

export interface ConsumeOptions {
  ackWaitMs: number;
  maxInFlight: number;
}

export type DurableHandler = (msg: DurableMessage) => Promise<void> | void;

interface StoredMessage {
  readonly seq: number;
  readonly subject: string;
  readonly payload: DurablePayload;
  /** The payload's bytes once a consumer asked for them. */
  bytes: Uint8Array | undefined;
  readonly headers: BusHeaders;
  tokens: string[] | undefined;
}

interface Pending {
  deliveries: number;
  deadline: number;
}

/** How long a handler that threw waits before its message is offered again. */
const FAILED_HANDLER_DELAY_MS = 1_000;

export class DurableLog {
  private readonly log = new Fifo<StoredMessage>();
  private nextSeq = 1;
  private readonly seen = new Map<string, number>();
  /** Keys of `seen` in insertion (= expiry) order. */
  private readonly seenOrder = new Fifo<string>();
  private readonly durables = new Map<string, DurableState>();

  constructor(private readonly options: DurableLogOptions) {}

  get firstSeq(): number {
    return this.nextSeq - this.log.size;
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Messages held: under interest retention, those some durable has not acked yet. */
  get backlog(): number {
    if (this.options.retention === 'interest') this.trimAcked();
    return this.log.size;
  }

  get(seq: number): StoredMessage | undefined {
    return this.log.at(seq - this.firstSeq);
  }

  append(subject: string, payload: DurablePayload, headers: BusHeaders): void {
    assertValidSubject(subject, false);
    if (this.isDuplicate(headers['idempotency-key'])) return;
    this.log.push({ seq: this.nextSeq++, subject, payload, bytes: undefined, headers, tokens: undefined });
    if (this.options.retention === 'interest') {
      if (this.nextSeq % TRIM_EVERY === 0) this.trimAcked();
    } else if (this.log.size > this.options.maxMessages) this.log.shift();
    for (const d of this.durables.values()) d.pump();
  }

  /** Drops the messages every durable has passed and acked. */
  private trimAcked(): void {
    let keepFrom = this.lastSeq + 1;
    for (const d of this.durables.values()) keepFrom = Math.min(keepFrom, d.oldestNeeded());
    while (this.log.size > 0 && this.firstSeq < keepFrom) this.log.shift();
  }

  consume(subject: string, durable: string, handler: DurableHandler, opts: ConsumeOptions): DurableConsumer {
    assertValidSubject(subject, true);
    let state = this.durables.get(durable);
    if (!state) {
      state = new DurableState(this, subject);
      this.durables.set(durable, state);
    } else if (state.filter !== subject) {
      throw new Error(`durable "${durable}" already consumes "${state.filter}", not "${subject}"`);
    }
    return state.join(handler, opts);
  }

  async close(): Promise<void> {
    await Promise.all([...this.durables.values()].map((d) => d.close()));
  }

  private isDuplicate(key: string | undefined): boolean {
    if (key === undefined) return false;
    const now = Date.now();
    // Keys expire in insertion order: drop expired ones (and the oldest beyond the bound) from the front.
    for (let oldest = this.seenOrder.peek(); oldest !== undefined; oldest = this.seenOrder.peek()) {
      if ((this.seen.get(oldest) ?? 0) > now && this.seen.size <= this.options.maxMessages) break;
      this.seen.delete(oldest);
      this.seenOrder.shift();
    }
    if (this.seen.has(key)) return true;
    this.seen.set(key, now + this.options.duplicateWindowMs);
    this.seenOrder.push(key);
    return false;
  }
}

/** A class, not an object of closures: tsx's keepNames makes per-message named closures costly. */
class LocalDelivery implements DurableMessage {
  constructor(
    private readonly state: DurableState,
    private readonly msg: StoredMessage,
    readonly deliveries: number,
  ) {}

  get subject(): string {
    return this.msg.subject;
  }

  get data(): Uint8Array {
    const { payload } = this.msg;
    if (payload instanceof Uint8Array) return payload;
    this.msg.bytes ??= payload.encode();
    return this.msg.bytes;
  }

  get value(): unknown {
    const { payload } = this.msg;
    return payload instanceof Uint8Array ? undefined : payload.value;
  }

  get headers(): BusHeaders {
    return this.msg.headers;
  }

  ack(): void {
    this.state.ack(this.msg.seq);
  }

  nak(delayMs?: number): void {
    this.state.nak(this.msg.seq, delayMs ?? 0);
  }
}

class Member {
  readonly running = new Set<Promise<void>>();
  constructor(readonly handler: DurableHandler) {}
}

class DurableState {
  private readonly filterTokens: string[];
  private cursor: number;
  private readonly pending = new Map<number, Pending>();
  private members: Member[] = [];
  private turn = 0;
  private ackWaitMs = 30_000;
  private maxInFlight = 256;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private earliestDeadline = Infinity;

  constructor(
    private readonly log: DurableLog,
    readonly filter: string,
  ) {
    this.filterTokens = filter.split('.');
    this.cursor = log.firstSeq;
  }

  join(handler: DurableHandler, opts: ConsumeOptions): DurableConsumer {
    this.ackWaitMs = opts.ackWaitMs;
    this.maxInFlight = opts.maxInFlight;
    const member = new Member(handler);
    this.members = [...this.members, member];
    queueMicrotask(() => this.pump());
    return { stop: () => this.leave(member) };
  }

  async close(): Promise<void> {
    const members = this.members;
    await Promise.all(members.map((m) => this.leave(m)));
  }

  /** The oldest sequence this durable still needs: its oldest unacked message, else its next one. */
  oldestNeeded(): number {
    // Pending keeps insertion order, which is sequence order: its first key is the oldest.
    const first = this.pending.keys().next();
    return first.done ? this.cursor : Math.min(first.value, this.cursor);
  }

  /** Offers due redeliveries, then new messages, while the in-flight limit allows. */
  pump(): void {
    if (this.members.length === 0) return;
    const now = Date.now();
    if (now >= this.earliestDeadline) this.redeliverDue(now);
    while (this.pending.size < this.maxInFlight && this.cursor <= this.log.lastSeq) {
      if (this.cursor < this.log.firstSeq) this.cursor = this.log.firstSeq;
      const msg = this.log.get(this.cursor++);
      if (!msg) continue;
      msg.tokens ??= msg.subject.split('.');
      if (!matchTokens(this.filterTokens, msg.tokens)) continue;
      const p: Pending = { deliveries: 0, deadline: 0 };
      this.pending.set(msg.seq, p);
      this.deliver(msg, p, now);
    }
    this.schedule();
  }

  private redeliverDue(now: number): void {
    this.earliestDeadline = Infinity;
    for (const [seq, p] of this.pending) {
      if (p.deadline > now) {
        if (p.deadline < this.earliestDeadline) this.earliestDeadline = p.deadline;
        continue;
      }
      const msg = this.log.get(seq);
      if (msg) this.deliver(msg, p, now);
      else this.pending.delete(seq); // dropped by retention before it was acked
    }
  }

  private deliver(msg: StoredMessage, p: Pending, now: number): void {
    const member = this.members[this.turn++ % this.members.length] as Member;
    p.deliveries += 1;
    p.deadline = now + this.ackWaitMs;
    if (p.deadline < this.earliestDeadline) this.earliestDeadline = p.deadline;
    const delivery = new LocalDelivery(this, msg, p.deliveries);
    queueMicrotask(() => this.run(member, delivery));
  }

  private run(member: Member, msg: DurableMessage): void {
    if (!this.members.includes(member)) return; // stopped before delivery: redelivered after ack wait
    const failed = (): void => msg.nak(Math.min(this.ackWaitMs, FAILED_HANDLER_DELAY_MS));
    let result: Promise<void> | void;
    try {
      result = member.handler(msg);
    } catch {
      failed();
      return;
    }
    // A synchronous handler (metrics, the request log) costs no promise; an async one is tracked until it settles.
    if (!result) return;
    const running: Promise<void> = result.then(
      () => void member.running.delete(running),
      () => {
        member.running.delete(running);
        failed();
      },
    );
    member.running.add(running);
  }

  ack(seq: number): void {
    if (this.pending.delete(seq)) queueMicrotask(() => this.pump());
  }

  nak(seq: number, delayMs: number): void {
    const p = this.pending.get(seq);
    if (!p) return;
    p.deadline = Date.now() + Math.max(0, delayMs);
    if (p.deadline < this.earliestDeadline) this.earliestDeadline = p.deadline;
    if (delayMs <= 0) queueMicrotask(() => this.pump());
    else this.schedule();
  }

  private schedule(): void {
    const at = this.members.length === 0 ? Infinity : this.earliestDeadline;
    if (at === this.timerAt) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - Date.now()));
  }

  private async leave(member: Member): Promise<void> {
    this.members = this.members.filter((m) => m !== member);
    this.schedule();
    await Promise.allSettled([...member.running]);
  }
}
