// Helpers shared by the Bus contract suites: bounded waits, unique names, message collection.
import type { Bus, BusMessage, Subscription } from '../src/index.ts';

export const enc = new TextEncoder();
export const dec = new TextDecoder();
let uniq = 0;

export function unique(): string {
  return `u${(++uniq).toString(36)}${Math.floor(Math.random() * 1e9).toString(36)}`;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Reads every message of `sub` into an array until unsubscribed. */
export function drain(sub: Subscription): { got: BusMessage[]; done: Promise<void> } {
  const got: BusMessage[] = [];
  const done = (async () => {
    for await (const m of sub) got.push(m);
  })();
  return { got, done };
}

export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Answers every request on `subject` with `reply(msg)`; returns the subscription. */
export function serve(bus: Bus, subject: string, reply: (m: BusMessage) => void, queue?: string): Subscription {
  const sub = bus.subscribe(subject, { queue });
  void (async () => {
    for await (const m of sub) reply(m);
  })();
  return sub;
}
