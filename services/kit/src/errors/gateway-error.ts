// GatewayError: the one error hierarchy; rendered once per edge into OpenAI or Anthropic JSON.
import { ERRORS, type ErrorCode } from './registry.ts';

export interface OpenAIErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
}

export interface GatewayErrorOptions {
  params?: Record<string, string | number>;
  param?: string | null;
  /** Overrides the registry status (e.g. an upstream 4xx passed through). */
  status?: number;
  retryAfterS?: number;
  /** True when retrying the same request elsewhere may succeed. */
  retriable?: boolean;
  headers?: Record<string, string>;
  cause?: unknown;
}

function fill(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => (name in params ? String(params[name]) : `{${name}}`));
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly retryAfterS: number | undefined;
  readonly retriable: boolean;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, opts: GatewayErrorOptions = {}) {
    const spec = ERRORS[code];
    super(fill(spec.message, opts.params), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = opts.status ?? spec.status;
    this.type = spec.type;
    this.param = opts.param ?? null;
    this.retryAfterS = opts.retryAfterS;
    this.retriable = opts.retriable ?? false;
    this.headers = { ...(opts.headers ?? {}) };
    if (opts.retryAfterS !== undefined) this.headers['retry-after'] = String(Math.max(0, Math.ceil(opts.retryAfterS)));
  }

  toOpenAI(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }

  toAnthropic(): AnthropicErrorBody {
    return { type: 'error', error: { type: ERRORS[this.code].anthropicType, message: this.message } };
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}

/** Rebuilds a GatewayError from its OpenAI body (e.g. after crossing the bus). */
export function gatewayErrorFromBody(status: number, body: unknown, headers: Record<string, string> = {}): GatewayError {
  const e = (body as { error?: { message?: unknown; code?: unknown; param?: unknown } } | null)?.error;
  const code = typeof e?.code === 'string' && e.code in ERRORS ? (e.code as ErrorCode) : 'upstream_error';
  const err = new GatewayError(code, {
    status,
    params: { detail: typeof e?.message === 'string' ? e.message : 'Upstream error' },
    param: typeof e?.param === 'string' ? e.param : null,
    headers,
  });
  if (typeof e?.message === 'string') Object.defineProperty(err, 'message', { value: e.message });
  return err;
}
