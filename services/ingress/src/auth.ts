// Authentication port of the ingress: turns the caller's credential into a Tenant, or refuses.
import { GatewayError, type Tenant } from '@ai-gateway/kit';
import { hash, timingSafeEqual } from 'node:crypto';

export interface Authenticator {
  /** `token` is the bearer / x-api-key value, or null when the request carried none. */
  authenticate(token: string | null): Promise<Tenant> | Tenant;
  readonly open: boolean;
}

export const ANONYMOUS: Tenant = Object.freeze({ keyId: null, keyAlias: null, teamId: null, userId: null, projectId: null });

/** Digests of the secrets seen last: a client sends the same key on every request. Bounded; oldest out first. */
const recentDigests = new Map<string, Buffer>();
const RECENT_DIGESTS = 1_024;

/** sha256 of a secret, compared with timingSafeEqual; a secret seen recently is not hashed again. */
export function secretDigest(s: string): Buffer {
  let d = recentDigests.get(s);
  if (d === undefined) {
    d = hash('sha256', s, 'buffer');
    if (recentDigests.size >= RECENT_DIGESTS) recentDigests.delete(recentDigests.keys().next().value as string);
    recentDigests.set(s, d);
  }
  return d;
}

/** Master-key-only auth; with no master key the gateway runs open. */
export function masterKeyAuthenticator(masterKey: string | null): Authenticator {
  const expected = masterKey ? secretDigest(masterKey) : null;
  const master: Tenant = Object.freeze({ keyId: 'master', keyAlias: 'master', teamId: null, userId: null, projectId: null });
  return {
    open: expected === null,
    authenticate(token) {
      if (expected === null) return ANONYMOUS;
      if (!token) throw new GatewayError('missing_api_key');
      if (!timingSafeEqual(secretDigest(token), expected)) throw new GatewayError('invalid_api_key');
      return master;
    },
  };
}

export function extractToken(headers: Record<string, string | string[] | undefined>): string | null {
  const auth = headers['authorization'];
  if (typeof auth === 'string' && auth.length > 0) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    return m ? m[1]!.trim() : auth.trim();
  }
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.length > 0) return apiKey.trim();
  return null;
}
