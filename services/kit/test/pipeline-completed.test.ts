import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  avroCodec,
  baseCompletedEvent,
  createInProcessBus,
  createPipeline,
  silentLogger,
  subjectsFor,
  type Bus,
  type CompletedEvent,
  type DurableMessage,
  type RequestEnvelope,
  type Stage,
} from '../src/index.ts';
import { until } from './bus-contract-support.ts';
import { fullSamples } from './contracts-samples.ts';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));


/** Answers, then completes with the request's id as the model group (so the test can tell events apart). */
const answering: Stage = {
  name: 'router',
  async handle(env, ctx) {
    ctx.reply.send('body', 200, null, '{}');
    const evt = baseCompletedEvent(env, Date.now());
    evt.outcome = 'success';
    evt.httpStatus = 200;
    ctx.complete(evt);
  },
};

/** Waits for the cancel, then completes as cancelled (like the router when the client left). */
const cancellable: Stage = {
  name: 'router',
  async handle(env, ctx) {
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
    const evt = baseCompletedEvent(env, Date.now());
    evt.outcome = 'cancelled';
    evt.httpStatus = 499;
    ctx.complete(evt);
  },
};

const envelope = (requestId: string, replyTo: string): RequestEnvelope => ({ ...fullSamples.RequestEnvelope, requestId, slip: ['router'], replyTo });

/** Durable deliveries of completed events on `bus` (what accounting reads), by request id. */
async function durableIds(bus: Bus, subject: string): Promise<{ ids: string[]; stop(): Promise<void> }> {
  const ids: string[] = [];
  const consumer = await bus.consumeDurable(subject, 'test-accounting', (m: DurableMessage) => {
    ids.push(avroCodec.decodeCompleted(m.data).requestId);
    m.ack();
  });
  return { ids, stop: () => consumer.stop() };
}

describe('completed events reach the ingress that served the request', () => {
  test('embedded: the listener hears each event once, directly, and the durable stream still gets it', async () => {
    const bus = createInProcessBus();
    const pipeline = createPipeline({ bus, codec: avroCodec, logger: silentLogger(), stages: [answering] }, { distributed: false });
    const durable = await durableIds(bus, pipeline.subjects.completed);
    const heard: CompletedEvent[] = [];
    const stop = pipeline.onCompleted('ing1', (e) => heard.push(e));
    for (const id of ['r1', 'r2']) {
      const replyTo = pipeline.subjects.reply('ing1', id);
      pipeline.openReply(replyTo, () => {});
      pipeline.dispatch(envelope(id, replyTo));
    }
    await until(() => heard.length === 2, 1_000, 'both heard');
    assert.deepEqual(heard.map((e) => [e.requestId, e.outcome]), [['r1', 'success'], ['r2', 'success']]);
    await until(() => durable.ids.length === 2, 1_000, 'both on the durable stream');
    stop();
    const replyTo = pipeline.subjects.reply('ing1', 'r3');
    pipeline.dispatch(envelope('r3', replyTo));
    await until(() => durable.ids.includes('r3'), 1_000, 'r3 on the durable stream');
    assert.equal(heard.length, 2, 'an unregistered listener hears nothing more');
    await durable.stop();
    await pipeline.close();
    await bus.close();
  });

  test('distributed: a stage in another process sends the event to its ingress only, also after the client left', async () => {
    const bus = createInProcessBus();
    const subjects = subjectsFor('t1');
    const routerSide = createPipeline({ bus, codec: avroCodec, logger: silentLogger(), stages: [cancellable] }, { distributed: true, subjects });
    const mine = createPipeline({ bus, codec: avroCodec, logger: silentLogger(), stages: [] }, { distributed: true, subjects });
    const other = createPipeline({ bus, codec: avroCodec, logger: silentLogger(), stages: [] }, { distributed: true, subjects });
    routerSide.serveStages();
    const heard: CompletedEvent[] = [];
    const heardByOther: CompletedEvent[] = [];
    mine.onCompleted('ing1', (e) => heard.push(e));
    other.onCompleted('ing2', (e) => heardByOther.push(e));
    mine.listenReplies('ing1');
    await turn();
    const replyTo = subjects.reply('ing1', 'gone-1');
    const close = mine.openReply(replyTo, () => {});
    mine.dispatch(envelope('gone-1', replyTo));
    await turn();
    // The client left: the reply closes at once, the stage completes afterwards.
    close();
    mine.cancel('gone-1');
    await until(() => heard.length === 1, 1_000, 'the cancelled request is heard by its ingress');
    assert.equal(heard[0]?.requestId, 'gone-1');
    assert.equal(heard[0]?.outcome, 'cancelled');
    assert.equal(heard[0]?.httpStatus, 499);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(heard.length, 1, 'heard once');
    assert.equal(heardByOther.length, 0, 'another ingress does not hear it');
    for (const p of [routerSide, mine, other]) await p.close();
    await bus.close();
  });

  test('an event rejected at the edge is heard by the ingress that reported it', async () => {
    const bus = createInProcessBus();
    const pipeline = createPipeline({ bus, codec: avroCodec, logger: silentLogger(), stages: [] }, { distributed: true });
    const durable = await durableIds(bus, pipeline.subjects.completed);
    const heard: string[] = [];
    pipeline.onCompleted('ing1', (e) => heard.push(e.requestId));
    const evt = baseCompletedEvent(envelope('edge-1', ''), Date.now());
    evt.httpStatus = 404;
    pipeline.report(evt, pipeline.subjects.reply('ing1', 'edge-1'));
    pipeline.report({ ...evt, requestId: 'edge-2' });
    assert.deepEqual(heard, ['edge-1'], 'heard at once, in process; an event without a reply subject names no ingress');
    await until(() => durable.ids.length === 2, 1_000, 'both on the durable stream');
    await durable.stop();
    await pipeline.close();
    await bus.close();
  });

  test('a listener that throws does not stop the event reaching the durable stream or the next event', async () => {
    const bus = createInProcessBus();
    const pipeline = createPipeline({ bus, codec: avroCodec, logger: silentLogger(), stages: [answering] }, { distributed: false });
    const durable = await durableIds(bus, pipeline.subjects.completed);
    let calls = 0;
    pipeline.onCompleted('ing1', () => {
      calls++;
      throw new Error('listener bug');
    });
    for (const id of ['t1', 't2']) pipeline.dispatch(envelope(id, pipeline.subjects.reply('ing1', id)));
    await until(() => durable.ids.length === 2, 1_000, 'both on the durable stream');
    assert.equal(calls, 2);
    await durable.stop();
    await pipeline.close();
    await bus.close();
  });

  test('reply subjects name their ingress; other subjects name none', () => {
    const s = subjectsFor('ns');
    assert.equal(s.ingressOfReply(s.reply('ing-7', 'req-1')), 'ing-7');
    assert.equal(s.ingressOfReply(subjectsFor().reply('ing-7', 'req-1')), null, 'another namespace');
    assert.equal(s.ingressOfReply(''), null);
    assert.equal(s.ingressOfReply(s.completed), null);
    assert.equal(s.completedTo('ing-7'), 'ns.gw.v1.done.ing-7');
  });
});
