// Runs the Bus contract against the NATS adapter on a real nats-server (NATS_URL), with a per-run stream.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'nats';
import { connectNatsBus } from '../src/index.ts';
import { runBusContract } from './bus-contract.ts';

const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const stream = { name: `TEST_BUS_${run}`, subjects: [`test.${run}.evt.>`] };

runBusContract('nats', () => connectNatsBus({ servers, name: `bus-contract-${run}`, stream }), {
  corePrefix: `test.${run}.core`,
  durablePrefix: `test.${run}.evt`,
});

after(async () => {
  const nc = await connect({ servers, name: `bus-contract-cleanup-${run}` });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(stream.name).catch(() => false);
  } finally {
    await nc.close();
  }
});

test('nats stream - created once, then only widened when a bus needs more subjects', async () => {
  const name = `TEST_BUS_ENSURE_${run}`;
  const a = `test.${run}.ensure-a`;
  const b = `test.${run}.ensure-b`;
  const data = new Uint8Array([1]);
  const nc = await connect({ servers, name: `bus-contract-ensure-${run}` });
  const buses = [
    await connectNatsBus({ servers, name: 'ensure-1', stream: { name, subjects: [`${a}.>`] } }),
    await connectNatsBus({ servers, name: 'ensure-2', stream: { name, subjects: [`${a}.>`, `${b}.>`] } }),
    await connectNatsBus({ servers, name: 'ensure-3', stream: { name, subjects: [`${a}.>`] } }),
  ];
  try {
    for (const bus of buses) await bus.publishDurable(`${a}.x`, data);
    await buses[1]!.publishDurable(`${b}.x`, data);
    const info = await (await nc.jetstreamManager()).streams.info(name);
    assert.deepEqual(info.config.subjects, [`${a}.>`, `${b}.>`]);
    assert.equal(info.state.messages, 4);
  } finally {
    await Promise.all(buses.map((bus) => bus.close()));
    await (await nc.jetstreamManager()).streams.delete(name).catch(() => false);
    await nc.close();
  }
});
