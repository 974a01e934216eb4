import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { LineBuffer } from '../src/log/line-buffer.ts';

function sink(): { writes: string[]; flushed: number; write(t: string): void; flush(cb: () => void): void } {
  return {
    writes: [],
    flushed: 0,
    write(t: string) {
      this.writes.push(t);
    },
    flush(cb: () => void) {
      this.flushed++;
      cb();
    },
  };
}

test('line buffer - lines reach the sink in order, joined into one write once they reach the size', () => {
  const s = sink();
  const buf = new LineBuffer(s, 30);
  buf.write('{"a":1}\n');
  buf.write('{"b":2}\n');
  buf.write('{"c":3}\n');
  assert.deepEqual(s.writes, [], 'nothing is written below the size');
  buf.write('{"d":4,"pad":"xxxxx"}\n');
  assert.deepEqual(s.writes, ['{"a":1}\n{"b":2}\n{"c":3}\n{"d":4,"pad":"xxxxx"}\n']);
  assert.equal(buf.pendingChars, 0);
});

test('line buffer - flush hands over what is pending, and calls back after the sink flushed (pino logger.flush)', async () => {
  const s = sink();
  const buf = new LineBuffer(s, 4096);
  buf.write('one\n');
  buf.flush();
  assert.deepEqual(s.writes, ['one\n']);
  buf.flush();
  assert.deepEqual(s.writes, ['one\n'], 'an empty flush writes nothing');

  const log = pino({ level: 'info', base: { name: 'gateway' } }, buf);
  log.warn('kept in order');
  log.info({ requestId: 'r-1' }, 'request completed');
  await new Promise<void>((resolve) => log.flush(() => resolve()));
  assert.equal(s.flushed, 1);
  const lines = (s.writes[1] ?? '').trimEnd().split('\n').map((l) => JSON.parse(l) as { msg: string });
  assert.deepEqual(lines.map((l) => l.msg), ['kept in order', 'request completed']);
});
