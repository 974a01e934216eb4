// What a pipeline stage sees: the envelope, a way to answer, to pass on, and to report completion.
import type { CompletedEvent, ReplyChunk, RequestEnvelope, TraceContext } from '../contracts/types.ts';

/** The stage side of the reply channel to the ingress that owns the client connection. */
export interface ReplyWriter {
  send(kind: ReplyChunk['kind'], status: number, headers: Record<string, string> | null, data: string | null): void;
}

/**
 * A request's cancellation (the client went away) without an EventTarget: an AbortSignal with a listener added and
 * removed per attempt cost more than most stages' own work, and most requests are never cancelled.
 */
export interface CancelSource {
  readonly cancelled: boolean;
  /** Calls `listener` once when the request is cancelled (at once when it already was); returns the unsubscribe. */
  onCancel(listener: () => void): () => void;
  /** Aborted on cancel: for APIs that take an AbortSignal; made on first use. */
  readonly signal: AbortSignal;
}

export interface StageContext extends CancelSource {
  /** Hands the envelope to the next stage on its slip (in-process when local, else over the bus). */
  forward(env: RequestEnvelope): void;
  reply: ReplyWriter;
  /** Publishes the one completed event of this request; `trace` (default: the envelope's) travels in its headers. */
  complete(evt: CompletedEvent, trace?: TraceContext): void;
}

const NOOP = (): void => {};

/** The cancellation of one request: plain listeners, and an AbortController only when someone asks for a signal. */
export class RequestCancel implements CancelSource {
  cancelled = false;
  private controller: AbortController | null = null;
  private listeners: Array<() => void> | null = null;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.cancelled) this.controller.abort();
    }
    return this.controller.signal;
  }

  onCancel(listener: () => void): () => void {
    if (this.cancelled) {
      listener();
      return NOOP;
    }
    (this.listeners ??= []).push(listener);
    return () => {
      const i = this.listeners?.indexOf(listener) ?? -1;
      if (i >= 0) this.listeners?.splice(i, 1);
    };
  }

  /** Cancels once: the signal (if made) aborts and every listener runs; a throwing listener does not stop the rest. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.controller?.abort();
    const listeners = this.listeners;
    this.listeners = null;
    let failure: unknown = null;
    for (const l of listeners ?? []) {
      try {
        l();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== null) throw failure;
  }
}

/** A stage context whose cancellation is `cancel`'s, read through (a later cancel shows); `parts` is the rest. */
export function contextWith(cancel: CancelSource, parts: Omit<StageContext, keyof CancelSource>): StageContext {
  return {
    forward: parts.forward,
    reply: parts.reply,
    complete: parts.complete,
    get signal() {
      return cancel.signal;
    },
    get cancelled() {
      return cancel.cancelled;
    },
    onCancel: (listener) => cancel.onCancel(listener),
  };
}

export interface Stage {
  readonly name: string;
  handle(env: RequestEnvelope, ctx: StageContext): Promise<void>;
}

/** The ingress side: receives the chunks of one request in order. */
export type ReplySink = (chunk: ReplyChunk) => void;
