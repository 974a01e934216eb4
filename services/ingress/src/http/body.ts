// Reads a request body with a size limit and parses it as a JSON object, or fails with an OpenAI-shaped error.
import { GatewayError } from '@ai-gateway/kit';
import type { Request } from 'express';

export async function readJsonObject(req: Request, limitBytes: number): Promise<Record<string, unknown>> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) {
    req.resume();
    throw new GatewayError('body_too_large', { params: { limit: limitBytes } });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      req.resume();
      throw new GatewayError('body_too_large', { params: { limit: limitBytes } });
    }
    chunks.push(chunk);
  }
  const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
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
