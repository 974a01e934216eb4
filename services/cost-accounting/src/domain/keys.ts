// Virtual keys: generation, sha256 hashing (only the hash is stored) and the display prefix.
import { createHash, randomBytes } from 'node:crypto';

export function generateKey(): string {
  return `sk-${randomBytes(24).toString('base64url')}`;
}

export function hashKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** What operators see in listings: enough to recognise a key, useless to an attacker. */
export function keyPrefix(secret: string): string {
  return `${secret.slice(0, 7)}…${secret.slice(-4)}`;
}
