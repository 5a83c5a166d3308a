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
import { MediaRequestError, MediaRoom } from '../../src/media/media-room.ts';
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
  const room = await MediaRoom.open(worker, LISTEN, ['caller', 'callee'], createLogger('silent'), () => {});
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
  const room = await MediaRoom.open(worker, LISTEN, ['caller', 'callee'], createLogger('silent'), () => {});
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

/** A room where both native parties published and consume each other, as in an answered call. */
async function callRoom(t: TestContext) {
  const worker = await startWorker(t);
  const room = await MediaRoom.open(worker, LISTEN, ['caller', 'callee'], createLogger('silent'), () => {});
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

it("a consumer whose producer closes is a 'producer-gone' stall at once", { timeout: 30_000 }, async (t) => {
  const { room, stalls, stalled } = await callRoom(t);
  // A threshold no test waits for: only the closed producer can be reported.
  room.watch('caller', 'callee', { stallAfterMs: 600_000, everyMs: 100 });
  room.dropParty('callee');
  await stalled(1);
  assert.deepEqual(stalls, ['callee->caller producer-gone']);
});
