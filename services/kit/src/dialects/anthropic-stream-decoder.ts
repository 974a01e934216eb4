// Stateful decoder: Anthropic stream events → canonical OpenAI chat.completion.chunk objects.
import { GatewayError } from '../errors/index.ts';
import type * as oa from './openai.ts';
import type { StopReason, StreamEvent, Usage } from './anthropic-types.ts';
import { stopReasonToFinishReason, usageToOpenAI } from './anthropic-outbound.ts';

export interface OpenAIChunkDecoder {
  /** Chunks for one Anthropic event (possibly none). Throws GatewayError on an `error` event. */
  push(event: StreamEvent): oa.ChatCompletionChunk[];
  /** True once message_stop was seen. */
  readonly done: boolean;
  /** Usage so far (input from message_start, output from message_delta). */
  readonly usage: oa.CompletionUsage;
}

export function createOpenAIChunkDecoder(opts: { created?: number } = {}): OpenAIChunkDecoder {
  const created = opts.created ?? Math.floor(Date.now() / 1000);
  let id = '';
  let model = '';
  let done = false;
  let usage: Partial<Usage> = {};
  let stopReason: StopReason | null = null;
  /** Anthropic block index → OpenAI tool_calls index. */
  const toolIndex = new Map<number, number>();

  function chunk(delta: oa.ChatCompletionChunkChoice['delta'], finish: oa.FinishReason | null = null): oa.ChatCompletionChunk {
    return { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] };
  }

  function onEvent(ev: StreamEvent): oa.ChatCompletionChunk[] {
    switch (ev.type) {
      case 'message_start':
        id = ev.message.id;
        model = ev.message.model;
        usage = { ...ev.message.usage };
        return [chunk({ role: 'assistant', content: '' })];
      case 'content_block_start': {
        const b = ev.content_block;
        if (b.type === 'text') return b.text ? [chunk({ content: b.text })] : [];
        if (b.type !== 'tool_use') return [];
        const idx = toolIndex.size;
        toolIndex.set(ev.index, idx);
        const args = Object.keys(b.input ?? {}).length > 0 ? JSON.stringify(b.input) : '';
        return [chunk({ tool_calls: [{ index: idx, id: b.id, type: 'function', function: { name: b.name, arguments: args } }] })];
      }
      case 'content_block_delta': {
        const d = ev.delta;
        if (d.type === 'text_delta') return d.text === '' ? [] : [chunk({ content: d.text })];
        if (d.type === 'thinking_delta') return [chunk({ reasoning_content: d.thinking })];
        if (d.type !== 'input_json_delta' || d.partial_json === '') return [];
        const idx = toolIndex.get(ev.index);
        if (idx === undefined) return [];
        return [chunk({ tool_calls: [{ index: idx, function: { arguments: d.partial_json } }] })];
      }
      case 'message_delta': {
        stopReason = ev.delta.stop_reason;
        for (const [k, v] of Object.entries(ev.usage)) if (typeof v === 'number') usage[k] = v;
        return [chunk({}, stopReasonToFinishReason(stopReason) ?? 'stop')];
      }
      case 'message_stop':
        done = true;
        return [{ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usageToOpenAI(usage) }];
      case 'error':
        throw new GatewayError('upstream_error', { params: { detail: `${ev.error.type}: ${ev.error.message}` } });
      default:
        return [];
    }
  }

  return {
    push: onEvent,
    get done() { return done; },
    get usage() { return usageToOpenAI(usage); },
  };
}
