import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLogger, infoLineWriter } from '../src/log/logger.ts';

function capture(): { dest: Writable; lines: string[] } {
  const lines: string[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { dest, lines };
}

const sameTime = (line: string): string => line.replace(/"time":\d+/, '"time":0');

test('logger - the request line writer writes exactly the line pino would, bindings and escaping included', () => {
  const { dest, lines } = capture();
  const log = createLogger({ name: 'gateway', destination: dest }).child({ service: 'telemetry' });
  const fields = { requestId: 'r-1', keyAlias: 'a "quoted"\nalias', teamId: null, fallbacks: ['a->b:rate_limit'], costUsd: 0.25, stream: false };
  log.info(fields, 'request completed');
  infoLineWriter(log)(fields, 'request completed');
  assert.equal(lines.length, 2);
  assert.equal(sameTime(lines[1] as string), sameTime(lines[0] as string));
  assert.deepEqual(JSON.parse(lines[1] as string).fallbacks, ['a->b:rate_limit']);
});

test('logger - the request line writer respects the level and leaves loggers it cannot mirror to pino', () => {
  const quiet = capture();
  infoLineWriter(createLogger({ name: 'gateway', level: 'warn', destination: quiet.dest }))({ a: 1 }, 'request completed');
  assert.equal(quiet.lines.length, 0);

  const mixed = capture();
  const withMixin = pino({ level: 'info', base: { name: 'gateway' }, mixin: () => ({ replica: 'r1' }) }, mixed.dest);
  infoLineWriter(withMixin)({ a: 1 }, 'request completed');
  assert.equal(JSON.parse(mixed.lines[0] as string).replica, 'r1');
});
