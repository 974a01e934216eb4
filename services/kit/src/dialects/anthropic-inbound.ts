// Inbound translation for the gateway's /v1/messages: Anthropic request → OpenAI, OpenAI reply → Anthropic.
import type * as oa from './openai.ts';
import type {
  ContentBlockParam, ImageBlock, Message, MessageCreateRequest, MessageParam, ResponseContentBlock,
  StopReason, TextBlock, ToolChoice, Usage,
} from './anthropic-types.ts';
import { validateMessageRequest } from './anthropic-validate.ts';

/** cache_control rides on the OpenAI part (LiteLLM's convention) so an Anthropic upstream still caches. */
function textPart(block: TextBlock): oa.ContentPart {
  return block.cache_control ? { type: 'text', text: block.text, cache_control: block.cache_control } : { type: 'text', text: block.text };
}

function systemMessage(system: string | TextBlock[]): oa.ChatMessage | null {
  if (typeof system === 'string') return system === '' ? null : { role: 'system', content: system };
  if (system.length === 0) return null;
  if (system.some((b) => b.cache_control)) return { role: 'system', content: system.map(textPart) };
  return { role: 'system', content: system.map((b) => b.text).join('\n') };
}

function imagePart(block: ImageBlock): oa.ImagePart {
  const src = block.source;
  const url = src.type === 'base64' ? `data:${src.media_type};base64,${src.data}` : src.url;
  return { type: 'image_url', image_url: { url } };
}

function toolResultContent(content: string | Array<TextBlock | ImageBlock> | undefined): string | oa.ContentPart[] {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  if (content.every((b) => b.type === 'text')) return content.map((b) => (b as TextBlock).text).join('\n');
  return content.map((b) => (b.type === 'text' ? { type: 'text', text: b.text } : imagePart(b)));
}

function userMessages(content: ContentBlockParam[]): oa.ChatMessage[] {
  // OpenAI wants tool results as their own messages right after the assistant turn, so they go first.
  const out: oa.ChatMessage[] = [];
  const parts: oa.ContentPart[] = [];
  for (const block of content) {
    if (block.type === 'tool_result') {
      out.push({ role: 'tool', tool_call_id: block.tool_use_id, content: toolResultContent(block.content) });
    } else if (block.type === 'text') {
      parts.push(textPart(block));
    } else if (block.type === 'image') {
      parts.push(imagePart(block));
    }
  }
  if (parts.length > 0) {
    const only = parts[0];
    const plain = parts.length === 1 && only?.type === 'text' && !('cache_control' in only);
    out.push({ role: 'user', content: plain ? (only as oa.TextPart).text : parts });
  }
  return out;
}

function assistantMessage(content: ContentBlockParam[]): oa.ChatMessage {
  const text = content.filter((b): b is TextBlock => b.type === 'text').map((b) => b.text).join('');
  const toolCalls: oa.ToolCall[] = [];
  for (const b of content) {
    if (b.type === 'tool_use') toolCalls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input) } });
  }
  const msg: oa.ChatMessage = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) msg.tool_calls = toolCalls;
  return msg;
}

function convertMessage(m: MessageParam): oa.ChatMessage[] {
  if (typeof m.content === 'string') return [{ role: m.role, content: m.content }];
  return m.role === 'user' ? userMessages(m.content) : [assistantMessage(m.content)];
}

function convertToolChoice(tc: ToolChoice): oa.ToolChoice {
  switch (tc.type) {
    case 'auto': return 'auto';
    case 'any': return 'required';
    case 'none': return 'none';
    case 'tool': return { type: 'function', function: { name: tc.name } };
  }
}

/** Validates (GatewayError 'invalid_request' on bad input) and converts to the canonical OpenAI request. */
export function anthropicRequestToOpenAI(body: unknown): oa.ChatCompletionRequest {
  const req: MessageCreateRequest = validateMessageRequest(body);
  const messages: oa.ChatMessage[] = [];
  const system = req.system === undefined ? null : systemMessage(req.system);
  if (system) messages.push(system);
  for (const m of req.messages) messages.push(...convertMessage(m));

  const out: oa.ChatCompletionRequest = { model: req.model, messages, max_tokens: req.max_tokens };
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.top_p !== undefined) out.top_p = req.top_p;
  if (req.stop_sequences !== undefined && req.stop_sequences.length > 0) out.stop = req.stop_sequences;
  if (req.tools !== undefined && req.tools.length > 0) {
    out.tools = req.tools.map((t) => ({
      type: 'function',
      function: { name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), parameters: t.input_schema },
    }));
  }
  if (req.tool_choice !== undefined) {
    out.tool_choice = convertToolChoice(req.tool_choice);
    if ('disable_parallel_tool_use' in req.tool_choice && req.tool_choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  }
  const user = req.metadata?.user_id;
  if (typeof user === 'string') out.user = user;
  if (req.stream === true) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

export function finishReasonToStopReason(reason: oa.FinishReason | null | undefined): StopReason {
  switch (reason) {
    case 'length': return 'max_tokens';
    case 'tool_calls':
    case 'function_call': return 'tool_use';
    case 'content_filter': return 'refusal';
    default: return 'end_turn';
  }
}

/** Anthropic counts cache reads/writes apart from input_tokens; the canonical usage folds them in. */
export function usageToAnthropic(u: oa.CompletionUsage | null | undefined): Usage {
  const cached = numberOr(u?.prompt_tokens_details?.cached_tokens, 0);
  const created = numberOr(u?.prompt_tokens_details?.cache_creation_tokens, 0);
  return {
    input_tokens: Math.max(0, numberOr(u?.prompt_tokens, 0) - cached - created),
    output_tokens: numberOr(u?.completion_tokens, 0),
    cache_creation_input_tokens: created,
    cache_read_input_tokens: cached,
  };
}

function numberOr(v: unknown, d: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : d;
}

export function parseToolArguments(args: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(args);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function anthropicMessageId(openaiId: string): string {
  return openaiId.startsWith('msg_') ? openaiId : `msg_${openaiId.replace(/^chatcmpl-/, '')}`;
}

/** Renders a canonical completion as an Anthropic Message; `model` is echoed as the client asked for it. */
export function openAIResponseToAnthropic(resp: oa.ChatCompletion, requestedModel: string): Message {
  const choice = resp.choices[0];
  const content: ResponseContentBlock[] = [];
  const text = choice?.message.content;
  if (typeof text === 'string' && text !== '') content.push({ type: 'text', text });
  for (const tc of choice?.message.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: tc.id, name: tc.function.name, input: parseToolArguments(tc.function.arguments) });
  }
  return {
    id: anthropicMessageId(resp.id),
    type: 'message',
    role: 'assistant',
    model: requestedModel,
    content,
    stop_reason: finishReasonToStopReason(choice?.finish_reason),
    stop_sequence: null,
    ...(choice?.finish_reason === 'content_filter' ? { stop_details: { type: 'refusal', category: null, explanation: null } } : {}),
    usage: usageToAnthropic(resp.usage),
  };
}
