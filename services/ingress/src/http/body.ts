// Reads a request body with a size limit and parses it as a JSON object, or fails with an OpenAI-shaped error.
import { GatewayError } from '@ai-gateway/kit';
import type { IncomingMessage as Request } from 'node:http';

/**
 * Deeper bodies are refused before parsing: every later step (stringify, Avro, provider mapping) recurses
 * per level and would overflow the stack on a few thousand levels, turning bad input into a 500.
 */
export const MAX_NESTING_DEPTH = 128;

/** Deepest `{`/`[` nesting outside strings, scanning bytes; stops counting once past `limit`. */
export function nestingDepth(bytes: Uint8Array, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (b === 0x7d || b === 0x5d) depth--;
  }
  return max;
}

/** The body's chunks, or body_too_large past `limitBytes` (the rest is drained). Listeners, not an async iterator: one promise per body. */
function readChunks(req: Request, limitBytes: number): Promise<Buffer[]> {
  return new Promise<Buffer[]>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        req.resume();
        reject(new GatewayError('body_too_large', { params: { limit: limitBytes } }));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    // The client went away before the body ended.
    const onClose = (): void => {
      cleanup();
      if (!req.complete) reject(new Error('request body aborted'));
      else resolve(chunks);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

export async function readJsonObject(req: Request, limitBytes: number): Promise<Record<string, unknown>> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume();
    throw new GatewayError('body_too_large', { params: { limit: limitBytes } });
  }
  const chunks = await readChunks(req, limitBytes);
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  const depth = nestingDepth(bytes, MAX_NESTING_DEPTH);
  if (depth > MAX_NESTING_DEPTH) {
    throw new GatewayError('invalid_request', { params: { detail: `The request body is nested more than ${MAX_NESTING_DEPTH} levels deep` } });
  }
  const text = bytes.toString('utf8');
  if (text.length === 0) throw new GatewayError('invalid_json', { params: { detail: 'the body is empty' } });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new GatewayError('invalid_json', { params: { detail: (err as Error).message } });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new GatewayError('invalid_request', { params: { detail: 'The request body must be a JSON object' } });
  }
  return value as Record<string, unknown>;
}
