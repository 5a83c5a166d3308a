import assert from 'node:assert/strict';
import { once } from 'node:events';
import { it } from 'node:test';
import { assertWorkerBinary, workerBinary } from '../../src/media/worker-binary.ts';
import * as mediasoup from 'mediasoup';

it('the worker setup built starts, routes Opus over a WebRtcTransport on UDP and TCP, and closes', async () => {
  assertWorkerBinary();
  assert.equal(mediasoup.workerBin, workerBinary, 'mediasoup starts the worker setup built');

  const worker = await mediasoup.createWorker({ logLevel: 'warn' });
  const died: Error[] = [];
  worker.on('died', (err) => died.push(err));
  const router = await worker.createRouter({
    mediaCodecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }],
  });
  assert.deepEqual(
    router.rtpCapabilities.codecs?.map((c) => c.mimeType),
    ['audio/opus'],
  );

  const transport = await router.createWebRtcTransport({
    listenInfos: [
      { protocol: 'udp', ip: '127.0.0.1' },
      { protocol: 'tcp', ip: '127.0.0.1' },
    ],
  });
  assert.deepEqual(transport.iceCandidates.map((c) => c.protocol).sort(), ['tcp', 'udp']);
  assert.ok(
    transport.iceCandidates.every((c) => c.port > 0),
    'each candidate has a port the worker bound',
  );
  assert.ok(transport.dtlsParameters.fingerprints.length > 0, 'the worker made a DTLS certificate');
  const stats = await transport.getStats();
  assert.equal(stats[0]?.iceState, 'new');

  const exited = once(worker, 'subprocessclose');
  worker.close();
  await exited;
  assert.ok(router.closed && transport.closed, 'closing the worker closes its router and transport');
  assert.deepEqual(died, [], 'the worker did not die');
});
