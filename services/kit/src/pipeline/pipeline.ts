// The routing slip: hands an envelope to its next stage, in-process when the stage is local and over
// the bus otherwise, and carries replies, cancellations and completed events back the same way.
import { randomUUID } from 'node:crypto';
import { NO_HEADERS, type Bus, type BusHeaders, type Subscription } from '../bus/port.ts';
import type { CompletedEvent, ReplyChunk, RequestEnvelope, TraceContext } from '../contracts/types.ts';
import { GatewayError } from '../errors/index.ts';
import type { Logger } from '../log/logger.ts';
import { writeTraceHeaders } from '../telemetry/messaging.ts';
import type { PipelineCodec } from './codec.ts';
import { baseCompletedEvent } from './completed.ts';
import { packReplies, unpackReplies } from './reply-frames.ts';
import { RequestCancel, contextWith, type ReplySink, type ReplyWriter, type Stage, type StageContext } from './stage.ts';
import { DEFAULT_SUBJECTS, type Subjects } from './subjects.ts';

export interface PipelineDeps {
  bus: Bus;
  codec: PipelineCodec;
  logger: Logger;
  /** Stages hosted by this process. */
  stages: Stage[];
}

export interface PipelineOptions {
  /** True when some stages or ingresses live in other processes (distributed mode). */
  distributed: boolean;
  clock?: () => number;
  subjects?: Subjects;
}

export interface Pipeline {
  /** Starts a request at the first stage of its slip. */
  dispatch(env: RequestEnvelope): void;
  /** Ingress side: receive the replies addressed to `replyTo`. Returns the unregister function. */
  openReply(replyTo: string, sink: ReplySink): () => void;
  /**
   * Publishes a completed event for a request that never entered a stage (rejected at the edge); `replyTo`, the
   * reply subject the request would have had, names the ingress whose completed listener hears of it.
   */
  report(evt: CompletedEvent, replyTo?: string): void;
  /**
   * Ingress side: hear the completed event of every request this ingress served (its metrics and request log), once,
   * even after the reply closed (a client that left). Local stages call the listener directly; in distributed mode
   * stages elsewhere send the event on the ingress's plain completed subject. At most once, like the counters it
   * feeds: accounting reads the durable stream instead. Returns the unregister function.
   */
  onCompleted(ingressId: string, listener: CompletedListener): () => void;
  /** Client went away: abort the request wherever its stages run. */
  cancel(requestId: string): void;
  /** Distributed mode: serve local stages from their bus subjects and listen for cancels. */
  serveStages(): void;
  /** Distributed mode: receive reply chunks for this ingress over the bus. */
  listenReplies(ingressId: string): void;
  inFlight(): number;
  readonly subjects: Subjects;
  close(): Promise<void>;
}

/** Hears completed events; runs on the path that completed the request, so it must be quick and must not throw. */
export type CompletedListener = (evt: CompletedEvent) => void;

interface InFlight {
  cancel: RequestCancel;
  refs: number;
}

const RECENT_CANCELS = 10_000;
/** A batch of buffered reply chunks is sent at once beyond this size (NATS refuses messages over 1 MB by default). */
const MAX_BATCH_BYTES = 256 * 1024;

export function createPipeline(deps: PipelineDeps, options: PipelineOptions): Pipeline {
  const { bus, codec, logger } = deps;
  const now = options.clock ?? Date.now;
  const subjects = options.subjects ?? DEFAULT_SUBJECTS;
  const local = new Map<string, Stage>(deps.stages.map((s) => [s.name, s]));
  const sinks = new Map<string, ReplySink>();
  const inflight = new Map<string, InFlight>();
  const recentlyCancelled = new Set<string>();
  const subscriptions: Subscription[] = [];
  const completedListeners = new Map<string, CompletedListener>();

  function rememberCancel(id: string): void {
    recentlyCancelled.add(id);
    if (recentlyCancelled.size > RECENT_CANCELS) {
      const oldest = recentlyCancelled.values().next().value;
      if (oldest !== undefined) recentlyCancelled.delete(oldest);
    }
  }

  function writerFor(env: RequestEnvelope): ReplyWriter {
    let seq = 0;
    const requestId = env.requestId;
    const replyTo = env.replyTo;
    // Over the bus, head and data chunks wait for the end of this event-loop turn, so a stream's chunks that
    // arrived in one provider read travel as one message; an answer or error flushes at once.
    let pending: Uint8Array[] | null = null;
    let pendingBytes = 0;
    const flush = (): void => {
      if (!pending) return;
      bus.publish(replyTo, packReplies(pending));
      pending = null;
      pendingBytes = 0;
    };
    return {
      send(kind, status, headers, data) {
        const chunk: ReplyChunk = { requestId, seq: seq++, kind, status, headers: headers ?? NO_HEADERS, data }; // most stream chunks: sinks only read chunk headers
        const sink = sinks.get(replyTo);
        if (sink) return sink(chunk);
        if (!options.distributed) return;
        const bytes = codec.encodeReply(chunk);
        if (!pending) {
          pending = [];
          if (kind === 'head' || kind === 'data') setImmediate(flush);
        }
        pending.push(bytes);
        pendingBytes += bytes.length;
        if ((kind !== 'head' && kind !== 'data') || pendingBytes >= MAX_BATCH_BYTES) flush();
      },
    };
  }

  /**
   * Publishes the event on the durable stream (accounting) and tells the ingress that served the request (`replyTo`
   * names it). `trace`: the context the event continues (its consumers' spans join the request's trace).
   */
  function complete(evt: CompletedEvent, trace: TraceContext | undefined, replyTo: string): void {
    const headers: BusHeaders = { 'idempotency-key': evt.requestId };
    if (trace) writeTraceHeaders(trace, headers);
    let bytes: Uint8Array | null = null;
    const encode = (): Uint8Array => (bytes ??= codec.encodeCompleted(evt));
    bus.publishDurable(subjects.completed, { value: evt, encode }, headers).catch((err: unknown) => {
      logger.error({ err, requestId: evt.requestId }, 'failed to publish completed event');
    });
    const ingressId = subjects.ingressOfReply(replyTo);
    if (ingressId === null) return;
    const listener = completedListeners.get(ingressId);
    if (listener) hear(listener, evt);
    else if (options.distributed) bus.publish(subjects.completedTo(ingressId), encode());
  }

  function hear(listener: CompletedListener, evt: CompletedEvent): void {
    try {
      listener(evt);
    } catch (err) {
      logger.error({ err, requestId: evt.requestId }, 'completed listener failed');
    }
  }

  function acquire(requestId: string): InFlight {
    let entry = inflight.get(requestId);
    if (!entry) {
      entry = { cancel: new RequestCancel(), refs: 0 };
      inflight.set(requestId, entry);
      if (recentlyCancelled.has(requestId)) entry.cancel.cancel();
    }
    entry.refs++;
    return entry;
  }

  function cancelEntry(requestId: string): void {
    try {
      inflight.get(requestId)?.cancel.cancel();
    } catch (err) {
      logger.error({ err, requestId }, 'a cancel listener failed');
    }
  }

  function releaseEntry(requestId: string, entry: InFlight): void {
    entry.refs--;
    if (entry.refs <= 0 && inflight.get(requestId) === entry) inflight.delete(requestId);
  }

  function runLocal(stage: Stage, env: RequestEnvelope): void {
    const entry = acquire(env.requestId);
    let completed = false;
    let answered = false;
    const writer = writerFor(env);
    const reply: ReplyWriter = {
      send(kind, status, headers, data) {
        if (kind === 'error' || kind === 'end' || kind === 'body') answered = true;
        writer.send(kind, status, headers, data);
      },
    };
    const ctx: StageContext = contextWith(entry.cancel, {
      forward: (next) => {
        answered = true;
        dispatch(next);
      },
      reply,
      complete: (evt, trace) => {
        completed = true;
        complete(evt, trace ?? env.trace, env.replyTo);
      },
    });
    let result: Promise<void>;
    try {
      result = stage.handle(env, ctx);
    } catch (err) {
      result = Promise.reject(err);
    }
    // One reaction for both outcomes (a catch and a finally would chain two promises per request).
    result.then(
      () => releaseEntry(env.requestId, entry),
      (err: unknown) => {
        try {
          const errorId = randomUUID();
          logger.error({ err, errorId, requestId: env.requestId, stage: stage.name }, 'stage failed');
          const gwErr = new GatewayError('internal_error', { params: { errorId } });
          if (!answered) reply.send('error', gwErr.status, null, JSON.stringify(gwErr.toOpenAI()));
          if (!completed) {
            const evt = baseCompletedEvent(env, now());
            evt.errorCode = gwErr.code;
            complete(evt, env.trace, env.replyTo);
          }
        } finally {
          releaseEntry(env.requestId, entry);
        }
      },
    );
  }

  function dispatch(env: RequestEnvelope): void {
    const next = env.slip[0];
    if (next === undefined) {
      const err = new GatewayError('internal_error', { params: { errorId: 'empty-slip' } });
      logger.error({ requestId: env.requestId }, 'envelope reached the end of its slip without an answer');
      writerFor(env).send('error', err.status, null, JSON.stringify(err.toOpenAI()));
      return;
    }
    const forwarded: RequestEnvelope = { ...env, slip: env.slip.slice(1) };
    const stage = local.get(next);
    if (stage) runLocal(stage, forwarded);
    else if (options.distributed) bus.publish(subjects.stage(next), codec.encodeEnvelope(forwarded));
    else {
      const err = new GatewayError('service_unavailable', { params: { detail: `Stage ${next} is not running` } });
      writerFor(env).send('error', err.status, null, JSON.stringify(err.toOpenAI()));
    }
  }

  async function pump(sub: Subscription, onMessage: (data: Uint8Array, subject: string) => void): Promise<void> {
    for await (const msg of sub) {
      try {
        onMessage(msg.data, msg.subject);
      } catch (err) {
        logger.error({ err, subject: msg.subject }, 'dropped an undecodable bus message');
      }
    }
  }

  return {
    dispatch,
    openReply(replyTo, sink) {
      sinks.set(replyTo, sink);
      return () => {
        if (sinks.get(replyTo) === sink) sinks.delete(replyTo);
      };
    },
    report: (evt, replyTo = '') => complete(evt, undefined, replyTo),
    onCompleted(ingressId, listener) {
      completedListeners.set(ingressId, listener);
      const sub = options.distributed ? bus.subscribe(subjects.completedTo(ingressId)) : null;
      if (sub) {
        subscriptions.push(sub);
        void pump(sub, (data) => hear(listener, codec.decodeCompleted(data)));
      }
      return () => {
        if (completedListeners.get(ingressId) === listener) completedListeners.delete(ingressId);
        if (sub) {
          sub.unsubscribe();
          const i = subscriptions.indexOf(sub);
          if (i >= 0) subscriptions.splice(i, 1);
        }
      };
    },
    cancel(requestId) {
      rememberCancel(requestId);
      cancelEntry(requestId);
      if (options.distributed) bus.publish(subjects.cancel(requestId), new Uint8Array(0));
    },
    serveStages() {
      for (const stage of local.values()) {
        const sub = bus.subscribe(subjects.stage(stage.name), { queue: stage.name });
        subscriptions.push(sub);
        void pump(sub, (data) => runLocal(stage, codec.decodeEnvelope(data)));
      }
      const cancels = bus.subscribe(subjects.cancelWildcard);
      subscriptions.push(cancels);
      void pump(cancels, (_data, subject) => {
        const id = subject.slice(subject.lastIndexOf('.') + 1);
        rememberCancel(id);
        cancelEntry(id);
      });
    },
    listenReplies(ingressId) {
      const sub = bus.subscribe(subjects.replyWildcard(ingressId));
      subscriptions.push(sub);
      void pump(sub, (data, subject) => {
        const sink = sinks.get(subject);
        if (sink) for (const part of unpackReplies(data)) sink(codec.decodeReply(part));
      });
    },
    inFlight: () => inflight.size,
    subjects,
    async close() {
      for (const sub of subscriptions) sub.unsubscribe();
      subscriptions.length = 0;
      for (const id of [...inflight.keys()]) cancelEntry(id);
    },
  };
}
