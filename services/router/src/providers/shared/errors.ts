// The one error-mapping table at the adapter edge: HTTP status + provider error body → ProviderError.
import { ProviderError, type ProviderErrorKind } from '../types.ts';

/** What we know of a failed provider answer, already decoded from the wire. */
export interface ProviderFailure {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
}

interface ErrorFacts {
  message: string;
  /** OpenAI `code`/`type`, Azure `innererror.code`, Gemini `status` and detail `reason`s, lower-cased. */
  codes: string[];
}

interface Rule {
  kind: ProviderErrorKind;
  when: (status: number, facts: ErrorFacts) => boolean;
}

const CONTEXT_CODES = ['context_length_exceeded', 'string_above_max_length'];
const CONTEXT_MESSAGE = /maximum context length|context[ _]length|context window|too many tokens|input token count.*exceeds|prompt is too long|exceeds the maximum number of tokens/i;
const POLICY_CODES = ['content_filter', 'content_policy_violation', 'responsibleaipolicyviolation', 'safety', 'prohibited_content', 'blocklist'];
const AUTH_CODES = ['invalid_api_key', 'api_key_invalid', 'unauthenticated', 'permission_denied'];

const has = (facts: ErrorFacts, codes: string[]) => facts.codes.some((c) => codes.includes(c));

/** Ordered: the first matching rule decides the kind. */
const RULES: Rule[] = [
  { kind: 'rate_limit', when: (s) => s === 429 },
  { kind: 'timeout', when: (s) => s === 408 || s === 504 },
  { kind: 'server', when: (s) => s >= 500 },
  { kind: 'auth', when: (s, f) => s === 401 || s === 403 || (s === 400 && has(f, AUTH_CODES)) },
  { kind: 'not_found', when: (s) => s === 404 },
  { kind: 'content_policy', when: (s, f) => has(f, POLICY_CODES) },
  { kind: 'context_window', when: (s, f) => has(f, CONTEXT_CODES) || CONTEXT_MESSAGE.test(f.message) },
  { kind: 'bad_request', when: (s) => s >= 400 && s < 500 },
];

/** Maps a non-2xx provider answer (or an in-stream error object, with its implied status). */
export function mapProviderFailure(failure: ProviderFailure, now: number = Date.now()): ProviderError {
  const facts = errorFacts(failure.body);
  const kind = RULES.find((r) => r.when(failure.status, facts))?.kind ?? 'server';
  const message = facts.message || `provider answered HTTP ${failure.status}`;
  return new ProviderError(kind, message, {
    status: failure.status,
    retryAfterMs: retryAfterMs(failure.headers, failure.body, now),
    providerBody: failure.body,
  });
}

/** An error object that arrived inside a 200 stream: its status is implied by its code. */
export function mapStreamErrorObject(error: unknown): ProviderError {
  const facts = errorFacts({ error });
  const numeric = isRecord(error) && typeof error.code === 'number' ? error.code : null;
  const status = numeric ?? (has(facts, ['rate_limit_exceeded', 'resource_exhausted']) ? 429
    : has(facts, [...CONTEXT_CODES, ...POLICY_CODES, 'invalid_request_error']) ? 400 : 500);
  return mapProviderFailure({ status, headers: {}, body: { error } });
}

export function malformed(message: string, cause?: unknown, status = 200): ProviderError {
  return new ProviderError('malformed', message, { status, retriable: true, cause });
}

const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Maps a thrown transport error. Our own abort is not a provider failure: it is rethrown as is,
 * except a timeout signal (AbortSignal.timeout), which becomes a retriable `timeout`.
 */
export function mapTransportError(err: unknown, signal: AbortSignal): unknown {
  if (err instanceof ProviderError) return err;
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof Error && reason.name === 'TimeoutError') return new ProviderError('timeout', 'provider call timed out', { status: 408, cause: reason });
    return reason ?? err;
  }
  const code = errorCode(err);
  if (code !== null && TIMEOUT_CODES.has(code)) return new ProviderError('timeout', `provider timed out (${code})`, { status: 408, cause: err });
  if (code !== null && CONNECTION_CODES.has(code)) return new ProviderError('connection', `provider connection failed (${code})`, { status: 502, cause: err });
  if (err instanceof TypeError && /terminated|other side closed/i.test(err.message)) return new ProviderError('connection', 'provider connection closed', { status: 502, cause: err });
  return err;
}

function errorCode(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; isRecord(e) && depth < 4; e = e.cause, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return null;
}

function errorFacts(body: unknown): ErrorFacts {
  if (typeof body === 'string') return { message: body.slice(0, 500), codes: [] };
  const error = isRecord(body) ? (isRecord(body.error) ? body.error : body) : {};
  const codes: string[] = [];
  const add = (v: unknown) => { if (typeof v === 'string' && v) codes.push(v.toLowerCase()); };
  add(error.code);
  add(error.type);
  add(error.status);
  if (isRecord(error.innererror)) add(error.innererror.code);
  if (Array.isArray(error.details)) for (const d of error.details) if (isRecord(d)) add(d.reason);
  const message = typeof error.message === 'string' ? error.message : '';
  return { message, codes };
}

/** `retry-after-ms`, then `retry-after` (seconds or HTTP-date), then Gemini's `RetryInfo.retryDelay`. */
export function retryAfterMs(headers: ProviderFailure['headers'], body: unknown, now: number): number | null {
  const ms = Number(header(headers, 'retry-after-ms'));
  if (header(headers, 'retry-after-ms') !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const ra = header(headers, 'retry-after');
  if (ra !== undefined) {
    const secs = Number(ra);
    if (ra.trim() !== '' && Number.isFinite(secs) && secs >= 0) return Math.round(secs * 1000);
    const date = Date.parse(ra);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const details = isRecord(body) && isRecord(body.error) && Array.isArray(body.error.details) ? body.error.details : [];
  for (const d of details) {
    if (isRecord(d) && typeof d.retryDelay === 'string') {
      const m = /^(\d+(?:\.\d+)?)s$/.exec(d.retryDelay);
      if (m) return Math.round(Number(m[1]) * 1000);
    }
  }
  return null;
}

function header(headers: ProviderFailure['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
