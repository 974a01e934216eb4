// Deterministic demo answers: reply text, approximate token counts, stream pieces.
import type { openai } from '@ai-gateway/kit';

const MAX_ECHO = 80;

/** ~4 characters per token, at least 1 for non-empty text: close enough for demo budgets and metrics. */
export function approxTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}

export function messageText(content: openai.ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join(' ');
}

export function demoReplyText(req: openai.ChatCompletionRequest): string {
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user');
  const said = messageText(lastUser?.content ?? '').replace(/\s+/g, ' ').trim();
  const echo = said.length > MAX_ECHO ? `${said.slice(0, MAX_ECHO - 1)}…` : said;
  return `Demo reply to: ${echo || '(empty message)'}. This answer comes from the built-in offline demo model; configure a real provider in config.yaml for real answers.`;
}

export function promptTokens(req: openai.ChatCompletionRequest): number {
  // A few tokens per message for role framing, as real chat formats add.
  return req.messages.reduce((n, m) => n + 4 + approxTokens(messageText(m.content ?? '')), 3);
}

/** Splits text into stream pieces of a few words each, keeping the whitespace so pieces concatenate back. */
export function streamPieces(text: string, wordsPerPiece = 3): string[] {
  const words = text.match(/\S+\s*/g) ?? [text];
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerPiece) pieces.push(words.slice(i, i + wordsPerPiece).join(''));
  return pieces;
}
