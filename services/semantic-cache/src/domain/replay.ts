// Turns a stored chat.completion back into an answer: a fresh body, or the chunks of an SSE stream.
import type { openai } from '@ai-gateway/kit';

/** The stored answer with this request's id and time, so clients never see two answers with one id. */
export function freshCompletion(stored: string, requestId: string, nowMs: number): Record<string, unknown> {
  const body = JSON.parse(stored) as Record<string, unknown>;
  const prefix = body['object'] === 'text_completion' ? 'cmpl' : 'chatcmpl';
  if (body['object'] !== 'list') {
    body['id'] = `${prefix}-cache-${requestId}`;
    body['created'] = Math.floor(nowMs / 1000);
  }
  return body;
}

const PIECE = 48;

function pieces(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += PIECE) out.push(text.slice(i, i + PIECE));
  return out;
}

/** chat.completion.chunk JSON texts, in order: role, content pieces, tool calls, finish, then usage when asked. */
export function replayChunks(completion: Record<string, unknown>, includeUsage: boolean): string[] {
  const base = { id: completion['id'], object: 'chat.completion.chunk', created: completion['created'], model: completion['model'] };
  const fingerprint = completion['system_fingerprint'];
  const withBase = (rest: Record<string, unknown>) => JSON.stringify({ ...base, ...(fingerprint ? { system_fingerprint: fingerprint } : {}), ...rest });
  const out: string[] = [];
  const choices = (completion['choices'] as openai.ChatCompletion['choices'] | undefined) ?? [];
  for (const choice of choices) {
    const msg = choice.message ?? { role: 'assistant', content: null };
    out.push(withBase({ choices: [{ index: choice.index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] }));
    const content = typeof msg.content === 'string' ? msg.content : '';
    for (const p of pieces(content)) out.push(withBase({ choices: [{ index: choice.index, delta: { content: p }, logprobs: null, finish_reason: null }] }));
    const calls = (msg as { tool_calls?: Array<Record<string, unknown>> }).tool_calls;
    if (Array.isArray(calls) && calls.length > 0) {
      const delta = { tool_calls: calls.map((c, i) => ({ index: i, ...c })) };
      out.push(withBase({ choices: [{ index: choice.index, delta, logprobs: null, finish_reason: null }] }));
    }
    out.push(withBase({ choices: [{ index: choice.index, delta: {}, logprobs: null, finish_reason: choice.finish_reason ?? 'stop' }] }));
  }
  if (includeUsage && completion['usage']) out.push(withBase({ choices: [], usage: completion['usage'] }));
  return out;
}
