// Soak child: fake OpenAI upstreams with fixed behaviours (normal, slow stream, killed, malformed, in-stream error).
import { startFakeOpenAI, type FakeServer } from '../support/fake-openai.ts';

const fakes: Record<string, FakeServer> = {
  ok: await startFakeOpenAI(),
  slow: await startFakeOpenAI({ defaultBehaviour: { type: 'stream', chunks: 20, chunkDelayMs: 15 } }),
  kill: await startFakeOpenAI({ defaultBehaviour: { type: 'stream', chunks: 10, killAfter: 3 } }),
  malformed: await startFakeOpenAI({ defaultBehaviour: { type: 'stream', chunks: 10, malformedAfter: 3 } }),
  midError: await startFakeOpenAI({ defaultBehaviour: { type: 'stream', chunks: 10, errorAfter: 3 } }),
};
// The fakes record every request; the soak only needs their answers, so the records are dropped as they come.
const trim = setInterval(() => {
  for (const f of Object.values(fakes)) f.requests.length = 0;
}, 1_000);

const urls = Object.fromEntries(Object.entries(fakes).map(([k, f]) => [k, f.url]));
process.send?.({ url: fakes['ok']?.url, urls });

const stop = (): void => {
  clearInterval(trim);
  void Promise.all(Object.values(fakes).map((f) => f.close())).then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
