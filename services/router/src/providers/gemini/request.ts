// OpenAI chat request → Gemini generateContent request.
import type { openai } from '@ai-gateway/kit';
import { isRecord } from '../shared/errors.ts';
import type { GeminiContent, GeminiGenerationConfig, GeminiPart, GeminiRequest } from './wire.ts';

export function toGeminiRequest(req: openai.ChatCompletionRequest): GeminiRequest {
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  for (const m of req.messages) {
    if (m.role === 'system' || m.role === 'developer') {
      system.push(...textParts(m.content));
    } else if (m.role === 'assistant') {
      const parts = textParts(m.content);
      for (const call of m.tool_calls ?? []) {
        toolNames.set(call.id, call.function.name);
        parts.push({ functionCall: { name: call.function.name, args: parseArgs(call.function.arguments) } });
      }
      append(contents, 'model', parts);
    } else if (m.role === 'tool' || m.role === 'function') {
      const name = (m.tool_call_id && toolNames.get(m.tool_call_id)) || m.name || 'tool';
      append(contents, 'user', [{ functionResponse: { name, response: toolResponse(m.content) } }]);
    } else {
      append(contents, 'user', contentParts(m.content));
    }
  }
  const out: GeminiRequest = { contents };
  if (system.length > 0) out.systemInstruction = { parts: system };
  if (req.tools?.length) {
    out.tools = [{
      functionDeclarations: req.tools.map((t) => ({
        name: t.function.name,
        ...(t.function.description ? { description: t.function.description } : {}),
        ...(t.function.parameters ? { parameters: toGeminiSchema(t.function.parameters) } : {}),
      })),
    }];
  }
  if (req.tool_choice !== undefined) out.toolConfig = toolConfig(req.tool_choice);
  const generationConfig = toGenerationConfig(req);
  if (Object.keys(generationConfig).length > 0) out.generationConfig = generationConfig;
  // Gemini-native settings a client may send through the OpenAI surface (as LiteLLM accepts them).
  const safety = req.safety_settings ?? req.safetySettings;
  if (Array.isArray(safety)) out.safetySettings = safety;
  return out;
}

function toolConfig(choice: openai.ToolChoice): NonNullable<GeminiRequest['toolConfig']> {
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
}

function toGenerationConfig(req: openai.ChatCompletionRequest): GeminiGenerationConfig {
  const g: GeminiGenerationConfig = {};
  if (req.temperature !== undefined) g.temperature = req.temperature;
  if (req.top_p !== undefined) g.topP = req.top_p;
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (maxTokens !== undefined) g.maxOutputTokens = maxTokens;
  if (req.stop) g.stopSequences = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (req.n !== undefined && req.n > 1) g.candidateCount = req.n;
  if (req.presence_penalty !== undefined) g.presencePenalty = req.presence_penalty;
  if (req.frequency_penalty !== undefined) g.frequencyPenalty = req.frequency_penalty;
  if (req.seed !== undefined) g.seed = req.seed;
  const budget = typeof req.reasoning_effort === 'string' ? THINKING_BUDGET[req.reasoning_effort] : undefined;
  if (budget !== undefined) g.thinkingConfig = { thinkingBudget: budget };
  const format = req.response_format;
  if (format?.type === 'json_object' || format?.type === 'json_schema') {
    g.responseMimeType = 'application/json';
    const schema = format.json_schema?.schema;
    if (isRecord(schema)) g.responseSchema = toGeminiSchema(schema);
  }
  return g;
}

/** reasoning_effort → thinking token budget (LiteLLM's mapping). */
const THINKING_BUDGET: Record<string, number> = { none: 0, minimal: 0, low: 1024, medium: 2048, high: 4096 };

/** Gemini's Schema is an OpenAPI subset: JSON-Schema-only keywords make it reject the request. */
const UNSUPPORTED_SCHEMA_KEYS = new Set(['$schema', 'additionalProperties', 'strict', '$id', '$defs', 'definitions', '$ref', 'default', 'examples', 'title']);

export function toGeminiSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (UNSUPPORTED_SCHEMA_KEYS.has(k)) continue;
    if (k === 'properties' && isRecord(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, isRecord(s) ? toGeminiSchema(s) : s]));
    } else if ((k === 'items' || k === 'not') && isRecord(v)) {
      out[k] = toGeminiSchema(v);
    } else if ((k === 'anyOf' || k === 'oneOf' || k === 'allOf') && Array.isArray(v)) {
      out[k] = v.map((s: unknown) => (isRecord(s) ? toGeminiSchema(s) : s));
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** Gemini wants alternating turns; consecutive same-role messages (e.g. parallel tool results) merge. */
function append(contents: GeminiContent[], role: 'user' | 'model', parts: GeminiPart[]): void {
  if (parts.length === 0) return;
  const last = contents[contents.length - 1];
  if (last && last.role === role) last.parts.push(...parts);
  else contents.push({ role, parts });
}

function textParts(content: openai.ChatMessage['content']): GeminiPart[] {
  if (content === null || content === undefined || content === '') return [];
  if (typeof content === 'string') return [{ text: content }];
  return content.flatMap((p) => (p.type === 'text' && typeof p.text === 'string' ? [{ text: p.text }] : []));
}

function contentParts(content: openai.ChatMessage['content']): GeminiPart[] {
  if (!Array.isArray(content)) return textParts(content);
  const parts: GeminiPart[] = [];
  for (const p of content) {
    if (p.type === 'text' && typeof p.text === 'string') parts.push({ text: p.text });
    else if (p.type === 'image_url' && isRecord(p.image_url) && typeof p.image_url.url === 'string') parts.push(imagePart(p.image_url.url));
  }
  return parts;
}

function imagePart(url: string): GeminiPart {
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data) return { inlineData: { mimeType: data[1] ?? 'image/png', data: data[2] ?? '' } };
  const ext = /\.(png|jpe?g|webp|gif|heic|heif)(?:\?|$)/i.exec(url)?.[1]?.toLowerCase();
  const mimeType = ext === 'png' ? 'image/png' : ext === 'webp' ? 'image/webp' : ext === 'gif' ? 'image/gif' : ext?.startsWith('hei') ? `image/${ext}` : 'image/jpeg';
  return { fileData: { mimeType, fileUri: url } };
}

function parseArgs(args: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(args || '{}');
    return isRecord(v) ? v : { value: v };
  } catch {
    return { raw: args };
  }
}

/** functionResponse.response must be an object: JSON objects pass, anything else is wrapped. */
function toolResponse(content: openai.ChatMessage['content']): Record<string, unknown> {
  const text = textParts(content).map((p) => p.text ?? '').join('');
  try {
    const v: unknown = JSON.parse(text);
    if (isRecord(v)) return v;
  } catch {
    // not JSON: wrap the text
  }
  return { content: text };
}
