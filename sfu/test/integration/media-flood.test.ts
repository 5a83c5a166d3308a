/**
 * Review H4: parallel media requests from one party make one transport per leg and one producer,
 * however many arrive before the first is done; the rest are refused, typed. Against the real
 * server and its mediasoup workers, whose observers show every transport and producer made.
 */
import assert from 'node:assert/strict';
// Sets MEDIASOUP_WORKER_BIN, which mediasoup reads when it loads: import it first.
import '../../src/media/worker-binary.ts';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, type Ack } from '../../src/protocol/index.ts';
import { answeredCall, audioOffer, startHarness, type Client, type Harness } from './harness.ts';

const PARALLEL = 50;

/** Every transport and producer the server's workers make, as mediasoup's observers report them. */
const made: { transports: ms.WebRtcTransport[]; producers: ms.Producer[] } = {
  transports: [],
  producers: [],
};
const onWorker = (worker: ms.Worker) =>
  worker.observer.on('newrouter', (router) =>
    router.observer.on('newtransport', (transport) => {
      made.transports.push(transport as ms.WebRtcTransport);
      transport.observer.on('newproducer', (producer) => made.producers.push(producer));
    }),
  );

let h: Harness;
const sockets: Client[] = [];
before(async () => {
  // The workers are made as the server starts: watch for them first.
  mediasoup.observer.on('newworker', onWorker);
  h = await startHarness();
});
after(async () => {
  mediasoup.observer.off('newworker', onWorker);
  for (const s of sockets) s.disconnect();
  await h.stop();
});

/** An answered call; the caller is the party that floods. */
async function floodingCall() {
  const { a, callId } = await answeredCall(h.url, sockets);
  return { caller: a.socket, callId };
}

/** The same request `PARALLEL` times at once: the answers, sorted into taken and refused codes. */
async function flood(acks: Promise<Ack<unknown>>[]) {
  const answers = await Promise.all(acks);
  return {
    ok: answers.filter((r) => r.ok).length,
    refused: answers.flatMap((r) => (r.ok ? [] : [r.error.code])),
  };
}

describe(
  'one transport per leg, one producer per party, however many requests race',
  { timeout: 60_000 },
  () => {
    it(`${PARALLEL} parallel media:transport-create (send), then ${PARALLEL} media:produce → one transport, one producer`, async () => {
      const { caller, callId } = await floodingCall();
      const before = made.transports.length;

      const creates = await flood(
        Array.from({ length: PARALLEL }, () =>
          caller.emitWithAck('media:transport-create', { callId, direction: 'send' }),
        ),
      );
      assert.equal(creates.ok, 1, 'one request is answered with the transport');
      assert.equal(creates.refused.length, PARALLEL - 1);
      assert.ok(
        creates.refused.every((c) => c === ErrorCode.MediaUnavailable),
        `the others are refused, typed: ${creates.refused.join(', ')}`,
      );
      const sends = made.transports.slice(before);
      assert.equal(
        sends.length,
        1,
        `one WebRtcTransport made (each holds a UDP and a TCP port), not ${sends.length}`,
      );
      const [send] = sends;
      assert.ok(send);

      // Each with an SSRC of its own: the worker itself refuses a second producer with the same one.
      const rtpParameters = (ssrc: number) => ({
        codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48_000, channels: 2 }],
        encodings: [{ ssrc }],
        rtcp: { cname: 'flood' },
      });
      const producersBefore = made.producers.length;
      const produces = await flood(
        Array.from({ length: PARALLEL }, (_, i) =>
          caller.emitWithAck('media:produce', {
            callId,
            transportId: send.id,
            kind: 'audio',
            rtpParameters: rtpParameters(1_000 + i),
          }),
        ),
      );
      assert.equal(produces.ok, 1, 'one request is answered with the producer');
      assert.ok(
        produces.refused.every((c) => c === ErrorCode.MediaUnavailable),
        produces.refused.join(', '),
      );
      assert.equal(made.producers.length - producersBefore, 1, 'one producer made');
      assert.ok((await caller.emitWithAck('call:hangup', { callId })).ok, 'the call goes on until hung up');
    });

    it(`${PARALLEL} parallel media:publish from a native engine → one send and one recv transport, one producer`, async () => {
      const { caller, callId } = await floodingCall();
      const before = made.transports.length;
      const producersBefore = made.producers.length;
      const publishes = await flood(
        Array.from({ length: PARALLEL }, () =>
          caller.emitWithAck('media:publish', { callId, sdp: audioOffer() }),
        ),
      );
      assert.equal(publishes.ok, 1, 'one publish is answered');
      assert.ok(
        publishes.refused.every((c) => c === ErrorCode.MediaUnavailable),
        publishes.refused.join(', '),
      );
      const legs = made.transports.slice(before).map((t) => t.appData['leg']);
      assert.deepEqual(legs.sort(), ['recv', 'send'], `one transport per leg, not ${legs.length}`);
      assert.equal(made.producers.length - producersBefore, 1, 'one producer made');
      assert.ok((await caller.emitWithAck('call:hangup', { callId })).ok);
    });
  },
);
