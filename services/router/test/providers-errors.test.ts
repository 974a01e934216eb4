// The provider error table: status + body → kind, retriable, retryAfterMs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mapProviderFailure, mapStreamErrorObject, mapTransportError, retryAfterMs } from '../src/providers/shared/errors.ts';
import { ProviderError, type ProviderErrorKind } from '../src/providers/types.ts';

const fixture = (p: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${p}`, import.meta.url), 'utf8'));
const NOW = Date.parse('2026-11-26T00:00:00Z');

interface Row { name: string; status: number; body: unknown; headers?: Record<string, string>; kind: ProviderErrorKind; retriable: boolean; retryAfterMs?: number | null }

const TABLE: Row[] = [
  { name: 'openai 429 with retry-after seconds', status: 429, body: fixture('openai/error-rate-limit.v1.json'), headers: { 'retry-after': '2' }, kind: 'rate_limit', retriable: true, retryAfterMs: 2000 },
  { name: 'openai 429 with retry-after-ms preferred', status: 429, body: fixture('openai/error-rate-limit.v1.json'), headers: { 'retry-after': '2', 'retry-after-ms': '1144' }, kind: 'rate_limit', retriable: true, retryAfterMs: 1144 },
  { name: '429 with retry-after HTTP-date', status: 429, body: {}, headers: { 'retry-after': 'Thu, 26 Nov 2026 00:00:30 GMT' }, kind: 'rate_limit', retriable: true, retryAfterMs: 30_000 },
  { name: 'azure 429', status: 429, body: fixture('openai/azure-error-rate-limit.2024-10-21.json'), headers: { 'retry-after': '6' }, kind: 'rate_limit', retriable: true, retryAfterMs: 6000 },
  { name: 'gemini 429 RetryInfo.retryDelay', status: 429, body: fixture('gemini/error-rate-limit.v1beta.json'), kind: 'rate_limit', retriable: true, retryAfterMs: 46_000 },
  { name: '408', status: 408, body: 'Request Timeout', kind: 'timeout', retriable: true },
  { name: '504', status: 504, body: { error: { code: 504, message: 'Deadline expired', status: 'DEADLINE_EXCEEDED' } }, kind: 'timeout', retriable: true },
  { name: '500 openai server_error', status: 500, body: { error: { message: 'The server had an error', type: 'server_error', param: null, code: null } }, kind: 'server', retriable: true },
  { name: 'gemini 503 overloaded', status: 503, body: fixture('gemini/error-overloaded.v1beta.json'), kind: 'server', retriable: true },
  { name: '502 html body', status: 502, body: '<html>Bad Gateway</html>', kind: 'server', retriable: true },
  { name: 'openai context_length_exceeded', status: 400, body: fixture('openai/error-context-length.v1.json'), kind: 'context_window', retriable: false },
  { name: 'message-only maximum context length', status: 400, body: { error: { message: "This model's maximum context length is 8192 tokens", type: 'invalid_request_error', code: null } }, kind: 'context_window', retriable: false },
  { name: 'gemini input token count exceeds', status: 400, body: fixture('gemini/error-context.v1beta.json'), kind: 'context_window', retriable: false },
  { name: 'azure content_filter', status: 400, body: fixture('openai/azure-error-content-filter.2024-10-21.json'), kind: 'content_policy', retriable: false },
  { name: 'openai content_policy_violation', status: 400, body: { error: { message: 'Your request was rejected', type: 'invalid_request_error', code: 'content_policy_violation' } }, kind: 'content_policy', retriable: false },
  { name: 'openai 401 invalid key', status: 401, body: fixture('openai/error-invalid-key.v1.json'), kind: 'auth', retriable: false },
  { name: '403', status: 403, body: { error: { code: 403, message: 'denied', status: 'PERMISSION_DENIED' } }, kind: 'auth', retriable: false },
  { name: 'gemini 400 API_KEY_INVALID', status: 400, body: fixture('gemini/error-api-key.v1beta.json'), kind: 'auth', retriable: false },
  { name: '404 model not found', status: 404, body: { error: { message: 'The model `gpt-9` does not exist', type: 'invalid_request_error', code: 'model_not_found' } }, kind: 'not_found', retriable: false },
  { name: 'other 400', status: 400, body: { error: { message: "Invalid value for 'temperature'", type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } }, kind: 'bad_request', retriable: false },
  { name: '422', status: 422, body: { detail: 'unprocessable' }, kind: 'bad_request', retriable: false },
];

describe('providers/errors', () => {
  for (const row of TABLE) {
    test(`error table - ${row.name} → ${row.kind}${row.retriable ? ' (retriable)' : ''}`, () => {
      const err = mapProviderFailure({ status: row.status, headers: row.headers ?? {}, body: row.body }, NOW);
      assert.ok(err instanceof ProviderError);
      assert.equal(err.kind, row.kind);
      assert.equal(err.retriable, row.retriable);
      assert.equal(err.status, row.status);
      assert.equal(err.retryAfterMs, row.retryAfterMs ?? null);
      assert.deepEqual(err.providerBody, row.body);
      assert.ok(err.message.length > 0);
    });
  }

  test('error table - in-stream error objects map by their code', () => {
    assert.equal(mapStreamErrorObject({ message: 'boom', type: 'server_error', code: null }).kind, 'server');
    assert.equal(mapStreamErrorObject({ message: 'slow down', type: 'tokens', code: 'rate_limit_exceeded' }).kind, 'rate_limit');
    assert.equal(mapStreamErrorObject({ code: 503, message: 'overloaded', status: 'UNAVAILABLE' }).kind, 'server');
    assert.equal(mapStreamErrorObject({ code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED' }).kind, 'rate_limit');
  });

  test('error table - transport errors: reset/refused/socket → connection, undici timeouts → timeout', () => {
    const live = new AbortController().signal;
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'UND_ERR_SOCKET']) {
      const e = mapTransportError(Object.assign(new Error(code), { code }), live);
      assert.ok(e instanceof ProviderError && e.kind === 'connection' && e.retriable, code);
    }
    const wrapped = mapTransportError(new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }), live);
    assert.ok(wrapped instanceof ProviderError && wrapped.kind === 'connection');
    const t = mapTransportError(Object.assign(new Error('t'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), live);
    assert.ok(t instanceof ProviderError && t.kind === 'timeout');
  });

  test('error table - our own abort is rethrown as its reason, an AbortSignal.timeout becomes timeout', () => {
    const ac = new AbortController();
    const reason = new Error('client went away');
    ac.abort(reason);
    assert.equal(mapTransportError(new Error('aborted'), ac.signal), reason);
    const timeout = new AbortController();
    timeout.abort(new DOMException('timed out', 'TimeoutError'));
    const e = mapTransportError(new Error('aborted'), timeout.signal);
    assert.ok(e instanceof ProviderError && e.kind === 'timeout' && e.retriable);
  });

  test('error table - unparseable or negative retry hints are ignored', () => {
    assert.equal(retryAfterMs({ 'retry-after': 'soon' }, {}, NOW), null);
    assert.equal(retryAfterMs({ 'retry-after-ms': '-5' }, {}, NOW), null);
    assert.equal(retryAfterMs({ 'retry-after': 'Wed, 25 Nov 2026 23:00:00 GMT' }, {}, NOW), 0);
  });
});
