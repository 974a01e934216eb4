// Stateful encoder: canonical OpenAI chat.completion.chunk objects → Anthropic Messages SSE events.
import { isGatewayError } from '../errors/index.ts';
import type * as oa from './openai.ts';
import type { SseEvent, StopReason, StreamEvent, Usage } from './anthropic-types.ts';
import { anthropicMessageId, finishReasonToStopReason, usageToAnthropic } from './anthropic-inbound.ts';

export interface AnthropicStreamEncoder {
  /** Events for one upstream chunk (possibly none). */
  push(chunk: oa.ChatCompletionChunk): SseEvent[];
  /** Closing events (open block stop, message_delta, message_stop); call once when the upstream ends. */
  end(): SseEvent[];
}

type OpenBlock = { kind: 'text'; index: number } | { kind: 'tool'; index: number; toolIndex: number; id: string };

function sse(ev: StreamEvent): SseEvent {
  return { event: ev.type, data: JSON.stringify(ev) };
}

/** `event: …\ndata: …\n\n`, ready to write to the response. */
export function formatSse(ev: SseEvent): string {
  return `event: ${ev.event}\ndata: ${ev.data}\n\n`;
}

/** The `event: error` for a failure after the 200 was sent; GatewayErrors keep their Anthropic type. */
export function errorEvent(err: unknown): SseEvent {
  if (isGatewayError(err)) {
    const body = err.toAnthropic();
    return sse({ type: 'error', error: body.error });
  }
  return sse({ type: 'error', error: { type: 'api_error', message: 'Internal server error' } });
}

export interface StreamEncoderOptions {
  /**
   * Prompt tokens for message_start, e.g. a local estimate: OpenAI reports usage only at the end, so
   * without it message_start says 0 and the real counts arrive in message_delta (which the SDK applies).
   */
  inputTokens?: number;
}

export function createAnthropicStreamEncoder(requestedModel: string, opts: StreamEncoderOptions = {}): AnthropicStreamEncoder {
  let started = false;
  let ended = false;
  let nextIndex = 0;
  let open: OpenBlock | null = null;
  let stopReason: StopReason | null = null;
  let usage: oa.CompletionUsage | null = null;

  function start(out: SseEvent[], id: string): void {
    started = true;
    const u = usage ? usageToAnthropic(usage) : { ...usageToAnthropic(null), input_tokens: opts.inputTokens ?? 0 };
    out.push(sse({
      type: 'message_start',
      message: {
        id: anthropicMessageId(id), type: 'message', role: 'assistant', model: requestedModel, content: [],
        stop_reason: null, stop_sequence: null, usage: { ...u, output_tokens: 0 },
      },
    }));
    out.push(sse({ type: 'ping' }));
  }

  function closeOpen(out: SseEvent[]): void {
    if (open === null) return;
    out.push(sse({ type: 'content_block_stop', index: open.index }));
    open = null;
  }

  function text(out: SseEvent[], t: string): void {
    if (open?.kind !== 'text') {
      closeOpen(out);
      open = { kind: 'text', index: nextIndex++ };
      out.push(sse({ type: 'content_block_start', index: open.index, content_block: { type: 'text', text: '' } }));
    }
    out.push(sse({ type: 'content_block_delta', index: open.index, delta: { type: 'text_delta', text: t } }));
  }

  function tool(out: SseEvent[], tc: oa.ToolCallDelta): void {
    // Anthropic blocks cannot interleave: a new tool index (or a new id) closes the previous block.
    const sameTool = open?.kind === 'tool' && open.toolIndex === tc.index && (tc.id === undefined || tc.id === '' || tc.id === open.id);
    if (!sameTool) {
      closeOpen(out);
      const index = nextIndex++;
      const id = tc.id !== undefined && tc.id !== '' ? tc.id : `toolu_gw_${index}`;
      open = { kind: 'tool', index, toolIndex: tc.index, id };
      out.push(sse({ type: 'content_block_start', index, content_block: { type: 'tool_use', id, name: tc.function?.name ?? '', input: {} } }));
    }
    const args = tc.function?.arguments;
    if (args !== undefined && args !== '' && open !== null) {
      out.push(sse({ type: 'content_block_delta', index: open.index, delta: { type: 'input_json_delta', partial_json: args } }));
    }
  }

  return {
    push(chunk) {
      const out: SseEvent[] = [];
      if (ended) return out;
      if (chunk.usage) usage = chunk.usage;
      if (!started) start(out, chunk.id);
      for (const choice of chunk.choices) {
        if (choice.index !== 0) continue;
        const d = choice.delta;
        if (typeof d.content === 'string' && d.content !== '') text(out, d.content);
        for (const tc of d.tool_calls ?? []) tool(out, tc);
        if (choice.finish_reason !== null && choice.finish_reason !== undefined) stopReason = finishReasonToStopReason(choice.finish_reason);
      }
      return out;
    },
    end() {
      const out: SseEvent[] = [];
      if (ended) return out;
      if (!started) start(out, `gw_${Date.now().toString(36)}`);
      ended = true;
      closeOpen(out);
      const u: Usage = usageToAnthropic(usage);
      out.push(sse({
        type: 'message_delta',
        delta: {
          stop_reason: stopReason ?? 'end_turn', stop_sequence: null,
          // The upstream names no policy category; null is the documented "unnamed" value.
          ...(stopReason === 'refusal' ? { stop_details: { type: 'refusal', category: null, explanation: null } } : {}),
        },
        usage: usage ? u : { output_tokens: 0 },
      }));
      out.push(sse({ type: 'message_stop' }));
      return out;
    },
  };
}
