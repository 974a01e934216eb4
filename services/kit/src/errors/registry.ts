// The coded error registry: every error a client can see, with its stable code, type and status.

export interface ErrorSpec {
  status: number;
  /** OpenAI `error.type`. */
  type: string;
  /** Message template; `{name}` placeholders are filled from params. */
  message: string;
  /** Anthropic `error.type` for /v1/messages. */
  anthropicType: string;
}

export const ERRORS = {
  invalid_json: { status: 400, type: 'invalid_request_error', anthropicType: 'invalid_request_error', message: 'Request body is not valid JSON: {detail}' },
  invalid_request: { status: 400, type: 'invalid_request_error', anthropicType: 'invalid_request_error', message: '{detail}' },
  body_too_large: { status: 413, type: 'invalid_request_error', anthropicType: 'request_too_large', message: 'Request body exceeds the limit of {limit} bytes' },
  missing_api_key: { status: 401, type: 'authentication_error', anthropicType: 'authentication_error', message: 'No API key provided. Send it as "Authorization: Bearer <key>" (or x-api-key on /v1/messages).' },
  invalid_api_key: { status: 401, type: 'authentication_error', anthropicType: 'authentication_error', message: 'Invalid API key.' },
  key_expired: { status: 401, type: 'authentication_error', anthropicType: 'authentication_error', message: 'API key expired at {expiresAt}.' },
  forbidden: { status: 403, type: 'permission_error', anthropicType: 'permission_error', message: '{detail}' },
  model_not_allowed: { status: 401, type: 'permission_error', anthropicType: 'permission_error', message: 'Key is not allowed to use model {model}. Allowed: {allowed}' },
  model_not_found: { status: 404, type: 'invalid_request_error', anthropicType: 'not_found_error', message: 'Model {model} does not exist. Available models: {available}' },
  not_found: { status: 404, type: 'invalid_request_error', anthropicType: 'not_found_error', message: '{detail}' },
  method_not_allowed: { status: 405, type: 'invalid_request_error', anthropicType: 'invalid_request_error', message: 'Method {method} is not allowed on {path}' },
  unsupported_call_type: { status: 400, type: 'invalid_request_error', anthropicType: 'invalid_request_error', message: 'Model {model} does not support {callType} requests' },
  context_length_exceeded: { status: 400, type: 'invalid_request_error', anthropicType: 'invalid_request_error', message: '{detail}' },
  budget_exceeded: { status: 400, type: 'budget_exceeded', anthropicType: 'invalid_request_error', message: '{detail}' },
  rate_limited: { status: 429, type: 'rate_limit_error', anthropicType: 'rate_limit_error', message: '{detail}' },
  guardrail_violation: { status: 400, type: 'guardrail_violation', anthropicType: 'invalid_request_error', message: '{detail}' },
  prompt_injection: { status: 400, type: 'guardrail_violation', anthropicType: 'invalid_request_error', message: '{detail}' },
  all_deployments_cooling: { status: 503, type: 'service_unavailable', anthropicType: 'overloaded_error', message: 'All deployments of {model} are cooling down after failures; retry after {retryAfterS}s' },
  provider_unsupported: { status: 503, type: 'service_unavailable', anthropicType: 'api_error', message: 'Model {model} is served by provider "{provider}", which this gateway does not support' },
  upstream_error: { status: 502, type: 'api_error', anthropicType: 'api_error', message: '{detail}' },
  upstream_timeout: { status: 504, type: 'timeout', anthropicType: 'api_error', message: '{detail}' },
  upstream_rate_limited: { status: 429, type: 'rate_limit_error', anthropicType: 'rate_limit_error', message: '{detail}' },
  upstream_bad_request: { status: 400, type: 'invalid_request_error', anthropicType: 'invalid_request_error', message: '{detail}' },
  content_policy_violation: { status: 400, type: 'invalid_request_error', anthropicType: 'invalid_request_error', message: '{detail}' },
  stream_interrupted: { status: 502, type: 'api_error', anthropicType: 'api_error', message: '{detail}' },
  gateway_timeout: { status: 504, type: 'timeout', anthropicType: 'api_error', message: 'The request did not finish within {timeoutMs} ms' },
  service_unavailable: { status: 503, type: 'service_unavailable', anthropicType: 'overloaded_error', message: '{detail}' },
  internal_error: { status: 500, type: 'api_error', anthropicType: 'api_error', message: 'Internal error (errorId {errorId})' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;
