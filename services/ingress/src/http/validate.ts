// Shape checks for inbound OpenAI requests: enough to give a clear 400 before anything is dispatched.
import { GatewayError, type CallType } from '@ai-gateway/kit';
import { z } from 'zod';

const message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
});

const common = {
  model: z.string().min(1),
  stream: z.boolean().optional(),
  user: z.string().optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  n: z.number().int().min(1).max(128).optional(),
  max_tokens: z.number().int().min(1).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
};

const chat = z.looseObject({
  ...common,
  messages: z.array(message).min(1),
  max_completion_tokens: z.number().int().min(1).optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  tools: z.array(z.looseObject({ type: z.string(), function: z.looseObject({ name: z.string().min(1) }) })).optional(),
  tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.string() })]).optional(),
  response_format: z.looseObject({ type: z.enum(['text', 'json_object', 'json_schema']) }).optional(),
});

const completion = z.looseObject({
  ...common,
  prompt: z.union([z.string(), z.array(z.string()).min(1)]),
});

const embedding = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1), z.array(z.number()).min(1), z.array(z.array(z.number()).min(1)).min(1)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).optional(),
  user: z.string().optional(),
});

const SCHEMAS = { chat, completion, embedding } as const;

function describe(issue: z.core.$ZodIssue): { param: string; detail: string } {
  const param = issue.path.map(String).join('.');
  return { param, detail: param ? `Invalid value for '${param}': ${issue.message}` : issue.message };
}

/** Returns the body unchanged when it is a well-formed request of the call type; else throws a 400. */
export function validateRequest(callType: CallType, body: Record<string, unknown>): void {
  const result = SCHEMAS[callType].safeParse(body);
  if (result.success) return;
  const first = result.error.issues[0];
  if (!first) throw new GatewayError('invalid_request', { params: { detail: 'Invalid request' } });
  const { param, detail } = describe(first);
  throw new GatewayError('invalid_request', { params: { detail }, param: param || null });
}
