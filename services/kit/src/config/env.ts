// Resolves LiteLLM `os.environ/NAME` references in the raw YAML tree, remembering what was unset.
import { formatPath, isRecord, type ConfigPath } from './problems.ts';

export type Env = Readonly<Record<string, string | undefined>>;

const ENV_REF = /^\s*os\.environ\/([A-Za-z_][A-Za-z0-9_]*)\s*$/;

export interface EnvResolution {
  /** A copy of the tree with references replaced (unset ones become undefined). */
  tree: unknown;
  /** YAML path → name of the unset variable it referenced. */
  unset: Map<string, string>;
  /** YAML path → env var its value came from (such values are masked in messages). */
  fromEnv: Map<string, string>;
}

export function envRefName(value: unknown): string | undefined {
  return typeof value === 'string' ? ENV_REF.exec(value)?.[1] : undefined;
}

export function resolveEnvRefs(tree: unknown, env: Env): EnvResolution {
  const unset = new Map<string, string>();
  const fromEnv = new Map<string, string>();

  const visit = (node: unknown, path: (string | number)[]): unknown => {
    const name = envRefName(node);
    if (name !== undefined) {
      const value = env[name];
      if (value === undefined || value === '') {
        unset.set(formatPath(path), name);
        return undefined;
      }
      fromEnv.set(formatPath(path), name);
      return value;
    }
    if (Array.isArray(node)) return node.map((item, i) => visit(item, [...path, i]));
    if (isRecord(node)) {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) {
        if (child === null) continue; // `key:` with nothing after it means "not set", as in LiteLLM
        // Unset refs stay as present-but-undefined keys so unknown-key checks still see them.
        out[key] = visit(child, [...path, key]);
      }
      return out;
    }
    return node;
  };

  return { tree: visit(tree, []), unset, fromEnv };
}

/** Sets a value at `path` only when nothing is there yet (env fallbacks for settings). */
export function fillIfAbsent(root: Record<string, unknown>, path: ConfigPath, value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  let node: Record<string, unknown> = root;
  for (const seg of path.slice(0, -1)) {
    const next = node[seg];
    if (next === undefined || next === null) node[seg] = {};
    else if (!isRecord(next)) return false;
    node = node[seg] as Record<string, unknown>;
  }
  const last = path[path.length - 1] as string;
  if (node[last] !== undefined && node[last] !== null) return false;
  node[last] = value;
  return true;
}
