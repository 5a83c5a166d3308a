/** A call's media room against a real mediasoup worker: the native engine's SDP requests. */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { once } from 'node:events';
import { it, type TestContext } from 'node:test';
// Sets MEDIASOUP_WORKER_BIN, which mediasoup reads when it loads: import it first.
import { assertWorkerBinary } from '../../src/media/worker-binary.ts';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import sdpTransform from 'sdp-transform';
import { createLogger } from '../../src/log.ts';
import { MediaRequestError, MediaRoom, StaleSubscription, webRtcLegs } from '../../src/media/media-room.ts';
import { iceCheck, sfuIceOf } from '../support/ice-check.ts';
import { audioOffer } from './harness.ts';

/** Next to the harness's range (41000-41199), so a server another test started never shares a port. */
const LISTEN = { ip: '127.0.0.1', ports: { min: 41200, max: 41219 } };

/** A DTLS certificate's SHA-256 fingerprint as SDP writes it: each engine connection has its own. */
const fingerprint = () =>
  [...crypto.randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');

/**
 * What libwebrtc answers to the SFU's downstream offer: receive-only Opus on the offer's mid, as the
 * DTLS client (`active`, the offer said `actpass`) with its connection's certificate.
 */
function nativeAnswer(offerSdp: string, certificate: string): string {
  const media = sdpTransform.parse(offerSdp).media[0];
  const opus = media?.rtp.find((r) => r.codec === 'opus');
  assert.ok(media && opus, 'the offer carries Opus');
  return [
    'v=0',
    `o=- ${crypto.randomInt(1e9)} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    `a=group:BUNDLE ${media.mid}`,
    `m=audio 9 UDP/TLS/RTP/SAVPF ${opus.payload}`,
    'c=IN IP4 0.0.0.0',
    `a=ice-ufrag:${crypto.randomBytes(4).toString('hex')}`,
    `a=ice-pwd:${crypto.randomBytes(12).toString('hex')}`,
    `a=fingerprint:sha-256 ${certificate}`,
    'a=setup:active',
    `a=mid:${media.mid}`,
    'a=recvonly',
    'a=rtcp-mux',
    `a=rtpmap:${opus.payload} opus/48000/2`,
    '',
  ].join('\r\n');
}

/** A real worker, closed (and waited for) when the test ends. */
async function startWorker(t: TestContext): Promise<ms.Worker> {
  assertWorkerBinary();
  const worker = await mediasoup.createWorker({ logLevel: 'warn' });
  t.after(async () => {
    const exited = once(worker, 'subprocessclose');
    worker.close();
    await exited;
  });
  return worker;
}

it('a native downstream answered again by the same connection is taken once; one from another connection is refused', async (t) => {
  const worker = await startWorker(t);
  // The room keeps its transports to itself; the worker's observer shows what connect() did to them.
  const transports: ms.WebRtcTransport[] = [];
  worker.observer.on('newrouter', (router) =>
    router.observer.on('newtransport', (transport) => transports.push(transport as ms.WebRtcTransport)),
  );
  const room = await MediaRoom.open(
    worker,
    LISTEN,
    webRtcLegs,
    ['caller', 'callee'],
    createLogger('silent'),
    () => {},
  );
  t.after(() => room.close());

  // Publishing is what makes a native party's recv transport: both do, as in a call.
  await room.handle('caller', 'media:publish', { sdp: audioOffer() });
  await room.handle('callee', 'media:publish', { sdp: audioOffer() });
  const delivery = await room.subscribe('callee', 'caller');
  assert.ok(delivery.event === 'media:offer', 'a native party is offered its downstream');
  const recv = transports.find((x) => x.appData['party'] === 'callee' && x.appData['leg'] === 'recv');
  assert.ok(recv, 'the room made the callee a recv transport');
  assert.equal(recv.dtlsParameters.role, 'auto', 'not connected before the answer');

  const answer = nativeAnswer(delivery.payload.sdp, fingerprint());
  const otherConnection = nativeAnswer(delivery.payload.sdp, fingerprint());
  assert.deepEqual(await room.handle('callee', 'media:subscribe-answer', { sdp: answer }), {});
  // The worker took the answer's `active`: it is the DTLS server. (Its dtlsState stays 'new' until
  // ICE connects, which needs a real peer.)
  assert.equal(recv.dtlsParameters.role, 'server');

  // The same offer again, on another socket of the device: the engine's one connection answers it again.
  assert.deepEqual(await room.handle('callee', 'media:subscribe-answer', { sdp: answer }), {});

  await assert.rejects(room.handle('callee', 'media:subscribe-answer', { sdp: otherConnection }), (err) => {
    assert.ok(err instanceof MediaRequestError);
    assert.equal(err.message, 'the downstream was answered already, by another connection');
    return true;
  });
  assert.equal(recv.closed, false, 'the refusal leaves the connected downstream alone');
});

it('a second subscription for a party, asked for while the first waits, is refused: one consumer, one offer', async (t) => {
  const worker = await startWorker(t);
  let consumers = 0;
  worker.observer.on('newrouter', (router) =>
    router.observer.on('newtransport', (transport) =>
      transport.observer.on('newconsumer', () => consumers++),
    ),
  );
  const room = await MediaRoom.open(
    worker,
    LISTEN,
    webRtcLegs,
    ['caller', 'callee'],
    createLogger('silent'),
    () => {},
  );
  t.after(() => room.close());
  await room.handle('caller', 'media:publish', { sdp: audioOffer() });
  // Both start before the callee can receive (it publishes after): both would wait, then consume.
  const first = room.subscribe('callee', 'caller');
  const second = room.subscribe('callee', 'caller').then(
    () => null,
    (err: unknown) => err,
  );
  await room.handle('callee', 'media:publish', { sdp: audioOffer() });
  assert.equal((await first).event, 'media:offer');
  assert.match(String(await second), /already subscribed/);
  assert.equal(consumers, 1);
});

/**
 * Every consumer the room makes, which of them are still open, and whose audio each carries (the
 * worker's view of the room).
 */
function watchConsumers(worker: ms.Worker): {
  all: ms.Consumer[];
  open(): ms.Consumer[];
  publisherOf(c: ms.Consumer | undefined): string | undefined;
} {
  const all: ms.Consumer[] = [];
  const publishers = new Map<string, string>();
  worker.observer.on('newrouter', (router) =>
    router.observer.on('newtransport', (transport) => {
      transport.observer.on('newconsumer', (consumer) => all.push(consumer));
      transport.observer.on('newproducer', (p) => publishers.set(p.id, String(p.appData['party'])));
    }),
  );
  return {
    all,
    open: () => all.filter((c) => !c.closed),
    publisherOf: (c) => (c ? publishers.get(c.producerId) : undefined),
  };
}

/** A room on its own worker, closed after the test, with the worker's view of its consumers. */
async function watchedRoom(t: TestContext, parties: string[]) {
  const worker = await startWorker(t);
  const consumers = watchConsumers(worker);
  const room = await MediaRoom.open(worker, LISTEN, webRtcLegs, parties, createLogger('silent'), () => {});
  t.after(() => room.close());
  return { room, consumers };
}

const offeredSsrc = (sdp: string) => sdpTransform.parse(sdp).media[0]?.ssrcs?.[0]?.id;
const offeredMid = (sdp: string) => String(sdpTransform.parse(sdp).media[0]?.mid);

it('subscribing a party to another publisher replaces its consumer: the old one is closed, the offer keeps its m-section', async (t) => {
  const { room, consumers } = await watchedRoom(t, ['caller', 'callee:tab', 'callee:phone']);
  for (const party of ['caller', 'callee:tab', 'callee:phone'])
    await room.handle(party, 'media:publish', { sdp: audioOffer() });

  const first = await room.subscribe('caller', 'callee:tab');
  const second = await room.subscribe('caller', 'callee:phone');
  assert.ok(first.event === 'media:offer' && second.event === 'media:offer');
  assert.equal(consumers.all.length, 2);
  assert.equal(consumers.all[0]?.closed, true, 'the consumer of the first publisher is closed');
  assert.deepEqual(consumers.open(), [consumers.all[1]], 'one consumer open');
  assert.equal(consumers.publisherOf(consumers.all[1]), 'callee:phone');
  assert.notEqual(offeredSsrc(second.payload.sdp), offeredSsrc(first.payload.sdp), 'a new stream');
  // libwebrtc takes a subsequent offer only for the m-sections it has, in order (by mid).
  assert.equal(offeredMid(second.payload.sdp), offeredMid(first.payload.sdp));
});

it('a consumer whose producer closes is dropped and the room says so; the party can then subscribe to another publisher', async (t) => {
  const { room, consumers } = await watchedRoom(t, ['caller', 'callee:tab', 'callee:phone']);
  for (const party of ['caller', 'callee:tab', 'callee:phone'])
    await room.handle(party, 'media:publish', { sdp: audioOffer() });
  await room.subscribe('caller', 'callee:tab');

  const closed = once(room, 'downstream-closed', { signal: AbortSignal.timeout(10_000) });
  // As when another device answers: the tab's transports go, and its producer with them.
  room.dropParty('callee:tab');
  assert.deepEqual(await closed, ['caller', 'callee:tab']);
  assert.deepEqual(consumers.open(), [], 'no consumer of a closed producer lingers');

  await room.subscribe('caller', 'callee:phone');
  assert.deepEqual(consumers.open().map(consumers.publisherOf), ['callee:phone']);
});

it('a subscription whose publisher leaves while it waits ends as stale, with downstream-closed: no consumer is made', async (t) => {
  const { room, consumers } = await watchedRoom(t, ['caller', 'callee:tab']);
  await room.handle('callee:tab', 'media:publish', { sdp: audioOffer() });
  // The caller can't receive before it publishes: the subscription waits.
  const pending = room.subscribe('caller', 'callee:tab').then(
    () => null,
    (err: unknown) => err,
  );
  const closed = once(room, 'downstream-closed', { signal: AbortSignal.timeout(10_000) });
  room.dropParty('callee:tab');
  await room.handle('caller', 'media:publish', { sdp: audioOffer() });
  assert.ok((await pending) instanceof StaleSubscription);
  assert.deepEqual(await closed, ['caller', 'callee:tab']);
  assert.equal(consumers.all.length, 0);
});

it('two subscriptions of a party to different publishers while it waits: only the later one is consumed', async (t) => {
  const { room, consumers } = await watchedRoom(t, ['caller', 'callee:tab', 'callee:phone']);
  await room.handle('callee:tab', 'media:publish', { sdp: audioOffer() });
  await room.handle('callee:phone', 'media:publish', { sdp: audioOffer() });
  const first = room.subscribe('caller', 'callee:tab').then(
    () => null,
    (err: unknown) => err,
  );
  const second = room.subscribe('caller', 'callee:phone');
  await room.handle('caller', 'media:publish', { sdp: audioOffer() });
  assert.equal((await second).event, 'media:offer');
  assert.ok((await first) instanceof StaleSubscription);
  assert.equal(consumers.all.length, 1);
  assert.equal(consumers.publisherOf(consumers.open()[0]), 'callee:phone');
});

/** A room where both native parties published and consume each other, as in an answered call. */
async function callRoom(t: TestContext) {
  const worker = await startWorker(t);
  const room = await MediaRoom.open(
    worker,
    LISTEN,
    webRtcLegs,
    ['caller', 'callee'],
    createLogger('silent'),
    () => {},
  );
  t.after(() => room.close());
  await room.handle('caller', 'media:publish', { sdp: audioOffer() });
  await room.handle('callee', 'media:publish', { sdp: audioOffer() });
  await room.subscribe('callee', 'caller');
  await room.subscribe('caller', 'callee');
  const stalls: string[] = [];
  room.on('stall', (direction, cause) => stalls.push(`${direction} ${cause}`));
  const stalled = (n: number) =>
    new Promise<void>((resolve) => {
      if (stalls.length >= n) resolve();
      else room.on('stall', () => stalls.length >= n && resolve());
    });
  return { room, stalls, stalled };
}

it(
  'a watched call whose parties send no RTP stalls both ways, naming the senders',
  { timeout: 30_000 },
  async (t) => {
    const { room, stalls, stalled } = await callRoom(t);
    room.watch('caller', 'callee', { stallAfterMs: 1_000, everyMs: 100 });
    await stalled(2);
    assert.deepEqual(stalls.sort(), [
      'callee->caller no-rtp-from-sender',
      'caller->callee no-rtp-from-sender',
    ]);
    assert.deepEqual(
      room.directions().map((r) => [r.direction, r.packets, r.firstRtpMs, r.stalls]),
      [
        ['caller->callee', 0, null, 1],
        ['callee->caller', 0, null, 1],
      ],
    );
  },
);

it(
  "a consumer whose producer closes and that nothing replaces is a 'producer-gone' stall",
  { timeout: 30_000 },
  async (t) => {
    const { room, stalls } = await callRoom(t);
    room.watch('caller', 'callee', { stallAfterMs: 1_000, everyMs: 100 });
    const gone = new Promise<void>((resolve) =>
      room.on('stall', (direction) => direction === 'callee->caller' && resolve()),
    );
    room.dropParty('callee');
    await gone;
    assert.ok(stalls.includes('callee->caller producer-gone'), stalls.join(', '));
  },
);

/** The SDP's `o=` session id and version, as numbers. */
const origin = (sdp: string) => {
  const o = sdpTransform.parse(sdp).origin;
  return { sessionId: Number(o?.sessionId), version: o?.sessionVersion };
};

/** libwebrtc's offer after `restartIce()`: the same connection (certificate, SSRC), new ICE credentials. */
const restartOffer = (offer: string) =>
  offer
    .replace(/a=ice-ufrag:.*/, `a=ice-ufrag:${crypto.randomBytes(4).toString('hex')}`)
    .replace(/a=ice-pwd:.*/, `a=ice-pwd:${crypto.randomBytes(12).toString('hex')}`);

/** A room whose transports the test can see (the worker's observer), and the transport of one leg. */
async function roomWithTransports(t: TestContext) {
  const worker = await startWorker(t);
  const transports: ms.WebRtcTransport[] = [];
  worker.observer.on('newrouter', (router) =>
    router.observer.on('newtransport', (transport) => transports.push(transport as ms.WebRtcTransport)),
  );
  const room = await MediaRoom.open(
    worker,
    LISTEN,
    webRtcLegs,
    ['caller', 'callee'],
    createLogger('silent'),
    () => {},
  );
  t.after(() => room.close());
  const transportOf = (party: string, leg: 'send' | 'recv') => {
    const found = transports.find((x) => x.appData['party'] === party && x.appData['leg'] === leg);
    assert.ok(found, `${party} has a ${leg} transport`);
    return found;
  };
  return { room, transportOf };
}

/** A check from a new path with these credentials is answered, and the transport selects that path. */
async function connectsWith(transport: ms.WebRtcTransport, sdp: string): Promise<void> {
  const selected = once(transport, 'iceselectedtuplechange') as Promise<[ms.TransportTuple]>;
  const check = await iceCheck(sfuIceOf(sdp));
  assert.equal(check.result, 'success', "the SFU answers a check with the SDP's credentials");
  const [tuple] = await selected;
  assert.equal(tuple.remotePort, check.localPort, 'the transport moved to the new path');
}

it('a native upstream ICE restart: the SFU restarts its transport and answers with the new credentials, which connect', async (t) => {
  const { room, transportOf } = await roomWithTransports(t);
  const offer = audioOffer();
  const first = (await room.handle('caller', 'media:publish', { sdp: offer })).sdp;
  const send = transportOf('caller', 'send');
  await connectsWith(send, first);

  const restarted = (await room.handle('caller', 'media:publish-restart', { sdp: restartOffer(offer) })).sdp;
  const before = sfuIceOf(first);
  const after = sfuIceOf(restarted);
  assert.notEqual(after.ufrag, before.ufrag, 'new ice-ufrag');
  assert.notEqual(after.pwd, before.pwd, 'new ice-pwd');
  // The transport's parameters are what its restartIce() returned (mediasoup 3.19.2
  // node/lib/WebRtcTransport.js restartIce: `this.#data.iceParameters = iceParameters`).
  assert.deepEqual(
    [after.ufrag, after.pwd],
    [send.iceParameters.usernameFragment, send.iceParameters.password],
  );
  assert.deepEqual(origin(restarted), { ...origin(first), version: 2 }, 'the same session, its next version');
  assert.equal(sdpTransform.parse(restarted).media[0]?.direction, 'recvonly');

  await connectsWith(send, restarted);
  // Once the new credentials were used, mediasoup retires the old ones (IceServer.cpp: 401).
  assert.equal((await iceCheck(before)).result, 401, 'the old credentials are refused');
});

it('a native upstream restart from another connection than the one that published is refused', async (t) => {
  const { room } = await roomWithTransports(t);
  await room.handle('caller', 'media:publish', { sdp: audioOffer() });
  await assert.rejects(room.handle('caller', 'media:publish-restart', { sdp: audioOffer() }), (err) => {
    assert.ok(err instanceof MediaRequestError);
    assert.equal(err.message, 'an ICE restart from another connection than the one that published');
    return true;
  });
  await assert.rejects(
    room.handle('callee', 'media:publish-restart', { sdp: audioOffer() }),
    MediaRequestError,
  );
});

it('a native downstream ICE restart: the SFU re-offers the same m-section with new credentials, the next version of its session', async (t) => {
  const { room, transportOf } = await roomWithTransports(t);
  await room.handle('caller', 'media:publish', { sdp: audioOffer() });
  await room.handle('callee', 'media:publish', { sdp: audioOffer() });
  const delivery = await room.subscribe('callee', 'caller');
  assert.ok(delivery.event === 'media:offer');
  const first = delivery.payload.sdp;
  const certificate = fingerprint();
  await room.handle('callee', 'media:subscribe-answer', { sdp: nativeAnswer(first, certificate) });
  const recv = transportOf('callee', 'recv');
  await connectsWith(recv, first);

  const reoffer = (await room.handle('callee', 'media:subscribe-restart', {})).sdp;
  const before = sfuIceOf(first);
  const after = sfuIceOf(reoffer);
  assert.notEqual(after.ufrag, before.ufrag, 'new ice-ufrag');
  assert.notEqual(after.pwd, before.pwd, 'new ice-pwd');
  assert.deepEqual(
    [after.ufrag, after.pwd],
    [recv.iceParameters.usernameFragment, recv.iceParameters.password],
  );
  assert.deepEqual(
    origin(reoffer),
    { ...origin(first), version: 2 },
    'a subsequent offer: same session, next version',
  );
  const [was, is] = [first, reoffer].map((sdp) => sdpTransform.parse(sdp).media[0]);
  assert.deepEqual(
    [is?.mid, is?.direction, is?.setup, is?.ssrcs?.[0]?.id],
    [was?.mid, 'sendonly', 'actpass', was?.ssrcs?.[0]?.id],
    'the same m-section carrying the same consumer',
  );
  // The same connection answers: DTLS is up already and stays.
  assert.deepEqual(
    await room.handle('callee', 'media:subscribe-answer', { sdp: nativeAnswer(reoffer, certificate) }),
    {},
  );

  await connectsWith(recv, reoffer);
  assert.equal((await iceCheck(before)).result, 401, 'the old credentials are refused');
});

it('a native downstream that is offered another publisher gets the next version of the same session', async (t) => {
  const { room } = await watchedRoom(t, ['caller', 'callee', 'callee:phone']);
  for (const party of ['caller', 'callee', 'callee:phone'])
    await room.handle(party, 'media:publish', { sdp: audioOffer() });
  const first = await room.subscribe('caller', 'callee');
  const second = await room.subscribe('caller', 'callee:phone');
  assert.ok(first.event === 'media:offer' && second.event === 'media:offer');
  assert.deepEqual(origin(second.payload.sdp), { ...origin(first.payload.sdp), version: 2 });
});
