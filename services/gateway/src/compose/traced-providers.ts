// Provider adapters wrapped in GenAI client spans (child of the router stage span), without touching the router.
import { endProviderSpan, providerResultOf, startProviderSpan, tracingActive, type GenAiOperation, type ProviderCallResult, type openai } from '@ai-gateway/kit';
import { createProviderRegistry, type ProviderAdapter, type ProviderName, type ProviderRegistry, type ProviderTarget } from '@ai-gateway/router';

function hostOf(apiBase: string | null): string | null {
  if (!apiBase) return null;
  try {
    return new URL(apiBase).host;
  } catch {
    return null;
  }
}

function spanFor(op: GenAiOperation, target: ProviderTarget, stream: boolean) {
  return startProviderSpan({
    system: target.provider,
    operation: op,
    requestModel: target.model,
    deployment: target.model,
    modelGroup: '',
    stream,
    attempt: 0,
    serverAddress: hostOf(target.apiBase),
  });
}

async function traced<T>(op: GenAiOperation, target: ProviderTarget, call: () => Promise<T>): Promise<T> {
  const span = spanFor(op, target, false);
  try {
    const value = await call();
    endProviderSpan(span, providerResultOf(value));
    return value;
  } catch (err) {
    endProviderSpan(span, null, err);
    throw err;
  }
}

/** A stream whose span ends with the stream: response model, usage and finish reasons from the chunks. */
async function* tracedStream(chunks: AsyncIterable<openai.ChatCompletionChunk>, end: (r: ProviderCallResult, err?: unknown) => void): AsyncGenerator<openai.ChatCompletionChunk> {
  const result: ProviderCallResult = { finishReasons: [] };
  let failure: unknown;
  try {
    for await (const c of chunks) {
      if (typeof c.model === 'string') result.responseModel = c.model;
      if (typeof c.id === 'string') result.responseId = c.id;
      if (c.usage) {
        result.inputTokens = c.usage.prompt_tokens;
        result.outputTokens = c.usage.completion_tokens;
      }
      for (const ch of c.choices ?? []) if (typeof ch.finish_reason === 'string') result.finishReasons?.push(ch.finish_reason);
      yield c;
    }
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    end(result, failure);
  }
}

export function traceAdapter(adapter: ProviderAdapter): ProviderAdapter {
  const out: ProviderAdapter = {
    name: adapter.name,
    chat: (req, target, opts) => traced('chat', target, () => adapter.chat(req, target, opts)),
    async chatStream(req, target, opts) {
      const span = spanFor('chat', target, true);
      try {
        const chunks = await adapter.chatStream(req, target, opts);
        return tracedStream(chunks, (r, err) => endProviderSpan(span, r, err));
      } catch (err) {
        endProviderSpan(span, null, err);
        throw err;
      }
    },
  };
  const { completion, embeddings } = adapter;
  if (completion) out.completion = (req, target, opts) => traced('text_completion', target, () => completion.call(adapter, req, target, opts));
  if (embeddings) out.embeddings = (req, target, opts) => traced('embeddings', target, () => embeddings.call(adapter, req, target, opts));
  return out;
}

/**
 * The registry with every adapter traced (built once per adapter, not per request) while this process exports
 * traces; otherwise the registry as it is (a span nobody records still costs its allocations per call).
 */
export function tracedProviders(registry: ProviderRegistry = createProviderRegistry(), tracing: boolean = tracingActive()): ProviderRegistry {
  if (!tracing) return registry;
  const cache = new Map<ProviderName, ProviderAdapter | undefined>();
  return (name) => {
    if (!cache.has(name)) {
      const a = registry(name);
      cache.set(name, a ? traceAdapter(a) : undefined);
    }
    return cache.get(name);
  };
}
