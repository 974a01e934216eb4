// Runs the Bus contract against the NATS adapter on a real nats-server (NATS_URL), with a per-run stream.
import { after } from 'node:test';
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
