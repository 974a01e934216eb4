// Anthropic Messages API wire types (anthropic-version 2023-06-01 and 2026-10-21): requests, messages, stream events.
// Only what the gateway reads or writes is typed; unknown fields pass through untouched.

/** The version the gateway sends upstream unless a deployment sets `api_version`. */
export const ANTHROPIC_VERSION = '2023-06-01';
/** Official SDK majors released since 2026-10-21 send this one (and the key as `Authorization: Bearer`). */
export const ANTHROPIC_VERSION_2026_10_21 = '2026-10-21';

/** 2026-10-21 removed temperature, top_p and top_k: sending any of them is a 400. */
export function samplingParamsAllowed(apiVersion: string): boolean {
  return apiVersion < ANTHROPIC_VERSION_2026_10_21;
}

export interface CacheControl { type: 'ephemeral'; ttl?: string }

export interface TextBlock { type: 'text'; text: string; cache_control?: CacheControl | null; citations?: unknown[] | null }
export type ImageSource =
  | { type: 'base64'; media_type: string; data: string }
  | { type: 'url'; url: string };
export interface ImageBlock { type: 'image'; source: ImageSource; cache_control?: CacheControl | null }
export interface ToolUseBlock { type: 'tool_use'; id: string; name: string; input: Record<string, unknown>; cache_control?: CacheControl | null }
export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Array<TextBlock | ImageBlock>;
  is_error?: boolean;
  cache_control?: CacheControl | null;
}
export interface ThinkingBlock { type: 'thinking'; thinking: string; signature: string }
export interface RedactedThinkingBlock { type: 'redacted_thinking'; data: string }

export type ContentBlockParam = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock | ThinkingBlock | RedactedThinkingBlock;
export type ResponseContentBlock = TextBlock | ToolUseBlock | ThinkingBlock | RedactedThinkingBlock;

export type Role = 'user' | 'assistant';
export interface MessageParam { role: Role; content: string | ContentBlockParam[] }

export interface Tool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  type?: string;
  cache_control?: CacheControl | null;
}

export type ToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export interface MessageCreateRequest {
  model: string;
  messages: MessageParam[];
  max_tokens: number;
  system?: string | TextBlock[];
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  tools?: Tool[];
  tool_choice?: ToolChoice;
  metadata?: { user_id?: string | null };
  stream?: boolean;
  [k: string]: unknown;
}

export type StopReason =
  | 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use'
  | 'pause_turn' | 'refusal' | 'model_context_window_exceeded';

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  [k: string]: unknown;
}

export interface Message {
  id: string;
  type: 'message';
  role: 'assistant';
  content: ResponseContentBlock[];
  model: string;
  stop_reason: StopReason | null;
  stop_sequence: string | null;
  /** Present on newer responses; non-null only for refusals. */
  stop_details?: { type?: string; category?: string | null; [k: string]: unknown } | null;
  usage: Usage;
  [k: string]: unknown;
}

export interface ErrorBody { type: 'error'; error: { type: string; message: string }; request_id?: string }

export type ContentBlockDelta =
  | { type: 'text_delta'; text: string }
  | { type: 'input_json_delta'; partial_json: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'signature_delta'; signature: string }
  | { type: 'citations_delta'; citation: unknown };

export interface MessageStartEvent { type: 'message_start'; message: Message }
export interface ContentBlockStartEvent { type: 'content_block_start'; index: number; content_block: ResponseContentBlock }
export interface ContentBlockDeltaEvent { type: 'content_block_delta'; index: number; delta: ContentBlockDelta }
export interface ContentBlockStopEvent { type: 'content_block_stop'; index: number }
export interface MessageDeltaEvent {
  type: 'message_delta';
  delta: { stop_reason: StopReason | null; stop_sequence: string | null; stop_details?: Message['stop_details'] };
  /** output_tokens always; the other counters are cumulative totals, present when known. */
  usage: Partial<Usage> & { output_tokens: number };
}
export interface MessageStopEvent { type: 'message_stop' }
export interface PingEvent { type: 'ping' }
export interface ErrorEvent { type: 'error'; error: { type: string; message: string } }

export type StreamEvent =
  | MessageStartEvent | ContentBlockStartEvent | ContentBlockDeltaEvent | ContentBlockStopEvent
  | MessageDeltaEvent | MessageStopEvent | PingEvent | ErrorEvent;

/** One server-sent event as the gateway writes it: `event: <event>\ndata: <data>\n\n`. */
export interface SseEvent { event: StreamEvent['type']; data: string }
