// Anthropic error types → the HTTP status they stand for, so in-stream errors map like HTTP ones.
import { mapProviderFailure } from '../shared/errors.ts';
import type { ProviderError } from '../types.ts';

/** From the Messages API error reference; unknown types count as 500 api_error. */
export const ANTHROPIC_ERROR_STATUS: Readonly<Record<string, number>> = Object.freeze({
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
});

/** An `event: error` after the 200: `{type:"error", error:{type, message}}`. */
export function mapStreamError(error: { type?: unknown; message?: unknown }): ProviderError {
  const status = (typeof error.type === 'string' ? ANTHROPIC_ERROR_STATUS[error.type] : undefined) ?? 500;
  return mapProviderFailure({ status, headers: {}, body: { type: 'error', error } });
}
