// Virtual-key auth: one lookup per key then cached; key/team changes invalidate; expiry, blocking, model access.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { GatewayError } from '@ai-gateway/kit';
import { createKeyAuthenticator, type KeyGrantView } from '../src/auth-keys.ts';

const hash = (s: string) => createHash('sha256').update(s).digest('hex');
const grant = (over: Partial<KeyGrantView> = {}): KeyGrantView => ({
  keyId: 'k1', keyAlias: 'a', teamId: 't1', userId: null, keyModels: [], teamModels: [], expiresAtMs: null, blocked: false, ...over,
});

function directory(keys: Record<string, KeyGrantView>) {
  const calls: string[] = [];
  return {
    calls,
    keys,
    lookup: async (h: string) => {
      calls.push(h);
      return Object.entries(keys).find(([secret]) => hash(secret) === h)?.[1] ?? null;
    },
  };
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as GatewayError).code;
  }
  return null;
};

test('auth-keys - concurrent and repeated requests with one key cost one lookup', async () => {
  const dir = directory({ 'sk-1': grant() });
  const auth = createKeyAuthenticator({ deps: { directory: dir }, options: { masterKey: 'sk-master' } });
  const tenants = await Promise.all(Array.from({ length: 20 }, () => auth.authenticate('sk-1')));
  await auth.authenticate('sk-1');
  assert.equal(dir.calls.length, 1);
  assert.equal(tenants[0]?.keyId, 'k1');
  assert.equal((await auth.authenticate('sk-master')).keyId, 'master');
  assert.equal(dir.calls.length, 1, 'the master key never reaches the directory');
});

test('auth-keys - a key or team change drops the cached entry; a lookup racing the change is not cached', async () => {
  const dir = directory({ 'sk-1': grant({ teamModels: ['a'] }) });
  const auth = createKeyAuthenticator({ deps: { directory: dir }, options: { masterKey: 'sk-master' } });
  const t = await auth.authenticate('sk-1');
  assert.equal(code(() => auth.checkModel(t, 'b')), 'model_not_allowed');
  dir.keys['sk-1'] = grant({ teamModels: ['a', 'b'] });
  auth.invalidate({ keyIds: [], keyHashes: [], teamIds: ['t1'], userIds: [] });
  const t2 = await auth.authenticate('sk-1');
  assert.equal(code(() => auth.checkModel(t2, 'b')), null);
  // Race: the lookup starts, the key is deleted meanwhile; what it read must not stick.
  auth.invalidate({ keyIds: ['k1'], keyHashes: [], teamIds: [], userIds: [] });
  const pending = auth.authenticate('sk-1');
  delete dir.keys['sk-1'];
  auth.invalidate({ keyIds: ['k1'], keyHashes: [hash('sk-1')], teamIds: [], userIds: [] });
  await pending;
  await assert.rejects(async () => auth.authenticate('sk-1'), (e: GatewayError) => e.code === 'invalid_api_key');
});

test('auth-keys - unknown keys are 401 and remembered briefly; expired and blocked keys are 401', async () => {
  let now = 1_000_000;
  const dir = directory({ 'sk-old': grant({ expiresAtMs: now + 1_000 }), 'sk-blocked': grant({ keyId: 'k2', blocked: true }) });
  const auth = createKeyAuthenticator({ deps: { directory: dir, now: () => now }, options: { masterKey: 'sk-master', negativeTtlMs: 5_000 } });
  await assert.rejects(async () => auth.authenticate('sk-nope'), (e: GatewayError) => e.code === 'invalid_api_key');
  await assert.rejects(async () => auth.authenticate('sk-nope'), (e: GatewayError) => e.code === 'invalid_api_key');
  assert.equal(dir.calls.length, 1);
  await assert.rejects(async () => auth.authenticate(null), (e: GatewayError) => e.code === 'missing_api_key');
  assert.equal((await auth.authenticate('sk-old')).keyId, 'k1');
  now += 1_001;
  await assert.rejects(async () => auth.authenticate('sk-old'), (e: GatewayError) => e.code === 'key_expired' && e.status === 401);
  await assert.rejects(async () => auth.authenticate('sk-blocked'), (e: GatewayError) => e.status === 401);
});

test('auth-keys - model access is the intersection of key and team lists (empty = all, wildcards by prefix)', async () => {
  const dir = directory({ 'sk-1': grant({ keyModels: ['openai/*', 'claude'], teamModels: ['openai/gpt-4o', 'claude'] }) });
  const auth = createKeyAuthenticator({ deps: { directory: dir }, options: { masterKey: 'm' } });
  const t = await auth.authenticate('sk-1');
  assert.equal(code(() => auth.checkModel(t, 'openai/gpt-4o')), null);
  assert.equal(code(() => auth.checkModel(t, 'openai/gpt-4o-mini')), 'model_not_allowed', 'the team does not allow it');
  assert.equal(code(() => auth.checkModel(t, 'gemini')), 'model_not_allowed', 'the key does not allow it');
});

test("auth-keys - the grant's guardrail settings become envelope metadata; a key without settings adds none", async () => {
  const dir = directory({ 'sk-g': grant({ guardrails: { switches: { injection: true, pii: false }, requestMayModify: false } }), 'sk-n': grant({ keyId: 'k2' }) });
  const auth = createKeyAuthenticator({ deps: { directory: dir }, options: { masterKey: 'sk-master' } });
  assert.deepEqual(auth.metadataOf(await auth.authenticate('sk-g')), { 'x-gateway-tenant-guardrails': 'injection,-pii,!lock' });
  assert.deepEqual(auth.metadataOf(await auth.authenticate('sk-n')), {});
  assert.deepEqual(auth.metadataOf(await auth.authenticate('sk-master')), {});
});

test('auth-keys - secrets are compared by their sha256, also once the recent-digest memory has turned over', async () => {
  const dir = directory({ 'sk-team': grant() });
  const auth = createKeyAuthenticator({ deps: { directory: dir }, options: { masterKey: 'sk-master' } });
  assert.equal((await auth.authenticate('sk-master')).keyId, 'master');
  // More distinct secrets than the digest memory keeps: each is looked up under its own sha256.
  const refused = await Promise.all(
    Array.from({ length: 1_500 }, (_, i) => Promise.resolve().then(() => auth.authenticate(`sk-wrong-${i}`)).then(() => 'admitted', (e: unknown) => (e as GatewayError).code)),
  );
  assert.ok(refused.every((c) => c === 'invalid_api_key'));
  assert.equal(dir.calls.length, 1_500);
  assert.ok(dir.calls.every((h, i) => h === hash(`sk-wrong-${i}`)));
  assert.equal((await auth.authenticate('sk-team')).keyId, 'k1');
  assert.equal((await auth.authenticate('sk-master')).keyId, 'master', 'the master key, hashed again after eviction');
  await assert.rejects(Promise.resolve().then(() => auth.authenticate('sk-master ')), (e: unknown) => e instanceof GatewayError && e.code === 'invalid_api_key');
});
