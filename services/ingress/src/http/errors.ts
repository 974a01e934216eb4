// The one error mapper of the HTTP edge: known errors keep their status and body, anything else is a 500 with an errorId.
import { randomUUID } from 'node:crypto';
import { GatewayError, isGatewayError, type Logger } from '@ai-gateway/kit';
import type { ServerResponse as Response } from 'node:http';

export type Dialect = 'openai' | 'anthropic';

export function toGatewayError(err: unknown, logger: Logger, context: Record<string, unknown> = {}): GatewayError {
  if (isGatewayError(err)) return err;
  const errorId = randomUUID();
  logger.error({ err, errorId, ...context }, 'unhandled error at the HTTP edge');
  return new GatewayError('internal_error', { params: { errorId } });
}

export function errorBody(err: GatewayError, dialect: Dialect): string {
  return JSON.stringify(dialect === 'anthropic' ? err.toAnthropic() : err.toOpenAI());
}

export function sendError(res: Response, err: GatewayError, dialect: Dialect, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = errorBody(err, dialect);
  res.writeHead(err.status, {
    ...extraHeaders,
    ...err.headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
