// SSE decoder: events survive any split of the byte stream.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SseParser, sseEvents, type SseEvent } from '../src/providers/shared/sse.ts';

const enc = new TextEncoder();

function parseAll(chunks: Uint8Array[]): SseEvent[] {
  const p = new SseParser();
  const out: SseEvent[] = [];
  for (const c of chunks) out.push(...p.push(c));
  out.push(...p.end());
  return out;
}

const MIXED = [
  ': keep-alive comment',
  'event: message_start',
  'data: {"a":1}',
  '',
  'data: line one',
  'data: line two',
  'id: 7',
  '',
  'data:no-space',
  'retry: 1000',
  '',
  'event: ping',
  'data',
  '',
  'data: ünïcødé ✓ 👋',
  '',
  'data: [DONE]',
  '',
  '',
].join('\r\n');

const EXPECTED: SseEvent[] = [
  { event: 'message_start', data: '{"a":1}', id: null },
  { event: 'message', data: 'line one\nline two', id: '7' },
  { event: 'message', data: 'no-space', id: '7' },
  { event: 'ping', data: '', id: '7' },
  { event: 'message', data: 'ünïcødé ✓ 👋', id: '7' },
  { event: 'message', data: '[DONE]', id: '7' },
];

describe('providers/sse', () => {
  test('sse - parses comments, event names, multi-line data, ids and empty data lines', () => {
    assert.deepEqual(parseAll([enc.encode(MIXED)]), EXPECTED);
  });

  test('sse - gives the same events when the bytes are split at every offset (CRLF, LF and CR line ends)', () => {
    for (const text of [MIXED, MIXED.replace(/\r\n/g, '\n'), MIXED.replace(/\r\n/g, '\r')]) {
      const bytes = enc.encode(text);
      for (let i = 0; i <= bytes.length; i++) {
        assert.deepEqual(parseAll([bytes.subarray(0, i), bytes.subarray(i)]), EXPECTED, `split at ${i}`);
      }
    }
  });

  test('sse - gives the same events when fed one byte at a time', () => {
    const bytes = enc.encode(MIXED);
    assert.deepEqual(parseAll(Array.from(bytes, (b) => Uint8Array.of(b))), EXPECTED);
  });

  test('sse - a byte order mark at the start is dropped, even split across reads; one later is data', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('data: a\n\ndata: \ufeffb\n\n')]);
    const expected = [{ event: 'message', data: 'a', id: null }, { event: 'message', data: '\ufeffb', id: null }];
    assert.deepEqual(parseAll([bytes]), expected);
    assert.deepEqual(parseAll([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)]), expected);
  });

  test('sse - invalid UTF-8 becomes the replacement character, as UTF-8 decode says', () => {
    assert.deepEqual(parseAll([new Uint8Array([...enc.encode('data: x'), 0xff, ...enc.encode('y\n\n')])]), [{ event: 'message', data: 'x\ufffdy', id: null }]);
  });

  test('sse - drops an event whose closing blank line never arrived', () => {
    assert.deepEqual(parseAll([enc.encode('data: complete\n\ndata: cut off')]), [{ event: 'message', data: 'complete', id: null }]);
  });

  test('sse - decodes the recorded Gemini CRLF stream split at every offset', () => {
    const bytes = readFileSync(new URL('./fixtures/gemini/stream.v1beta.sse', import.meta.url));
    const whole = parseAll([bytes]);
    assert.equal(whole.length, 3);
    for (let i = 0; i <= bytes.length; i += 7) assert.deepEqual(parseAll([bytes.subarray(0, i), bytes.subarray(i)]), whole);
  });

  test('sse - sseEvents yields events from an async byte stream', async () => {
    async function* body() {
      yield enc.encode('data: a\n');
      yield enc.encode('\ndata: b\n\n');
    }
    const got: string[] = [];
    for await (const ev of sseEvents(body())) got.push(ev.data);
    assert.deepEqual(got, ['a', 'b']);
  });
});
