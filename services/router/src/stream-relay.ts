// Forwards a committed provider stream to the client chunk by chunk, watching idle time, and tallies what was sent.
import type { GatewayError, GuardrailVerdict, ReplyFilter, ReplyWriter, openai } from '@ai-gateway/kit';
import type { AttemptGuard } from './attempts.ts';
import { receivedJsonOf } from './providers/shared/http.ts';
import type { PolledIterator } from './providers/types.ts';

/** What a finished (or broken) stream delivered. */
export interface StreamTally {
  usage: openai.CompletionUsage | null;
  completionChars: number;
  completionText: string;
  firstTokenAt: number | null;
  chunks: number;
  /** Assembled chat.completion, only when asked for (cache store). */
  assembled: openai.ChatCompletion | null;
}

interface ChoiceAcc {
  content: string;
  toolCalls: { id: string; name: string; arguments: string }[];
  finish: openai.FinishReason | null;
}

/** A post-call guardrail stopped the answer part-way. */
export class ReplyBlockedError extends Error {
  constructor(readonly gatewayError: GatewayError, readonly verdict: GuardrailVerdict) {
    super(gatewayError.message);
    this.name = 'ReplyBlockedError';
  }
}

/** Runs the reply filter over a chunk's content deltas (and flushes held-back text at a choice's end). */
function filterChunk(filter: ReplyFilter, chunk: openai.ChatCompletionChunk): void {
  for (const c of chunk.choices) {
    let text = '';
    if (typeof c.delta.content === 'string' && c.delta.content.length > 0) {
      const r = filter.delta(c.index, c.delta.content);
      if (!r.ok) throw new ReplyBlockedError(r.error, r.verdict);
      text = r.value;
    }
    if (c.finish_reason) {
      const r = filter.flush(c.index);
      if (!r.ok) throw new ReplyBlockedError(r.error, r.verdict);
      text += r.value;
    }
    if (typeof c.delta.content === 'string' || text.length > 0) c.delta.content = text;
  }
}

export interface RelayOptions {
  filter: ReplyFilter | null;
  includeUsage: boolean;
  assemble: boolean;
  idleTimeoutMs: number;
  now: () => number;
}

function deltaChars(chunk: openai.ChatCompletionChunk): number {
  let n = 0;
  for (const c of chunk.choices) {
    if (typeof c.delta.content === 'string') n += c.delta.content.length;
    for (const tc of c.delta.tool_calls ?? []) n += (tc.function?.arguments?.length ?? 0) + (tc.function?.name?.length ?? 0);
  }
  return n;
}

function accumulate(acc: Map<number, ChoiceAcc>, chunk: openai.ChatCompletionChunk): void {
  for (const c of chunk.choices) {
    let a = acc.get(c.index);
    if (!a) acc.set(c.index, (a = { content: '', toolCalls: [], finish: null }));
    if (typeof c.delta.content === 'string') a.content += c.delta.content;
    for (const tc of c.delta.tool_calls ?? []) {
      const slot = (a.toolCalls[tc.index] ??= { id: '', name: '', arguments: '' });
      if (tc.id) slot.id = tc.id;
      if (tc.function?.name) slot.name += tc.function.name;
      if (tc.function?.arguments) slot.arguments += tc.function.arguments;
    }
    if (c.finish_reason) a.finish = c.finish_reason;
  }
}

function assembleCompletion(first: openai.ChatCompletionChunk, acc: Map<number, ChoiceAcc>, usage: openai.CompletionUsage | null): openai.ChatCompletion {
  const choices = [...acc.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, a]) => {
      const message: openai.ChatCompletionChoice['message'] = { role: 'assistant', content: a.content.length || !a.toolCalls.length ? a.content : null };
      if (a.toolCalls.length) {
        message.tool_calls = a.toolCalls.map((t) => ({ id: t.id, type: 'function' as const, function: { name: t.name, arguments: t.arguments } }));
      }
      return { index, message, finish_reason: a.finish };
    });
  const out: openai.ChatCompletion = { id: first.id, object: 'chat.completion', created: first.created, model: first.model, choices };
  if (usage) out.usage = usage;
  return out;
}

/** How an OpenAI chunk asked with include_usage (the gateway always asks upstream) ends, until the last one. */
const NULL_USAGE_TAIL = ',"usage":null}';

/**
 * The chunk's JSON without its usage field, for a client that did not ask for usage. As received, a null usage is
 * the chunk's last key: cutting that tail off keeps every other byte as the provider sent it, where parsing and
 * serialising again cost more than the rest of the chunk's relay. (A parsed text ending in `,"usage":null}` has
 * usage as its top-level last key: the final brace closes the top-level object.)
 */
function withoutUsageJson(chunk: openai.ChatCompletionChunk, received: string | undefined): string {
  if (received !== undefined && chunk.usage === null && received.endsWith(NULL_USAGE_TAIL)) return `${received.slice(0, -NULL_USAGE_TAIL.length)}}`;
  const { usage: _dropped, ...rest } = chunk;
  return JSON.stringify(rest);
}

/**
 * Sends `first` and the rest of `iter` to the client. Throws what the iterator throws (the caller turns
 * it into an error event); the tally passed in is updated as chunks go so a failure still reports usage.
 */
export async function relayStream(
  first: openai.ChatCompletionChunk,
  iter: PolledIterator<openai.ChatCompletionChunk>,
  guard: AttemptGuard,
  reply: ReplyWriter,
  tally: StreamTally,
  o: RelayOptions,
): Promise<void> {
  const acc = new Map<number, ChoiceAcc>();
  guard.arm(o.idleTimeoutMs, `stream idle for more than ${o.idleTimeoutMs} ms`);
  try {
    let chunk: openai.ChatCompletionChunk | undefined = first;
    while (chunk) {
      if (o.filter) filterChunk(o.filter, chunk);
      const chars = deltaChars(chunk);
      if (chars > 0 && tally.firstTokenAt === null) tally.firstTokenAt = o.now();
      tally.completionChars += chars;
      if (chunk.usage) tally.usage = chunk.usage;
      if (o.assemble || chars > 0) accumulate(acc, chunk);
      const usageOnly = chunk.choices.length === 0 && chunk.usage;
      // Unfiltered and untranslated, a chunk goes out as the provider wrote it (no second serialisation).
      const received = o.filter ? undefined : receivedJsonOf(chunk);
      if (!o.includeUsage && 'usage' in chunk) {
        if (!usageOnly) {
          reply.send('data', 200, null, withoutUsageJson(chunk, received));
          tally.chunks++;
        }
      } else {
        reply.send('data', 200, null, received ?? JSON.stringify(chunk));
        tally.chunks++;
      }
      const next: IteratorResult<openai.ChatCompletionChunk> = iter.poll?.() ?? (await iter.next());
      guard.refresh();
      chunk = next.done ? undefined : next.value;
    }
  } finally {
    // Also after a failure: what reached the client is counted with the tokenizer, not guessed.
    tally.completionText = [...acc.values()].map((a) => a.content).join('');
  }
  guard.disarm();
  if (o.assemble) tally.assembled = assembleCompletion(first, acc, tally.usage);
}

export function emptyTally(): StreamTally {
  return { usage: null, completionChars: 0, completionText: '', firstTokenAt: null, chunks: 0, assembled: null };
}
