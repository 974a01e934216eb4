// What a pipeline stage sees: the envelope, a way to answer, to pass on, and to report completion.
import type { CompletedEvent, ReplyChunk, RequestEnvelope, TraceContext } from '../contracts/types.ts';

/** The stage side of the reply channel to the ingress that owns the client connection. */
export interface ReplyWriter {
  send(kind: ReplyChunk['kind'], status: number, headers: Record<string, string> | null, data: string | null): void;
}

export interface StageContext {
  /** Hands the envelope to the next stage on its slip (in-process when local, else over the bus). */
  forward(env: RequestEnvelope): void;
  reply: ReplyWriter;
  /** Aborted when the client goes away or the request is cancelled. */
  signal: AbortSignal;
  /** Publishes the one completed event of this request; `trace` (default: the envelope's) travels in its headers. */
  complete(evt: CompletedEvent, trace?: TraceContext): void;
}

export interface Stage {
  readonly name: string;
  handle(env: RequestEnvelope, ctx: StageContext): Promise<void>;
}

/** The ingress side: receives the chunks of one request in order. */
export type ReplySink = (chunk: ReplyChunk) => void;
