// Config problems: the fatal ConfigError, non-fatal warnings, YAML paths and secret masking.

export type ConfigPath = ReadonlyArray<string | number>;

export type ConfigWarningCode =
  | 'unknown_key'
  | 'not_implemented'
  | 'env_unset'
  | 'credential_missing'
  | 'unsupported_provider'
  | 'duplicate_id'
  | 'unknown_model_group';

export interface ConfigWarning {
  code: ConfigWarningCode;
  /** YAML path, e.g. `model_list[2].litellm_params.api_key`. */
  path: string;
  message: string;
}

export interface ConfigProblem {
  path: string;
  message: string;
}

/** Thrown at boot when the config cannot be used; `problems` lists every issue found. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  readonly source: string;

  constructor(source: string, problems: ConfigProblem[]) {
    const lines = problems.map((p) => `  - ${p.path ? `${p.path}: ` : ''}${p.message}`);
    super(`Invalid gateway config (${source}):\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.source = source;
    this.problems = Object.freeze(problems.map((p) => Object.freeze({ ...p })));
  }
}

export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

const SECRET_KEY = /key|secret|token|password|passwd|credential|authorization/i;
/** Token counts and prices mention "token" but are not secrets. */
const NOT_SECRET_KEY = /(tokens|per_token|token_cost|_limit)$/i;

export function isSecretKey(key: string | number | undefined): boolean {
  return typeof key === 'string' && SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key);
}

export function looksLikeSecret(value: unknown): boolean {
  return typeof value === 'string' && /^(sk|pk|rk)-[\w-]{4,}/.test(value.trim());
}

/** Renders a value for an error message; secrets show only their kind and length. */
export function describeValue(value: unknown, opts: { secret?: boolean } = {}): string {
  if (value === undefined) return 'nothing';
  if (opts.secret || looksLikeSecret(value) || (Array.isArray(value) && value.some(looksLikeSecret))) {
    if (Array.isArray(value)) return `<masked list, ${value.length} items>`;
    if (value !== null && typeof value === 'object') return '<masked map>';
    return `<masked ${typeof value}, ${String(value).length} chars>`;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list (${value.length} items)`;
  if (typeof value === 'object') return 'a map';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

export function valueAt(root: unknown, path: ConfigPath): unknown {
  let node: unknown = root;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
