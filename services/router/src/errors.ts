// Maps routing failures to the client-facing GatewayError (the router's one error edge).
import { GatewayError, isGatewayError, type Logger } from '@ai-gateway/kit';
import { randomUUID } from 'node:crypto';
import { ProviderError } from './providers/types.ts';

function retryAfterS(err: ProviderError): number | undefined {
  return err.retryAfterMs === null ? undefined : err.retryAfterMs / 1000;
}

export function providerToGatewayError(err: ProviderError): GatewayError {
  const detail = err.message;
  switch (err.kind) {
    case 'rate_limit':
      return new GatewayError('upstream_rate_limited', { params: { detail }, retryAfterS: retryAfterS(err) });
    case 'timeout':
      return new GatewayError('upstream_timeout', { params: { detail } });
    case 'context_window':
      return new GatewayError('context_length_exceeded', { params: { detail } });
    case 'content_policy':
      return new GatewayError('content_policy_violation', { params: { detail } });
    case 'bad_request':
      return new GatewayError('upstream_bad_request', { params: { detail }, status: err.status >= 400 && err.status < 500 ? err.status : 400 });
    case 'not_found':
      return err.status === 503
        ? new GatewayError('service_unavailable', { params: { detail } })
        : new GatewayError('upstream_error', { params: { detail: `The provider does not know this model: ${detail}` }, status: 502 });
    case 'auth':
      // The client's key is fine; ours is not. Never 401 the client for the gateway's provider key.
      return new GatewayError('upstream_error', { params: { detail: `The provider rejected the gateway's credentials: ${detail}` }, status: 502 });
    default:
      return new GatewayError('upstream_error', { params: { detail }, status: 502 });
  }
}

export function toGatewayError(err: unknown, logger: Logger, requestId: string): GatewayError {
  if (isGatewayError(err)) return err;
  if (err instanceof ProviderError) return providerToGatewayError(err);
  const errorId = randomUUID();
  logger.error({ err, errorId, requestId }, 'router failed');
  return new GatewayError('internal_error', { params: { errorId } });
}
