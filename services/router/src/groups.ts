// Model groups: which deployments serve a requested model name (exact, alias or wildcard).
import type { RouterDeployment } from './routing-types.ts';

export interface ModelGroups {
  /** Deployments serving `model`, or null when the name is unknown. Wildcard matches get their provider model filled in. */
  resolve(model: string): readonly RouterDeployment[] | null;
  has(model: string): boolean;
  /** Names clients may ask for (exact groups and aliases; wildcard patterns as written). */
  names(): string[];
}

interface Wildcard {
  pattern: RegExp;
  deployments: RouterDeployment[];
}

function wildcardRegex(name: string): RegExp {
  const escaped = name.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('(.+)')}$`);
}

/** The concrete provider model for a wildcard match: `openai/*` asked as `openai/gpt-4o` → `gpt-4o`. */
function instantiate(d: RouterDeployment, captured: string): RouterDeployment {
  const providerModel = d.providerModel.includes('*') ? d.providerModel.replace('*', captured) : d.providerModel;
  return { ...d, providerModel, wildcard: false };
}

export function createModelGroups(deployments: readonly RouterDeployment[], aliases: Record<string, string> = {}): ModelGroups {
  const exact = new Map<string, RouterDeployment[]>();
  const wildcards: Wildcard[] = [];
  const wildcardByName = new Map<string, Wildcard>();
  for (const d of deployments) {
    if (d.wildcard || d.modelGroup.includes('*')) {
      let w = wildcardByName.get(d.modelGroup);
      if (!w) {
        w = { pattern: wildcardRegex(d.modelGroup), deployments: [] };
        wildcardByName.set(d.modelGroup, w);
        wildcards.push(w);
      }
      w.deployments.push(d);
    } else {
      const list = exact.get(d.modelGroup) ?? [];
      list.push(d);
      exact.set(d.modelGroup, list);
    }
  }
  // Instantiated wildcard groups are cached so routing state (round-robin, latency) stays per model.
  const instantiated = new Map<string, RouterDeployment[]>();

  function resolve(model: string): readonly RouterDeployment[] | null {
    const direct = exact.get(model) ?? exact.get(aliases[model] ?? '');
    if (direct) return direct;
    const cached = instantiated.get(model);
    if (cached) return cached;
    for (const w of wildcards) {
      const m = w.pattern.exec(model);
      if (!m) continue;
      // `*` alone captures the whole name; strip a provider prefix the deployment already carries.
      const captured = m[1] ?? model;
      const list = w.deployments.map((d) => {
        const prefix = `${d.provider}/`;
        const c = w.pattern.source === '^(.+)$' && captured.startsWith(prefix) ? captured.slice(prefix.length) : captured;
        return { ...instantiate(d, c), id: `${d.id}:${model}`, modelGroup: model };
      });
      if (instantiated.size < 10_000) instantiated.set(model, list);
      return list;
    }
    return null;
  }

  return {
    resolve,
    has: (model) => resolve(model) !== null,
    names: () => [...exact.keys(), ...Object.keys(aliases), ...wildcardByName.keys()],
  };
}
