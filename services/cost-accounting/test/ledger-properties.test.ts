import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createLedger } from '../src/domain/ledger.ts';
import { createMemoryAuthority } from '../src/domain/memory-authority.ts';
import { createSliceAuthority } from '../src/domain/slices.ts';
import { estimateChatReservation } from '../src/domain/estimate.ts';
import { limits } from './fixtures.ts';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 10);
const key = { kind: 'key' as const, id: 'k1' };
const tenant = { keyId: 'k1', teamId: null, userId: null };

type Op = { kind: 'reserve'; cost: number } | { kind: 'settle'; pick: number; share: number } | { kind: 'release'; pick: number };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('reserve' as const), cost: fc.double({ min: 0.001, max: 0.4, noNaN: true }) }),
  fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), share: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
);

describe('ledger properties', () => {
  for (const sliced of [false, true]) {
    test(`ledger - ${sliced ? 'sliced: ' : ''}when actual cost stays within the estimate, spend + reserved never exceeds max_budget`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
          const memory = createMemoryAuthority();
          memory.loadScope(key, limits({ maxBudgetUsd: 1 }), T0);
          const authority = sliced
            ? createSliceAuthority({ deps: { upstream: memory }, options: { replicaId: 'a', slice: { costUsd: 0.3, requests: 5, tokens: 1e6, parallel: 10 }, maxRequestTtlMs: 600_000 } })
            : memory;
          const ledger = createLedger({ deps: { authority, now: () => T0 } });
          const open: { id: string; cost: number }[] = [];
          let spent = 0;
          let n = 0;
          for (const o of ops) {
            if (o.kind === 'reserve') {
              const id = `r${n++}`;
              try {
                await ledger.reserve({ id, tenant, amount: { costUsd: o.cost, requests: 1, tokens: 10, parallel: 1 } });
                open.push({ id, cost: o.cost });
              } catch {
                // refused: fine, the property is about what was admitted
              }
            } else if (open.length > 0) {
              const [r] = open.splice(o.pick % open.length, 1);
              if (o.kind === 'settle') {
                const actual = r!.cost * o.share;
                spent += actual;
                await ledger.settle(r!.id, { costUsd: actual, tokens: 5 });
                // In sliced mode the memory upstream books spend via the completed event, as recordCompleted does.
                if (sliced) memory.loadScope(key, limits({ maxBudgetUsd: 1 }), T0, { spendUsd: spent });
              } else {
                await ledger.release(r!.id);
              }
            }
            const c = memory.counters(key, T0)!;
            const inFlight = open.reduce((s, r) => s + r.cost, 0);
            assert.ok(spent + inFlight <= 1 + 1e-9, `admitted ${spent + inFlight} > 1`);
            assert.ok(c.spendUsd + c.reservedUsd <= 1 + 1e-9 || sliced, `counters ${c.spendUsd} + ${c.reservedUsd}`);
          }
        }),
        { numRuns: 150 },
      );
    });
  }

  test('estimate - a chat reservation prices counted prompt tokens and the max_tokens cap', () => {
    const e = estimateChatReservation({ request: { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 100 } });
    assert.equal(e.completionTokens, 100);
    assert.ok(e.promptTokens > 5 && e.promptTokens < 20);
    assert.ok(Math.abs(e.amount.costUsd - (e.promptTokens * 2.5e-6 + 100 * 10e-6)) < 1e-15);
    assert.equal(e.amount.tokens, e.promptTokens + 100);
    const unknown = estimateChatReservation({ request: { model: 'my-llama', messages: [{ role: 'user', content: 'x' }] } });
    assert.equal(unknown.priced, false);
    assert.equal(unknown.amount.costUsd, 0);
    assert.equal(unknown.completionTokens, 1024);
  });
});
