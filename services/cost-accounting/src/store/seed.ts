// Embedded mode: the in-memory authority is the live truth; at boot it is seeded from the store's budgets
// (limits and current-period spend), and recordCompleted keeps writing spend behind it.
import type { MemoryAuthority } from '../domain/memory-authority.ts';
import type { Store } from './port.ts';

export async function seedMemoryAuthority(input: { deps: { store: Store; authority: MemoryAuthority }; nowMs?: number }): Promise<number> {
  const { store, authority } = input.deps;
  const nowMs = input.nowMs ?? Date.now();
  const rows = await store.listBudgets();
  for (const row of rows) {
    authority.loadScope(row.scope, row.limits, nowMs, {
      spendUsd: row.counters.spendUsd,
      periodStartMs: row.counters.periodStartMs,
      budgetResetAtMs: row.counters.budgetResetAtMs,
    });
  }
  return rows.length;
}
