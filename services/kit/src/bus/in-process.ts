// In-process adapter of the Bus port: subjects, queue groups, request/reply and durable streams in one process.
import { DurableLog } from './in-process-durable.ts';
import { MessageQueue } from './message-queue.ts';
import { PendingReply } from './pending-reply.ts';
import {
  BusNoRespondersError,
  NO_HEADERS,
  type Bus,
  type BusHeaders,
  type BusMessage,
  type DurableConsumer,
  type DurableMessage,
  type DurablePayload,
  type Subscription,
} from './port.ts';
import { assertValidSubject, isWildcard, matchTokens } from './subject.ts';

export interface InProcessBusOptions {
  /** Limits retention: durable messages kept in memory (oldest dropped first). Default 10 000. */
  maxStoredMessages?: number;
  /** Window for dropping a repeated `idempotency-key` on publishDurable. Default 120 000 ms. */
  duplicateWindowMs?: number;
  /**
   * `limits` (default): keep the last maxStoredMessages, so durables created later replay them. `interest`: drop a
   * message once every durable has taken and acked it, as JetStream's interest retention does; for a process whose
   * durables all start before it publishes (the embedded gateway), where kept messages would only be garbage.
   */
  retention?: 'limits' | 'interest';
}

interface LocalSub {
  readonly queue: string;
  readonly target: MessageQueue;
  readonly tokens: string[] | undefined;
}

class LocalMessage implements BusMessage {
  constructor(
    readonly subject: string,
    readonly data: Uint8Array,
    readonly headers: BusHeaders,
    readonly reply: string,
    private readonly bus: InProcessBus,
  ) {}

  respond(data: Uint8Array, headers?: BusHeaders): void {
    if (this.reply) this.bus.publish(this.reply, data, headers);
  }
}

let busCount = 0;

function addToGroup(groups: Map<string, LocalSub[]> | undefined, sub: LocalSub): Map<string, LocalSub[]> {
  const all = groups ?? new Map<string, LocalSub[]>();
  const members = all.get(sub.queue);
  if (members) members.push(sub);
  else all.set(sub.queue, [sub]);
  return all;
}

class InProcessBus implements InProcessBusHandle {
  private readonly literal = new Map<string, LocalSub[]>();
  private wildcards: LocalSub[] = [];
  private readonly inboxes = new Map<string, PendingReply>();
  private readonly queueTurns = new Map<string, number>();
  private readonly inboxPrefix = `_INBOX.local${++busCount}.`;
  private requestSeq = 0;
  private closed = false;
  private readonly durable: DurableLog;

  constructor(options: InProcessBusOptions) {
    this.durable = new DurableLog({
      maxMessages: options.maxStoredMessages ?? 10_000,
      duplicateWindowMs: options.duplicateWindowMs ?? 120_000,
      retention: options.retention ?? 'limits',
    });
  }

  publish(subject: string, data: Uint8Array, headers?: BusHeaders): void {
    this.assertOpen();
    this.route(subject, data, headers ? { ...headers } : NO_HEADERS, '');
  }

  request(
    subject: string,
    data: Uint8Array,
    opts: { timeoutMs: number; headers?: BusHeaders; signal?: AbortSignal },
  ): Promise<BusMessage> {
    this.assertOpen();
    const { signal, timeoutMs } = opts;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const reply = this.inboxPrefix + (++this.requestSeq).toString(36);
    return new Promise<BusMessage>((resolve, reject) => {
      const pending = new PendingReply(subject, reply, this.inboxes, resolve, reject, timeoutMs, signal);
      if (this.route(subject, data, opts.headers ? { ...opts.headers } : NO_HEADERS, reply) === 0) {
        pending.fail(new BusNoRespondersError(subject));
      }
    });
  }

  subscribe(subject: string, opts?: { queue?: string }): Subscription {
    this.assertOpen();
    assertValidSubject(subject, true);
    const wild = isWildcard(subject);
    const target = new MessageQueue(() => this.remove(subject, sub, wild));
    const sub: LocalSub = { queue: opts?.queue ?? '', target, tokens: wild ? subject.split('.') : undefined };
    if (wild) this.wildcards = [...this.wildcards, sub];
    else this.literal.set(subject, [...(this.literal.get(subject) ?? []), sub]);
    return target;
  }

  publishDurable(subject: string, payload: DurablePayload, headers?: BusHeaders): Promise<void> {
    try {
      this.assertOpen();
      this.durable.append(subject, payload, headers ? { ...headers } : NO_HEADERS);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  consumeDurable(
    subject: string,
    durable: string,
    handler: (msg: DurableMessage) => Promise<void> | void,
    opts?: { ackWaitMs?: number; maxInFlight?: number },
  ): Promise<DurableConsumer> {
    try {
      this.assertOpen();
      const consumer = this.durable.consume(subject, durable, handler, {
        ackWaitMs: opts?.ackWaitMs ?? 30_000,
        maxInFlight: opts?.maxInFlight ?? 256,
      });
      return Promise.resolve(consumer);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  durableBacklog(): number {
    return this.durable.backlog;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.durable.close();
    for (const subs of [...this.literal.values(), this.wildcards]) for (const s of subs) s.target.end();
    for (const p of [...this.inboxes.values()]) p.fail(new Error('bus closed'));
  }

  /** Hands one message to every plain subscriber and to one member per queue group; returns receivers. */
  private route(subject: string, data: Uint8Array, headers: BusHeaders, reply: string): number {
    if (subject.startsWith(this.inboxPrefix)) {
      const pending = this.inboxes.get(subject);
      pending?.deliver(new LocalMessage(subject, data, headers, '', this));
      return pending ? 1 : 0;
    }
    const msg = new LocalMessage(subject, data, headers, reply, this);
    let groups: Map<string, LocalSub[]> | undefined;
    let receivers = 0;
    const exact = this.literal.get(subject);
    if (exact) {
      for (const s of exact) {
        if (s.queue) groups = addToGroup(groups, s);
        else {
          s.target.push(msg);
          receivers++;
        }
      }
    }
    if (this.wildcards.length > 0) {
      const tokens = subject.split('.');
      for (const s of this.wildcards) {
        if (!matchTokens(s.tokens as string[], tokens)) continue;
        if (s.queue) groups = addToGroup(groups, s);
        else {
          s.target.push(msg);
          receivers++;
        }
      }
    }
    if (groups) {
      for (const [queue, members] of groups) {
        const turn = this.queueTurns.get(queue) ?? 0;
        this.queueTurns.set(queue, turn + 1);
        (members[turn % members.length] as LocalSub).target.push(msg);
        receivers++;
      }
    }
    return receivers;
  }

  private remove(subject: string, sub: LocalSub, wild: boolean): void {
    if (wild) {
      this.wildcards = this.wildcards.filter((s) => s !== sub);
      return;
    }
    const rest = (this.literal.get(subject) ?? []).filter((s) => s !== sub);
    if (rest.length) this.literal.set(subject, rest);
    else this.literal.delete(subject);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('bus closed');
  }
}

/** The in-process bus, which can also tell how many durable messages it holds. */
export interface InProcessBusHandle extends Bus {
  /** Durable messages held (under interest retention: not yet acked by every durable). */
  durableBacklog(): number;
}

/** The embedded-mode bus: everything in memory, delivery always asynchronous to the publisher. */
export function createInProcessBus(options: InProcessBusOptions = {}): InProcessBusHandle {
  return new InProcessBus(options);
}
