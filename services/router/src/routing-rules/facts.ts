// What routing rules look at in one request: task hint, tenant, prompt size, tool use and the last user message.
import { countMessageTokens, type RequestEnvelope, type Tenant, type openai } from '@ai-gateway/kit';

export const TASK_HEADER = 'x-gateway-task';

export interface RequestFacts {
  task: string | null;
  tenant: Tenant;
  hasTools: boolean;
  lastUser: string;
  /** Prompt tokens (o200k count of the messages), computed on first use. */
  promptTokens(): number;
}

/** Plain text of a message's content (text parts joined; images and other parts ignored). */
export function textOf(content: openai.ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const p of content) if (p.type === 'text' && typeof p.text === 'string') parts.push(p.text);
  return parts.join('\n');
}

export function lastUserText(messages: readonly openai.ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role === 'user') return textOf(m.content);
  }
  return '';
}

function taskOf(env: RequestEnvelope, body: Record<string, unknown>): string | null {
  const header = env.metadata[TASK_HEADER];
  if (header) return header.trim().toLowerCase();
  const meta = body['metadata'];
  if (meta && typeof meta === 'object' && !Array.isArray(meta)) {
    const t = (meta as Record<string, unknown>)['task'];
    if (typeof t === 'string' && t.length > 0) return t.trim().toLowerCase();
  }
  return null;
}

export function factsOf(env: RequestEnvelope, body: Record<string, unknown>): RequestFacts {
  const messages = Array.isArray(body['messages']) ? (body['messages'] as openai.ChatMessage[]) : [];
  const prompt = typeof body['prompt'] === 'string' ? (body['prompt'] as string) : '';
  const tools = body['tools'];
  const hasTools =
    (Array.isArray(tools) && tools.length > 0) || messages.some((m) => m.role === 'tool' || (Array.isArray(m.tool_calls) && m.tool_calls.length > 0));
  let tokens: number | null = null;
  return {
    task: taskOf(env, body),
    tenant: env.tenant,
    hasTools,
    lastUser: messages.length > 0 ? lastUserText(messages) : prompt,
    promptTokens() {
      tokens ??= messages.length > 0 ? countMessageTokens(messages, 'gpt-4o') : Math.ceil(prompt.length / 4);
      return tokens;
    },
  };
}
