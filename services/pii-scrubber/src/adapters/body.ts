// Walks the text of an OpenAI request body (chat messages, tool calls, prompts, inputs) without changing its shape.

export type TextSource = 'user' | 'tool' | 'system' | 'assistant';
export type TextVisitor = (text: string, source: TextSource) => string;

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function sourceOf(role: unknown): TextSource {
  if (role === 'tool' || role === 'function') return 'tool';
  if (role === 'system' || role === 'developer') return 'system';
  if (role === 'assistant') return 'assistant';
  return 'user';
}

function visitContent(msg: Json, source: TextSource, visit: TextVisitor): void {
  const c = msg['content'];
  if (typeof c === 'string') msg['content'] = visit(c, source);
  else if (Array.isArray(c)) {
    for (const part of c) if (isObj(part) && part['type'] === 'text' && typeof part['text'] === 'string') part['text'] = visit(part['text'], source);
  }
}

function visitStrings(list: unknown, visit: TextVisitor): unknown {
  if (typeof list === 'string') return visit(list, 'user');
  if (Array.isArray(list)) return list.map((x) => (typeof x === 'string' ? visit(x, 'user') : x));
  return list;
}

/** Calls `visit` on every text of the body and stores what it returns (in place). */
export function visitBodyText(body: Json, visit: TextVisitor): void {
  const messages = body['messages'];
  if (Array.isArray(messages)) {
    for (const msg of messages) {
      if (!isObj(msg)) continue;
      const source = sourceOf(msg['role']);
      visitContent(msg, source, visit);
      const calls = msg['tool_calls'];
      if (Array.isArray(calls)) {
        for (const call of calls) {
          const fn = isObj(call) ? call['function'] : undefined;
          if (isObj(fn) && typeof fn['arguments'] === 'string') fn['arguments'] = visit(fn['arguments'], 'assistant');
        }
      }
    }
  }
  if ('prompt' in body) body['prompt'] = visitStrings(body['prompt'], visit);
  if ('input' in body) body['input'] = visitStrings(body['input'], visit);
}
