// An unbounded async queue that backs a Subscription: producers push, one for-await loop pulls.
import { Fifo } from './fifo.ts';
import type { BusMessage, Subscription } from './port.ts';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/**
 * `push` never runs consumer code: a waiting `next()` is resolved, so the loop body
 * continues in a later microtask. `unsubscribe()` drops what is buffered (no message
 * arrives after it); `end()` lets the consumer drain the buffer first (used by close/drain).
 */
export class MessageQueue implements Subscription, AsyncIterator<BusMessage, undefined> {
  private readonly buffer = new Fifo<BusMessage>();
  private waiters: ((r: IteratorResult<BusMessage, undefined>) => void)[] = [];
  private ended = false;
  private detached = false;

  /** `detach` is called once, when the queue stops taking messages (unsubscribe, end, loop exit). */
  constructor(private readonly detach: () => void) {}

  get closed(): boolean {
    return this.ended;
  }

  push(msg: BusMessage): void {
    if (this.ended) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter({ value: msg, done: false });
    else this.buffer.push(msg);
  }

  next(): Promise<IteratorResult<BusMessage, undefined>> {
    if (this.buffer.size > 0) return Promise.resolve({ value: this.buffer.shift() as BusMessage, done: false });
    if (this.ended) return Promise.resolve(DONE);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Called when a for-await loop exits early (break, throw). */
  return(): Promise<IteratorResult<BusMessage, undefined>> {
    this.unsubscribe();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): AsyncIterator<BusMessage, undefined> {
    return this;
  }

  unsubscribe(): void {
    this.buffer.clear();
    this.end();
  }

  /** Stops taking messages; buffered ones are still delivered, then the loop ends. */
  end(): void {
    if (!this.detached) {
      this.detached = true;
      this.detach();
    }
    if (this.ended) return;
    this.ended = true;
    if (this.buffer.size === 0) {
      for (const w of this.waiters.splice(0)) w(DONE);
    }
  }
}
