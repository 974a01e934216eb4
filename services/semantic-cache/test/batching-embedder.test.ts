// The batching wrapper: no waiting when idle, batches what queues behind a running call, remembers recent vectors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createBatchingEmbedder, type Embedder } from '@ai-gateway/semantic-cache';

/** Records each call; resolves when `release` is called (or at once when not gated). */
function recordingEmbedder(gated = false): Embedder & { calls: string[][]; release(): void } {
  const calls: string[][] = [];
  let open: Array<() => void> = [];
  return {
    id: 'rec', dimensions: 2, calls,
    release() { for (const f of open) f(); open = []; },
    fits: (t) => t.length < 10,
    async embed(texts) {
      calls.push([...texts]);
      if (gated) await new Promise<void>((r) => open.push(r));
      return texts.map((t) => Float32Array.from([t.length, 1]));
    },
  };
}

describe('batching embedder', () => {
  test('embeds a lone text at once, without waiting for a batching window', async () => {
    const inner = recordingEmbedder();
    const e = createBatchingEmbedder(inner);
    const p = e.embed(['alone']);
    assert.deepEqual(inner.calls, [['alone']], 'the inner call starts in the same tick');
    assert.deepEqual([...((await p)[0] ?? [])], [5, 1]);
  });

  test('texts asked for while a call runs go together in the next call, duplicates once', async () => {
    const inner = recordingEmbedder(true);
    const e = createBatchingEmbedder(inner);
    const first = e.embed(['a', 'b']);
    const second = e.embed(['c']);
    const third = e.embed(['d', 'c']);
    assert.deepEqual(inner.calls, [['a', 'b']]);
    inner.release();
    await first;
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(inner.calls, [['a', 'b'], ['c', 'd']]);
    inner.release();
    const [[c], [d, c2]] = await Promise.all([second, third]);
    assert.equal(c, c2);
    assert.ok(d);
  });

  test('answers a repeated text from its memory, and a failed call fails only its own waiters', async () => {
    let fail = false;
    const inner = recordingEmbedder();
    const e = createBatchingEmbedder({ ...inner, embed: async (t) => { if (fail) throw new Error('model crashed'); return inner.embed(t); } }, { cacheSize: 2 });
    const [a] = await e.embed(['one']);
    assert.equal((await e.embed(['one']))[0], a);
    fail = true;
    await assert.rejects(e.embed(['two']), /model crashed/);
    fail = false;
    assert.ok((await e.embed(['two']))[0]);
    assert.equal(inner.calls.length, 2);
  });

  test('passes on whether a text fits the model', () => {
    const e = createBatchingEmbedder(recordingEmbedder());
    assert.equal(e.fits?.('short'), true);
    assert.equal(e.fits?.('much too long'), false);
  });
});
