// Pure conversation fitting: drops whole turns (oldest first, or from the middle out) until a token budget holds.
import type { openai } from '@ai-gateway/kit';

export type TrimStrategy = 'trim' | 'middle-out';

export interface TrimResult {
  messages: openai.ChatMessage[];
  /** Messages removed. */
  dropped: number;
  tokens: number;
  fits: boolean;
}

/** A run of messages that must be kept or dropped together (an assistant tool call with its results). */
interface Unit {
  start: number;
  end: number; // exclusive
}

const isSystem = (m: openai.ChatMessage): boolean => m.role === 'system' || m.role === 'developer';

/**
 * Splits the droppable history into units. An assistant message carrying tool_calls and the tool/function
 * messages that follow it form one unit, so a call is never kept without its result or the reverse.
 */
function unitsOf(messages: readonly openai.ChatMessage[], from: number, to: number): Unit[] {
  const units: Unit[] = [];
  let i = from;
  while (i < to) {
    const m = messages[i];
    let end = i + 1;
    if (m && m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
      while (end < to && (messages[end]?.role === 'tool' || messages[end]?.role === 'function')) end++;
    } else if (m && (m.role === 'tool' || m.role === 'function')) {
      // Orphan results (their call is outside the history window) travel together too.
      while (end < to && (messages[end]?.role === 'tool' || messages[end]?.role === 'function')) end++;
    }
    units.push({ start: i, end });
    i = end;
  }
  return units;
}

/** Index of the latest user turn: the last user message; everything from it to the end is kept. */
function latestTurnStart(messages: readonly openai.ChatMessage[]): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === 'user') return i;
  // No user message: keep the last non-system unit whole.
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m && !isSystem(m) && m.role !== 'tool' && m.role !== 'function') return i;
  }
  return messages.length;
}

/** Order in which units are dropped: oldest first, or alternating outward from the middle. */
function dropOrder(count: number, strategy: TrimStrategy): number[] {
  const order: number[] = [];
  if (strategy === 'trim') {
    for (let i = 0; i < count; i++) order.push(i);
    return order;
  }
  const mid = Math.floor((count - 1) / 2);
  for (let step = 0; order.length < count; step++) {
    const left = mid - step;
    const right = mid + step + 1;
    if (left >= 0) order.push(left);
    if (right < count) order.push(right);
  }
  return order;
}

/**
 * Removes history until the tokens fit `budget`. `tokensOf` counts one message, `overhead` the rest of the
 * prompt (reply priming, tool definitions). Always kept: every system/developer message and the latest user
 * turn (the last user message and what follows it). Returns fits=false when even that is too big.
 */
export function fitMessages(
  messages: readonly openai.ChatMessage[],
  budget: number,
  tokensOf: (message: openai.ChatMessage) => number,
  overhead: number,
  strategy: TrimStrategy,
): TrimResult {
  const sizes = messages.map(tokensOf);
  let current = overhead + sizes.reduce((a, b) => a + b, 0);
  if (current <= budget) return { messages: [...messages], dropped: 0, tokens: current, fits: true };
  const keepFrom = latestTurnStart(messages);
  // System messages inside the history stay in place; only the others form droppable units.
  const units = unitsOf(messages, 0, keepFrom).filter((u) => !(u.end - u.start === 1 && isSystem(messages[u.start] as openai.ChatMessage)));
  const removed = new Set<number>();
  for (const u of dropOrder(units.length, strategy)) {
    if (current <= budget) break;
    const unit = units[u];
    if (!unit) continue;
    for (let i = unit.start; i < unit.end; i++) {
      removed.add(i);
      current -= sizes[i] ?? 0;
    }
  }
  const kept = messages.filter((_, i) => !removed.has(i));
  return { messages: kept, dropped: removed.size, tokens: current, fits: current <= budget };
}

/** True when every tool result answers a call kept before it, and every kept call keeps the results it had. */
export function toolPairsIntact(original: readonly openai.ChatMessage[], trimmed: readonly openai.ChatMessage[]): boolean {
  const resultsIn = (list: readonly openai.ChatMessage[]): Set<string> =>
    new Set(list.filter((m) => m.role === 'tool' && typeof m.tool_call_id === 'string').map((m) => m.tool_call_id as string));
  const originalResults = resultsIn(original);
  const keptResults = resultsIn(trimmed);
  const calls = new Set<string>();
  for (const m of trimmed) {
    for (const c of m.tool_calls ?? []) {
      calls.add(c.id);
      if (originalResults.has(c.id) && !keptResults.has(c.id)) return false;
    }
    if (m.role === 'tool' && typeof m.tool_call_id === 'string') {
      const hadCall = original.some((o) => (o.tool_calls ?? []).some((c) => c.id === m.tool_call_id));
      if (hadCall && !calls.has(m.tool_call_id)) return false;
    }
  }
  return true;
}
