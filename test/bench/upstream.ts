// Benchmark child: the fast fake OpenAI upstream (pre-serialized answers; streams of BENCH_CHUNKS content chunks).
import { startFakeOpenAI } from '../support/fake-openai.ts';

const chunks = Number(process.env['BENCH_CHUNKS'] ?? '20');
// One short word per chunk, like a token stream.
const content = Array.from({ length: chunks }, (_, i) => `tok${i % 10} `).join('');
const fake = await startFakeOpenAI({ fast: true, defaultBehaviour: { type: 'stream', chunks, content } });
process.send?.({ url: fake.url });

const stop = (): void => void fake.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
