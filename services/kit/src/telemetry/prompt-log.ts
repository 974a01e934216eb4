// Opt-in prompt logging: a stage decorator puts the prompt messages and the response text a stage answered on its
// completed event, from where the request log line takes them. With PII scrubbing configured, only text the pii
// stage scrubbed (and a response scrubbed by the caller's function) is captured; raw text never is.
import type { CompletedEvent, RequestEnvelope } from '../contracts/types.ts';
import { contextWith, type ReplyWriter, type Stage, type StageContext } from '../pipeline/stage.ts';

/** Completed-event metadata keys carrying the captured text (absent unless prompt logging is on). */
export const PROMPT_LOG_METADATA = { messages: 'x-gateway-log-messages', response: 'x-gateway-log-response' } as const;
/** Longer texts are cut here (a log line must stay a line a collector accepts). */
export const MAX_LOGGED_CHARS = 32_768;

export interface PromptCaptureOptions {
  /**
   * Names of the configured pii guardrails. When any is configured, a prompt is captured only from an envelope
   * carrying one of their verdicts (mask or pass): the body the pii stage produced. Otherwise it is left out.
   */
  piiGuardrails: readonly string[];
  /** Masks personal data in response text; required to capture responses while pii guardrails are configured. */
  scrubResponse?: (text: string) => string;
}

type Json = Record<string, unknown>;

const cut = (s: string): string => (s.length > MAX_LOGGED_CHARS ? `${s.slice(0, MAX_LOGGED_CHARS)}…[truncated]` : s);

/** The prompt part of an OpenAI request body: chat messages, a completion prompt or embedding input. */
function promptOf(body: string): string | null {
  let b: Json;
  try {
    b = JSON.parse(body) as Json;
  } catch {
    return null;
  }
  const p = b['messages'] ?? b['prompt'] ?? b['input'];
  return p === undefined ? null : JSON.stringify(p);
}

/** Text of the choices in a chat/completion response or stream chunk (message, delta or text). */
function textOf(json: string): string {
  let out = '';
  try {
    const choices = (JSON.parse(json) as { choices?: unknown }).choices;
    if (!Array.isArray(choices)) return '';
    for (const c of choices as Array<{ message?: { content?: unknown }; delta?: { content?: unknown }; text?: unknown }>) {
      const t = c?.message?.content ?? c?.delta?.content ?? c?.text;
      if (typeof t === 'string') out += t;
    }
  } catch {
    // not a response body: nothing to log
  }
  return out;
}

function scrubbedByPii(env: RequestEnvelope, pii: ReadonlySet<string>): boolean {
  return env.verdicts.some((v) => pii.has(v.guardrail) && (v.action === 'mask' || v.action === 'pass'));
}

/** Wraps a stage so that its completed event carries the prompt and response text for the request log line. */
export function capturePrompts(stage: Stage, options: PromptCaptureOptions): Stage {
  const pii = new Set(options.piiGuardrails);
  const scrubbing = pii.size > 0;
  return {
    name: stage.name,
    handle(env: RequestEnvelope, ctx: StageContext): Promise<void> {
      let response = '';
      const reply: ReplyWriter = {
        send(kind, status, headers, data) {
          if (data !== null && status < 400 && (kind === 'body' || kind === 'data') && response.length <= MAX_LOGGED_CHARS) response += textOf(data);
          ctx.reply.send(kind, status, headers, data);
        },
      };
      const complete = (evt: CompletedEvent): CompletedEvent => {
        const prompt = !scrubbing || scrubbedByPii(env, pii) ? promptOf(env.body) : null;
        const answer = !response ? null : !scrubbing ? response : options.scrubResponse ? options.scrubResponse(response) : null;
        if (prompt === null && answer === null) return evt;
        const metadata = { ...evt.metadata };
        if (prompt !== null) metadata[PROMPT_LOG_METADATA.messages] = cut(prompt);
        if (answer !== null) metadata[PROMPT_LOG_METADATA.response] = cut(answer);
        return { ...evt, metadata };
      };
      return stage.handle(env, contextWith(ctx, { forward: ctx.forward, reply, complete: (evt, t) => ctx.complete(complete(evt), t) }));
    },
  };
}

/** The captured prompt (parsed back to JSON when whole) and response of a completed event, if any. */
export function promptLogOf(evt: CompletedEvent): { messages?: unknown; response?: string } {
  const m = evt.metadata[PROMPT_LOG_METADATA.messages];
  const r = evt.metadata[PROMPT_LOG_METADATA.response];
  if (m === undefined && r === undefined) return {};
  let messages: unknown = m;
  if (m !== undefined) {
    try {
      messages = JSON.parse(m);
    } catch {
      // truncated: logged as the text it is
    }
  }
  return { ...(m !== undefined ? { messages } : {}), ...(r !== undefined ? { response: r } : {}) };
}
