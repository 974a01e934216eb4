// Virtual-key authentication: the master key, or a key looked up by its sha256 once and then served from a
// local cache that key-change events invalidate, so a request costs no round trip to accounting.
import { timingSafeEqual } from 'node:crypto';
import { GatewayError, TENANT_GUARDRAILS_METADATA, encodeGrantGuardrails, type KeyGrant, type Tenant } from '@ai-gateway/kit';
import { ANONYMOUS, secretDigest, type Authenticator } from './auth.ts';

/** What accounting says about a key: the bus contract from kit. */
export type KeyGrantView = KeyGrant;

export interface KeyDirectory {
  lookup(keyHash: string): Promise<KeyGrantView | null>;
}

export interface KeyChangeView {
  keyIds: string[];
  keyHashes: string[];
  teamIds: string[];
  userIds: string[];
}

export interface KeyAuthenticator extends Authenticator {
  /** Drops cached entries a key/team/user change touches. */
  invalidate(change: KeyChangeView): void;
  /** Throws model_not_allowed unless the key and its team both allow `model`. Master/anonymous: allowed. */
  checkModel(tenant: Tenant, model: string): void;
  /** Envelope metadata from the key's grant (its and its team's guardrail switches); empty when none. */
  metadataOf(tenant: Tenant): Readonly<Record<string, string>>;
  readonly cacheSize: number;
}

export interface KeyAuthOptions {
  masterKey: string | null;
  /** A cached key is re-read after this long even without an event (missed-event safety net). */
  ttlMs: number;
  /** Unknown keys are remembered this long (brute force must not reach the database). */
  negativeTtlMs: number;
  maxEntries: number;
}

interface Entry {
  grant: KeyGrantView | null;
  tenant: Tenant | null;
  atMs: number;
}

const NO_METADATA: Readonly<Record<string, string>> = Object.freeze({});

function grantMetadata(grant: KeyGrantView): Readonly<Record<string, string>> {
  const guardrails = encodeGrantGuardrails(grant.guardrails);
  return guardrails ? Object.freeze({ [TENANT_GUARDRAILS_METADATA]: guardrails }) : NO_METADATA;
}

function allows(list: readonly string[], model: string): boolean {
  if (list.length === 0) return true;
  return list.some((m) => m === model || m === '*' || m === 'all-proxy-models' || (m.endsWith('/*') && model.startsWith(m.slice(0, -1))));
}

export function createKeyAuthenticator(input: { deps: { directory: KeyDirectory; now?: () => number }; options?: Partial<KeyAuthOptions> }): KeyAuthenticator {
  const { directory } = input.deps;
  const now = input.deps.now ?? Date.now;
  const opts: KeyAuthOptions = { masterKey: null, ttlMs: 10 * 60_000, negativeTtlMs: 5_000, maxEntries: 100_000, ...input.options };
  const master = opts.masterKey ? secretDigest(opts.masterKey) : null;
  const masterTenant: Tenant = Object.freeze({ keyId: 'master', keyAlias: 'master', teamId: null, userId: null, projectId: null });
  const cache = new Map<string, Entry>();
  const pending = new Map<string, Promise<Entry>>();
  const grants = new WeakMap<Tenant, KeyGrantView>();
  const metadata = new WeakMap<Tenant, Readonly<Record<string, string>>>();
  // Bumped by every invalidation: a lookup that started before it must not cache what it read.
  let generation = 0;

  async function load(hash: string): Promise<Entry> {
    const started = generation;
    const grant = await directory.lookup(hash);
    const tenant = grant ? Object.freeze({ keyId: grant.keyId, keyAlias: grant.keyAlias, teamId: grant.teamId, userId: grant.userId, projectId: null }) : null;
    if (tenant && grant) {
      grants.set(tenant, grant);
      metadata.set(tenant, grantMetadata(grant));
    }
    const entry: Entry = { grant, tenant, atMs: now() };
    if (started === generation) {
      if (cache.size >= opts.maxEntries) cache.delete(cache.keys().next().value as string);
      cache.set(hash, entry);
    }
    return entry;
  }

  function entryFor(hash: string): Promise<Entry> | Entry {
    const e = cache.get(hash);
    if (e && now() - e.atMs < (e.grant ? opts.ttlMs : opts.negativeTtlMs)) return e;
    let p = pending.get(hash);
    if (!p) {
      p = load(hash).finally(() => pending.delete(hash));
      pending.set(hash, p);
    }
    return p;
  }

  function admit(e: Entry): Tenant {
    if (!e.grant || !e.tenant) {
      if (!master) return ANONYMOUS;
      throw new GatewayError('invalid_api_key');
    }
    if (e.grant.expiresAtMs !== null && e.grant.expiresAtMs <= now()) {
      throw new GatewayError('key_expired', { params: { expiresAt: new Date(e.grant.expiresAtMs).toISOString() } });
    }
    if (e.grant.blocked) throw new GatewayError('forbidden', { status: 401, params: { detail: 'API key is blocked.' } });
    return e.tenant;
  }

  return {
    get open() {
      return master === null;
    },
    get cacheSize() {
      return cache.size;
    },
    authenticate(token) {
      if (!token) {
        if (!master) return ANONYMOUS;
        throw new GatewayError('missing_api_key');
      }
      const digest = secretDigest(token);
      if (master && timingSafeEqual(digest, master)) return masterTenant;
      const e = entryFor(digest.toString('hex'));
      return e instanceof Promise ? e.then(admit) : admit(e);
    },
    checkModel(tenant, model) {
      const g = grants.get(tenant);
      if (!g) return;
      if (!allows(g.keyModels, model)) {
        throw new GatewayError('model_not_allowed', { params: { model, allowed: g.keyModels.join(', ') }, param: 'model' });
      }
      if (!allows(g.teamModels, model)) {
        throw new GatewayError('model_not_allowed', { params: { model, allowed: `${g.teamModels.join(', ')} (team ${g.teamId})` }, param: 'model' });
      }
    },
    metadataOf(tenant) {
      return metadata.get(tenant) ?? NO_METADATA;
    },
    invalidate(change) {
      generation++;
      const hashes = new Set(change.keyHashes);
      const keys = new Set(change.keyIds);
      const teams = new Set(change.teamIds);
      const users = new Set(change.userIds);
      for (const [hash, e] of cache) {
        const g = e.grant;
        if (hashes.has(hash) || (g && (keys.has(g.keyId) || (g.teamId && teams.has(g.teamId)) || (g.userId && users.has(g.userId))))) cache.delete(hash);
      }
    },
  };
}
