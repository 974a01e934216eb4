import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createInProcessBus, createPipeline, jsonPipelineCodec, silentLogger, type Bus, type ReplyChunk, type Stage } from '../src/index.ts';
import { packReplies, unpackReplies } from '../src/pipeline/reply-frames.ts';
import { fullSamples } from './contracts-samples.ts';

/** Counts the messages published on reply subjects. */
function countingBus(): { bus: Bus; replyMessages: () => number } {
  const bus = createInProcessBus();
  let n = 0;
  const publish = bus.publish.bind(bus);
  bus.publish = (subject, data, headers) => {
    if (subject.includes('.reply.')) n++;
    publish(subject, data, headers);
  };
  return { bus, replyMessages: () => n };
}

const streamStage = (chunks: number, splitEvery: number): Stage => ({
  name: 'router',
  async handle(_env, ctx) {
    ctx.reply.send('head', 200, { 'x-gateway-model-deployment': 'd1' }, null);
    for (let i = 0; i < chunks; i++) {
      // A new provider read every `splitEvery` chunks: later chunks arrive in another event-loop turn.
      if (i > 0 && i % splitEvery === 0) await new Promise((r) => setImmediate(r));
      ctx.reply.send('data', 0, null, JSON.stringify({ i }));
    }
    ctx.reply.send('end', 0, null, null);
  },
});

async function runStream(chunks: number, splitEvery: number): Promise<{ got: ReplyChunk[]; messages: number }> {
  const { bus, replyMessages } = countingBus();
  const codec = jsonPipelineCodec();
  const routerSide = createPipeline({ bus, codec, logger: silentLogger(), stages: [streamStage(chunks, splitEvery)] }, { distributed: true });
  const ingressSide = createPipeline({ bus, codec, logger: silentLogger(), stages: [] }, { distributed: true });
  routerSide.serveStages();
  ingressSide.listenReplies('ing1');
  const replyTo = ingressSide.subjects.reply('ing1', 'req-1');
  const got: ReplyChunk[] = [];
  const done = new Promise<void>((resolve) => ingressSide.openReply(replyTo, (c) => (got.push(c), c.kind === 'end' && resolve())));
  // Let the subscriptions start before the first publish.
  await new Promise((r) => setImmediate(r));
  ingressSide.dispatch({ ...fullSamples.RequestEnvelope, requestId: 'req-1', slip: ['router'], replyTo });
  await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error('reply did not end')), 5_000).unref())]);
  await routerSide.close();
  await ingressSide.close();
  await bus.close();
  return { got, messages: replyMessages() };
}

describe('pipeline replies over the bus', () => {
  test('a stream arrives complete and in order, its chunks of one turn batched into one bus message', async () => {
    const { got, messages } = await runStream(20, 20);
    assert.deepEqual(got.map((c) => c.seq), Array.from({ length: 22 }, (_, i) => i));
    assert.deepEqual(got.filter((c) => c.kind === 'data').map((c) => (JSON.parse(c.data ?? '') as { i: number }).i), Array.from({ length: 20 }, (_, i) => i));
    assert.equal(got.at(-1)?.kind, 'end');
    assert.equal(messages, 1, 'head, 20 data chunks and end were produced in one turn');
  });

  test('chunks produced in later turns are not held back for the end', async () => {
    const { got, messages } = await runStream(20, 5);
    assert.equal(got.length, 22);
    assert.deepEqual(got.map((c) => c.seq), Array.from({ length: 22 }, (_, i) => i));
    assert.equal(messages, 4, 'one message per provider read');
  });

  test('frames round-trip and a truncated frame is refused', () => {
    const parts = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(7)];
    assert.deepEqual(unpackReplies(packReplies(parts)).map((p) => [...p]), parts.map((p) => [...p]));
    const packed = packReplies(parts);
    assert.throws(() => unpackReplies(packed.subarray(0, packed.length - 1)), /longer than its message/);
    assert.throws(() => unpackReplies(packed.subarray(0, 2)), /truncated/);
  });
});
