// The accounting service on an in-process bus: key lookups, admin changes broadcast, completed events recorded
// then settled (memory authority) and announced to the holder of a slice.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { avroCodec, createInProcessBus, createLogger, subjectsFor, type Bus } from '@ai-gateway/kit';
import { createMemoryAuthority, type MemoryAuthority } from '../src/domain/memory-authority.ts';
import { hashKey } from '../src/domain/keys.ts';
import { startAccountingService, type AccountingService } from '../src/service/accounting-service.ts';
import { openAccountingStore, type OpenedStore } from '../src/service/open-store.ts';
import { HOLDER_METADATA, createBusAdmin, createBusKeyDirectory, watchKeyChanges, watchSettled, type Settled } from '../src/service/protocol.ts';
import type { KeyChange } from '../src/admin/types.ts';
import { completedEvent } from './fixtures.ts';

const logger = createLogger({ name: 'test', level: 'silent' });
const subjects = subjectsFor('');
const until = async (cond: () => boolean | Promise<boolean>, ms = 3_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('accounting service (in-process bus, PGlite)', () => {
  let bus: Bus;
  let opened: OpenedStore;
  let memory: MemoryAuthority;
  let service: AccountingService;

  before(async () => {
    bus = createInProcessBus();
    opened = await openAccountingStore({ dataDir: null });
    memory = createMemoryAuthority();
    service = await startAccountingService({ deps: { bus, subjects, store: opened.store, sql: opened.sql, logger, authority: memory, memory }, options: { sweepEveryMs: 50 } });
  });
  after(async () => {
    await service.close();
    await opened.close();
    await bus.close();
  });

  test('service - admin over the bus creates a key, broadcasts the change and loads its limits into memory', async () => {
    const changes: KeyChange[] = [];
    const w = watchKeyChanges({ deps: { bus, subjects }, onChange: (c) => changes.push(c) });
    const admin = createBusAdmin({ deps: { bus, subjects } });
    const r = await admin.handle({ method: 'POST', path: '/key/generate', query: {}, body: { key_alias: 'svc', rpm_limit: 1 } });
    assert.equal(r.status, 200);
    const { key, token_id: keyId } = r.body as { key: string; token_id: string };
    await until(() => changes.length === 1);
    assert.deepEqual(changes[0]?.keyIds, [keyId]);
    const grant = await createBusKeyDirectory({ deps: { bus, subjects } }).lookup(hashKey(key));
    assert.equal(grant?.keyAlias, 'svc');
    // The memory authority now enforces rpm 1 for this key.
    const hold = (id: string) => ({ id, scopes: [{ kind: 'key' as const, id: keyId }], amount: { costUsd: 0, requests: 1, tokens: 1, parallel: 1 }, heldInMinuteMs: Date.now() - (Date.now() % 60_000), expiresAtMs: Date.now() + 60_000 });
    assert.equal(await memory.acquire(hold('a'), Date.now()), null);
    assert.equal((await memory.acquire(hold('b'), Date.now()))?.limit, 'rpm');
    w.stop();
    const bad = await admin.handle({ method: 'POST', path: '/key/generate', query: {}, body: { max_budget: -1 } });
    assert.equal(bad.status, 400);
  });

  test('service - a completed event is recorded once, settles its hold and notifies the slice holder', async () => {
    const settled: Settled[] = [];
    const w = watchSettled({ deps: { bus, subjects }, holder: 'ingress-1', onSettled: (s) => settled.push(s) });
    const tenant = { keyId: 'k-svc', keyAlias: null, teamId: null, userId: null, projectId: null };
    await memory.acquire({ id: 'req-1', scopes: [{ kind: 'key', id: 'k-svc' }], amount: { costUsd: 0.5, requests: 1, tokens: 10, parallel: 1 }, heldInMinuteMs: 0, expiresAtMs: Date.now() + 60_000 }, Date.now());
    memory.loadScope({ kind: 'key', id: 'k-svc' }, { label: null, maxBudgetUsd: 10, budgetDuration: null, rpmLimit: null, tpmLimit: null, maxParallelRequests: null }, Date.now());
    const evt = completedEvent({ requestId: 'req-1', tenant, costUsd: 0.25, metadata: { [HOLDER_METADATA]: 'ingress-1' } });
    await bus.publishDurable(subjects.completed, avroCodec.encodeCompleted(evt));
    await bus.publishDurable(subjects.completed, avroCodec.encodeCompleted(evt)); // redelivery
    await until(() => settled.length >= 1);
    assert.deepEqual(settled[0], { requestId: 'req-1', costUsd: 0.25, tokens: 150 });
    await until(async () => (await opened.store.getSpendLog('req-1')) !== null);
    assert.equal(await memory.release('req-1', Date.now()), false, 'the hold was settled before the holder was told');
    assert.equal(memory.counters({ kind: 'key', id: 'k-svc' }, Date.now())?.spendUsd, 0.25);
    await until(() => service.recorded === 1);
    w.stop();
  });

  test('service - an event Postgres refuses as is (NUL in text) is recorded without it and never blocks the stream', async () => {
    const tenant = { keyId: null, keyAlias: null, teamId: null, userId: null, projectId: null };
    await bus.publishDurable(subjects.completed, avroCodec.encodeCompleted(completedEvent({ requestId: 'req-nul', tenant, requestedModel: 'gpt\u0000x' })));
    await bus.publishDurable(subjects.completed, avroCodec.encodeCompleted(completedEvent({ requestId: 'req-after', tenant })));
    await until(async () => (await opened.store.getSpendLog('req-after')) !== null);
    assert.equal((await opened.store.getSpendLog('req-nul'))?.model, 'gptx');
  });
});
