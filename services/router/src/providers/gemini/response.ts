// Gemini GenerateContentResponse → OpenAI chat.completion; safety blocks → content_policy errors.
import { randomUUID } from 'node:crypto';
import type { openai } from '@ai-gateway/kit';
import { ProviderError } from '../types.ts';
import { isRecord, malformed } from '../shared/errors.ts';
import type { GeminiCandidate, GeminiResponse, GeminiUsageMetadata } from './wire.ts';

const FINISH: Record<string, openai.FinishReason> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  MALFORMED_FUNCTION_CALL: 'stop',
};

export function finishReason(reason: string | undefined, hasToolCalls: boolean): openai.FinishReason | null {
  if (reason === undefined || reason === 'FINISH_REASON_UNSPECIFIED') return null;
  const mapped = FINISH[reason] ?? 'stop';
  return mapped === 'stop' && hasToolCalls ? 'tool_calls' : mapped;
}

/** Decode step: checks the value is shaped like a GenerateContentResponse (or its error body). */
export function decodeGeminiResponse(body: unknown): GeminiResponse {
  if (!isRecord(body)) throw malformed('gemini answered a non-object body');
  if (body.candidates !== undefined && !Array.isArray(body.candidates)) throw malformed('gemini candidates is not an array');
  if (body.candidates === undefined && body.promptFeedback === undefined && body.usageMetadata === undefined) {
    throw malformed('gemini response has neither candidates nor promptFeedback');
  }
  return body as GeminiResponse;
}

/** A prompt blocked before generation has no candidates, only promptFeedback.blockReason. */
export function blockedPromptError(res: GeminiResponse): ProviderError | null {
  const reason = res.promptFeedback?.blockReason;
  if (!reason || (res.candidates?.length ?? 0) > 0) return null;
  return new ProviderError('content_policy', `gemini blocked the prompt (${reason})`, { status: 400, providerBody: res.promptFeedback });
}

export function toUsage(u: GeminiUsageMetadata | undefined): openai.CompletionUsage | undefined {
  if (!u) return undefined;
  const prompt = u.promptTokenCount ?? 0;
  const completion = (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0);
  const usage: openai.CompletionUsage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: u.totalTokenCount ?? prompt + completion };
  if (u.cachedContentTokenCount !== undefined) usage.prompt_tokens_details = { cached_tokens: u.cachedContentTokenCount };
  if (u.thoughtsTokenCount !== undefined) usage.completion_tokens_details = { reasoning_tokens: u.thoughtsTokenCount };
  return usage;
}

export function toolCallId(): string {
  return `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

export function candidateMessage(c: GeminiCandidate): openai.ChatCompletionChoice['message'] {
  let text = '';
  const toolCalls: openai.ToolCall[] = [];
  for (const p of c.content?.parts ?? []) {
    if (typeof p.text === 'string' && !p.thought) text += p.text;
    if (p.functionCall) {
      toolCalls.push({ id: p.functionCall.id ?? toolCallId(), type: 'function', function: { name: p.functionCall.name, arguments: JSON.stringify(p.functionCall.args ?? {}) } });
    }
  }
  const message: openai.ChatCompletionChoice['message'] = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

export function toChatCompletion(res: GeminiResponse, model: string, now: number = Date.now()): openai.ChatCompletion {
  const blocked = blockedPromptError(res);
  if (blocked) throw blocked;
  const choices = (res.candidates ?? []).map((c, i): openai.ChatCompletionChoice => {
    const message = candidateMessage(c);
    return { index: c.index ?? i, message, finish_reason: finishReason(c.finishReason, (message.tool_calls?.length ?? 0) > 0) ?? 'stop' };
  });
  const out: openai.ChatCompletion = {
    id: `chatcmpl-${res.responseId ?? randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(now / 1000),
    model: res.modelVersion ?? model,
    choices,
  };
  const usage = toUsage(res.usageMetadata);
  if (usage) out.usage = usage;
  return out;
}
