// Validates an inbound Anthropic Messages request body and narrows it to MessageCreateRequest.
import { GatewayError } from '../errors/index.ts';
import type { ContentBlockParam, MessageCreateRequest } from './anthropic-types.ts';

function invalid(detail: string, param?: string): GatewayError {
  return new GatewayError('invalid_request', { params: { detail }, param: param ?? null });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const BLOCK_TYPES = new Set(['text', 'image', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking', 'document']);

function checkBlock(block: unknown, path: string): void {
  if (!isRecord(block) || typeof block.type !== 'string') throw invalid(`${path}: each content block must be an object with a "type"`, path);
  if (!BLOCK_TYPES.has(block.type)) throw invalid(`${path}.type: unsupported content block type "${block.type}"`, `${path}.type`);
  switch (block.type) {
    case 'text':
      if (typeof block.text !== 'string') throw invalid(`${path}.text: Field required`, `${path}.text`);
      return;
    case 'image': {
      const src = block.source;
      const ok = isRecord(src) && ((src.type === 'base64' && typeof src.media_type === 'string' && typeof src.data === 'string') || (src.type === 'url' && typeof src.url === 'string'));
      if (!ok) throw invalid(`${path}.source: expected {type:"base64",media_type,data} or {type:"url",url}`, `${path}.source`);
      return;
    }
    case 'tool_use':
      if (typeof block.id !== 'string' || typeof block.name !== 'string' || !isRecord(block.input)) {
        throw invalid(`${path}: tool_use blocks need string id, string name and object input`, path);
      }
      return;
    case 'tool_result': {
      if (typeof block.tool_use_id !== 'string') throw invalid(`${path}.tool_use_id: Field required`, `${path}.tool_use_id`);
      const c = block.content;
      if (c !== undefined && typeof c !== 'string' && !Array.isArray(c)) throw invalid(`${path}.content: expected a string or an array of blocks`, `${path}.content`);
      if (Array.isArray(c)) c.forEach((b, i) => checkBlock(b, `${path}.content.${i}`));
      return;
    }
    case 'document':
      throw invalid(`${path}.type: document blocks are not supported by this gateway`, `${path}.type`);
    default:
      return;
  }
}

function checkMessages(messages: unknown): void {
  if (!Array.isArray(messages)) throw invalid('messages: Field required', 'messages');
  if (messages.length === 0) throw invalid('messages: at least one message is required', 'messages');
  messages.forEach((m, i) => {
    const path = `messages.${i}`;
    if (!isRecord(m)) throw invalid(`${path}: each message must be an object`, path);
    if (m.role !== 'user' && m.role !== 'assistant') {
      const hint = m.role === 'system' ? ' The Messages API accepts a top-level `system` parameter, not "system" as an input message role.' : '';
      throw invalid(`${path}.role: Unexpected role ${JSON.stringify(m.role)}; expected "user" or "assistant".${hint}`, `${path}.role`);
    }
    if (typeof m.content === 'string') return;
    if (!Array.isArray(m.content)) throw invalid(`${path}.content: expected a string or an array of content blocks`, `${path}.content`);
    m.content.forEach((b, j) => checkBlock(b as ContentBlockParam, `${path}.content.${j}`));
  });
}

function checkTools(body: Record<string, unknown>): void {
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) throw invalid('tools: expected an array', 'tools');
    body.tools.forEach((t, i) => {
      if (!isRecord(t) || typeof t.name !== 'string') throw invalid(`tools.${i}.name: Field required`, `tools.${i}.name`);
      if (t.type !== undefined && t.type !== 'custom') throw invalid(`tools.${i}.type: server tool "${String(t.type)}" is not supported by this gateway`, `tools.${i}.type`);
      if (!isRecord(t.input_schema)) throw invalid(`tools.${i}.input_schema: Field required`, `tools.${i}.input_schema`);
    });
  }
  const tc = body.tool_choice;
  if (tc === undefined) return;
  const ok = isRecord(tc) && (tc.type === 'auto' || tc.type === 'any' || tc.type === 'none' || (tc.type === 'tool' && typeof tc.name === 'string'));
  if (!ok) throw invalid('tool_choice: expected {type:"auto"|"any"|"none"} or {type:"tool",name}', 'tool_choice');
}

function checkScalars(body: Record<string, unknown>): void {
  if (typeof body.model !== 'string' || body.model === '') throw invalid('model: Field required', 'model');
  if (body.max_tokens === undefined) throw invalid('max_tokens: Field required', 'max_tokens');
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) {
    throw invalid('max_tokens: must be an integer >= 1', 'max_tokens');
  }
  for (const k of ['temperature', 'top_p', 'top_k'] as const) {
    if (body[k] !== undefined && typeof body[k] !== 'number') throw invalid(`${k}: must be a number`, k);
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') throw invalid('stream: must be a boolean', 'stream');
  const stops = body.stop_sequences;
  if (stops !== undefined && !(Array.isArray(stops) && stops.every((s) => typeof s === 'string'))) {
    throw invalid('stop_sequences: must be an array of strings', 'stop_sequences');
  }
  const sys = body.system;
  if (sys !== undefined && typeof sys !== 'string') {
    if (!Array.isArray(sys)) throw invalid('system: expected a string or an array of text blocks', 'system');
    sys.forEach((b, i) => {
      if (!isRecord(b) || b.type !== 'text' || typeof b.text !== 'string') throw invalid(`system.${i}: expected a text block`, `system.${i}`);
    });
  }
  const md = body.metadata;
  if (md !== undefined && !(isRecord(md) && (md.user_id === undefined || md.user_id === null || typeof md.user_id === 'string'))) {
    throw invalid('metadata.user_id: must be a string', 'metadata.user_id');
  }
}

/** Throws GatewayError('invalid_request') naming the offending field, like the real API does. */
export function validateMessageRequest(body: unknown): MessageCreateRequest {
  if (!isRecord(body)) throw invalid('request body must be a JSON object');
  checkScalars(body);
  checkMessages(body.messages);
  checkTools(body);
  return body as MessageCreateRequest;
}
