// Post-call hooks on the answer (output filtering, restoring pseudonymised values), run where replies are made.
import type { GuardrailVerdict, RequestEnvelope } from '../contracts/types.ts';
import type { GatewayError } from '../errors/index.ts';

export type FilterOutcome<T> = { ok: true; value: T } | { ok: false; error: GatewayError; verdict: GuardrailVerdict };

/**
 * One request's reply filter. Streams feed text deltas per choice; the filter may hold text back
 * (e.g. a term split across chunks) and release it later, but never more than it needs.
 */
export interface ReplyFilter {
  /** Non-stream: the whole response text of one choice → text to send, or a block. */
  text(choiceIndex: number, text: string): FilterOutcome<string>;
  /** Stream: one content delta of a choice → text to send now (possibly '' while holding back), or a block. */
  delta(choiceIndex: number, text: string): FilterOutcome<string>;
  /** Stream end for a choice: whatever is still held back, filtered. */
  flush(choiceIndex: number): FilterOutcome<string>;
  /** Verdicts this filter produced (flags), for the completed event. */
  verdicts(): GuardrailVerdict[];
}

/** Builds the filter for a request, or null when no post-call guardrail applies to it. */
export type ReplyFilterFactory = (env: RequestEnvelope) => ReplyFilter | null;
