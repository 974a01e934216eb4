// How pipeline messages become bytes on the bus. The JSON codec is the default; Avro plugs in here.
import type { CompletedEvent, ReplyChunk, RequestEnvelope } from '../contracts/types.ts';

export interface PipelineCodec {
  encodeEnvelope(env: RequestEnvelope): Uint8Array;
  decodeEnvelope(bytes: Uint8Array): RequestEnvelope;
  encodeReply(chunk: ReplyChunk): Uint8Array;
  decodeReply(bytes: Uint8Array): ReplyChunk;
  encodeCompleted(evt: CompletedEvent): Uint8Array;
  decodeCompleted(bytes: Uint8Array): CompletedEvent;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function json<T>(): { encode(v: T): Uint8Array; decode(b: Uint8Array): T } {
  return {
    encode: (v) => enc.encode(JSON.stringify(v)),
    decode: (b) => JSON.parse(dec.decode(b)) as T,
  };
}

export function jsonPipelineCodec(): PipelineCodec {
  const e = json<RequestEnvelope>();
  const r = json<ReplyChunk>();
  const c = json<CompletedEvent>();
  return {
    encodeEnvelope: e.encode,
    decodeEnvelope: e.decode,
    encodeReply: r.encode,
    decodeReply: r.decode,
    encodeCompleted: c.encode,
    decodeCompleted: c.decode,
  };
}

/**
 * The completed event a durable message carries: the pipeline's own object when the message never left the process
 * (the pipeline publishes the event as a value; consumers must treat it as read-only), else decoded from its bytes.
 */
export function completedOf(msg: { readonly value?: unknown; readonly data: Uint8Array }, codec: Pick<PipelineCodec, 'decodeCompleted'>): CompletedEvent {
  return msg.value !== undefined ? (msg.value as CompletedEvent) : codec.decodeCompleted(msg.data);
}
