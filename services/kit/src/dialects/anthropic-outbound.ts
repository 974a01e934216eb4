// Outbound translation for the anthropic provider: OpenAI request → Anthropic, Anthropic Message → OpenAI.
import { GatewayError } from '../errors/index.ts';
import type * as oa from './openai.ts';
import type {
  CacheControl, ContentBlockParam, ImageBlock, Message, MessageCreateRequest, MessageParam, StopReason, TextBlock, Tool, ToolChoice, Usage,
} from './anthropic-types.ts';
import { ANTHROPIC_VERSION, samplingParamsAllowed } from './anthropic-types.ts';

export const DEFAULT_MAX_TOKENS = 4096;

export interface OutboundOptions {
  /** Sent when the OpenAI request has no max_tokens (Anthropic requires one). */
  defaultMaxTokens?: number;
  /** The anthropic-version the body is for (default 2023-06-01); 2026-10-21 drops temperature and top_p. */
  apiVersion?: string;
}

function unsupported(detail: string, param?: string): GatewayError {
  return new GatewayError('invalid_request', { params: { detail }, param: param ?? null });
}

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

function imageBlock(url: string): ImageBlock {
  const m = DATA_URL.exec(url);
  if (m) return { type: 'image', source: { type: 'base64', media_type: m[1] ?? '', data: m[2] ?? '' } };
  if (/^https?:\/\//.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw unsupported('image_url must be a base64 data: URL or an http(s) URL', 'messages');
}

/** LiteLLM-style `cache_control` on OpenAI content parts is passed on, so prompt caching survives translation. */
function cacheControl(part: oa.ContentPart): { cache_control?: CacheControl } {
  const cc = (part as { cache_control?: unknown }).cache_control;
  return typeof cc === 'object' && cc !== null && (cc as { type?: unknown }).type === 'ephemeral' ? { cache_control: cc as CacheControl } : {};
}

function partsToBlocks(content: oa.ChatMessage['content'], textOnly = false): Array<TextBlock | ImageBlock> {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  const out: Array<TextBlock | ImageBlock> = [];
  for (const part of content) {
    if (part.type === 'text' && typeof part.text === 'string') {
      if (part.text !== '') out.push({ type: 'text', text: part.text, ...cacheControl(part) });
    } else if (textOnly) {
      continue; // assistant refusal parts and the like carry nothing Anthropic can replay
    } else if (part.type === 'image_url') {
      out.push({ ...imageBlock((part as oa.ImagePart).image_url.url), ...cacheControl(part) });
    } else {
      throw unsupported(`content part type "${part.type}" is not supported by Anthropic models`, 'messages');
    }
  }
  return out;
}

function parseArguments(args: string, name: string): Record<string, unknown> {
  if (args.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(args);
  } catch {
    throw unsupported(`tool call "${name}" has arguments that are not valid JSON`, 'messages');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw unsupported(`tool call "${name}" arguments must be a JSON object`, 'messages');
  return v as Record<string, unknown>;
}

function toBlocks(m: oa.ChatMessage): ContentBlockParam[] {
  switch (m.role) {
    case 'user':
      return partsToBlocks(m.content);
    case 'assistant': {
      const blocks: ContentBlockParam[] = partsToBlocks(m.content, true);
      for (const tc of m.tool_calls ?? []) {
        blocks.push({ type: 'tool_use', id: toolUseId(tc.id), name: tc.function.name, input: parseArguments(tc.function.arguments, tc.function.name) });
      }
      return blocks;
    }
    case 'tool': {
      if (typeof m.tool_call_id !== 'string') throw unsupported('tool messages need tool_call_id', 'messages');
      const inner = partsToBlocks(m.content);
      const onlyText = inner.every((b) => b.type === 'text');
      const content = onlyText ? inner.map((b) => (b as TextBlock).text).join('\n') : inner;
      return [{ type: 'tool_result', tool_use_id: toolUseId(m.tool_call_id), content }];
    }
    default:
      throw unsupported(`message role "${m.role}" is not supported by Anthropic models`, 'messages');
  }
}

/** Anthropic accepts tool ids matching ^[a-zA-Z0-9_-]+$; other providers' ids may not, so both ends are mapped alike. */
function toolUseId(id: string): string {
  const safe = id.replace(/[^a-zA-Z0-9_-]/g, '_');
  return safe === '' ? 'toolu_empty' : safe;
}

/** Anthropic requires alternating turns; merges consecutive same-role turns (tool results are user turns). */
function buildMessages(messages: oa.ChatMessage[]): { system: TextBlock[]; turns: MessageParam[] } {
  const system: TextBlock[] = [];
  const turns: Array<{ role: 'user' | 'assistant'; content: ContentBlockParam[] }> = [];
  for (const m of messages) {
    if (m.role === 'system' || m.role === 'developer') {
      system.push(...partsToBlocks(m.content, true) as TextBlock[]);
      continue;
    }
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const blocks = toBlocks(m);
    if (blocks.length === 0) continue;
    const last = turns.at(-1);
    if (last && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  }
  const collapsed = turns.map((t): MessageParam => {
    const only = t.content[0];
    return t.content.length === 1 && only?.type === 'text' && only.cache_control === undefined ? { role: t.role, content: only.text } : t;
  });
  return { system, turns: collapsed };
}

function toolChoice(req: oa.ChatCompletionRequest): ToolChoice | undefined {
  const tc = req.tool_choice;
  let out: ToolChoice | undefined;
  if (tc === 'auto') out = { type: 'auto' };
  else if (tc === 'required') out = { type: 'any' };
  else if (tc === 'none') out = { type: 'none' };
  else if (typeof tc === 'object' && tc !== null) out = { type: 'tool', name: tc.function.name };
  if (req.parallel_tool_calls === false && req.tools?.length) {
    out ??= { type: 'auto' };
    if (out.type !== 'none') out.disable_parallel_tool_use = true;
  }
  return out;
}

function jsonInstruction(rf: oa.ChatCompletionRequest['response_format']): string | null {
  if (!rf || rf.type === 'text') return null;
  if (rf.type === 'json_object') return 'Respond only with a single valid JSON object, without any text before or after it.';
  const schema = (rf.json_schema as { schema?: unknown } | undefined)?.schema;
  return `Respond only with a single valid JSON object that conforms to this JSON schema, without any text before or after it:\n${JSON.stringify(schema ?? {})}`;
}

/** Throws GatewayError('invalid_request') for what Anthropic cannot express (n > 1, audio parts, bad tool JSON). */
export function openAIRequestToAnthropic(req: oa.ChatCompletionRequest, opts: OutboundOptions = {}): MessageCreateRequest {
  if (req.n !== undefined && req.n !== null && req.n > 1) throw unsupported('n > 1 is not supported by Anthropic models', 'n');
  const { system, turns } = buildMessages(req.messages);
  const instruction = jsonInstruction(req.response_format);
  if (instruction) system.push({ type: 'text', text: instruction });

  const out: MessageCreateRequest = {
    model: req.model,
    messages: turns,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? opts.defaultMaxTokens ?? DEFAULT_MAX_TOKENS,
  };
  const only = system[0];
  if (system.length === 1 && only && only.cache_control === undefined) out.system = only.text;
  else if (system.length > 0) out.system = system;
  // OpenAI allows temperature up to 2, Anthropic up to 1. API 2026-10-21 rejects sampling params outright.
  if (samplingParamsAllowed(opts.apiVersion ?? ANTHROPIC_VERSION)) {
    if (typeof req.temperature === 'number') out.temperature = Math.min(1, Math.max(0, req.temperature));
    if (typeof req.top_p === 'number') out.top_p = req.top_p;
  }
  if (req.stop !== undefined && req.stop !== null) {
    const stops = (typeof req.stop === 'string' ? [req.stop] : req.stop).filter((s) => s.trim() !== '');
    if (stops.length > 0) out.stop_sequences = stops;
  }
  if (req.tools?.length) {
    out.tools = req.tools.map((t): Tool => ({
      name: t.function.name,
      ...(t.function.description !== undefined ? { description: t.function.description } : {}),
      input_schema: t.function.parameters ?? { type: 'object', properties: {} },
    }));
  }
  const tc = toolChoice(req);
  if (tc) out.tool_choice = tc;
  if (typeof req.user === 'string' && req.user !== '') out.metadata = { user_id: req.user };
  if (req.stream === true) out.stream = true;
  return out;
}

export function stopReasonToFinishReason(reason: StopReason | null | undefined): oa.FinishReason | null {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn': return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded': return 'length';
    case 'tool_use': return 'tool_calls';
    case 'refusal': return 'content_filter';
    default: return null;
  }
}

/** prompt_tokens counts everything read, cached or not, as OpenAI does. */
export function usageToOpenAI(u: Partial<Usage>): oa.CompletionUsage {
  const input = u.input_tokens ?? 0;
  const cacheRead = u.cache_read_input_tokens ?? 0;
  const cacheWrite = u.cache_creation_input_tokens ?? 0;
  const prompt = input + cacheRead + cacheWrite;
  const completion = u.output_tokens ?? 0;
  const details: { cached_tokens: number; cache_creation_tokens?: number } = { cached_tokens: cacheRead };
  if (cacheWrite > 0) details.cache_creation_tokens = cacheWrite;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: details };
}

export function anthropicResponseToOpenAI(msg: Message, opts: { created?: number } = {}): oa.ChatCompletion {
  const text = msg.content.filter((b): b is TextBlock => b.type === 'text').map((b) => b.text).join('');
  const toolCalls: oa.ToolCall[] = [];
  const thinking: string[] = [];
  for (const b of msg.content) {
    if (b.type === 'tool_use') toolCalls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input) } });
    else if (b.type === 'thinking') thinking.push(b.thinking);
  }
  const message: oa.ChatCompletionChoice['message'] = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (thinking.length > 0) message.reasoning_content = thinking.join('');
  return {
    id: msg.id,
    object: 'chat.completion',
    created: opts.created ?? Math.floor(Date.now() / 1000),
    model: msg.model,
    choices: [{ index: 0, message, finish_reason: stopReasonToFinishReason(msg.stop_reason) ?? 'stop', logprobs: null }],
    usage: usageToOpenAI(msg.usage),
  };
}
