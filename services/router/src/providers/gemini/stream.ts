// Gemini SSE (`alt=sse`) → OpenAI chat.completion.chunk stream, usage last in its own chunk.
import { randomUUID } from 'node:crypto';
import type { openai } from '@ai-gateway/kit';
import { isRecord, malformed, mapStreamErrorObject } from '../shared/errors.ts';
import { parseEventJson } from '../shared/http.ts';
import type { SseEvent } from '../shared/sse.ts';
import { blockedPromptError, decodeGeminiResponse, finishReason, toolCallId, toUsage } from './response.ts';
import type { GeminiCandidate, GeminiUsageMetadata } from './wire.ts';

interface ChoiceState {
  sentRole: boolean;
  toolCalls: number;
}

/**
 * Gemini sends whole function calls in one event and cumulative usageMetadata on every event, so
 * tool calls become one delta each and usage is held until the stream ends (as OpenAI's
 * `include_usage` chunk: empty choices, usage set).
 */
export async function* geminiChunks(events: AsyncIterable<SseEvent>, model: string, now: number = Date.now()): AsyncGenerator<openai.ChatCompletionChunk> {
  const id = `chatcmpl-${randomUUID()}`;
  const created = Math.floor(now / 1000);
  let modelName = model;
  let usage: GeminiUsageMetadata | undefined;
  const states = new Map<number, ChoiceState>();
  for await (const ev of events) {
    const value = parseEventJson(ev);
    if (isRecord(value) && isRecord(value.error)) throw mapStreamErrorObject(value.error);
    const res = decodeGeminiResponse(value);
    const blocked = blockedPromptError(res);
    if (blocked) throw blocked;
    if (res.modelVersion) modelName = res.modelVersion;
    if (res.usageMetadata) usage = res.usageMetadata;
    const candidates = res.candidates ?? [];
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i];
      if (!c) continue;
      const index = c.index ?? i;
      let state = states.get(index);
      if (!state) {
        state = { sentRole: false, toolCalls: 0 };
        states.set(index, state);
      }
      const choice = chunkChoice(c, index, state);
      if (choice) yield { id, object: 'chat.completion.chunk', created, model: modelName, choices: [choice] };
    }
  }
  if (states.size === 0) throw malformed('gemini stream ended without a candidate');
  const u = toUsage(usage);
  if (u) yield { id, object: 'chat.completion.chunk', created, model: modelName, choices: [], usage: u };
}

function chunkChoice(c: GeminiCandidate, index: number, state: ChoiceState): openai.ChatCompletionChunkChoice | null {
  const delta: openai.ChatCompletionChunkChoice['delta'] = {};
  if (!state.sentRole) {
    delta.role = 'assistant';
    state.sentRole = true;
  }
  let text = '';
  const toolCalls: openai.ToolCallDelta[] = [];
  for (const p of c.content?.parts ?? []) {
    if (typeof p.text === 'string' && !p.thought) text += p.text;
    if (p.functionCall) {
      toolCalls.push({
        index: state.toolCalls++,
        id: p.functionCall.id ?? toolCallId(),
        type: 'function',
        function: { name: p.functionCall.name, arguments: JSON.stringify(p.functionCall.args ?? {}) },
      });
    }
  }
  if (text !== '') delta.content = text;
  if (toolCalls.length > 0) delta.tool_calls = toolCalls;
  const finish = finishReason(c.finishReason, state.toolCalls > 0);
  if (Object.keys(delta).length === 0 && finish === null) return null;
  return { index, delta, finish_reason: finish };
}
