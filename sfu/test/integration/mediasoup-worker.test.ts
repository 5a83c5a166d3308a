import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { it } from 'node:test';
import { assertWorkerBinary, workerBinary } from '../../src/media/worker-binary.ts';
import * as mediasoup from 'mediasoup';

/** An RTP packet (RFC 3550 §5.1) carrying one Opus frame: version 2, no padding, extension or CSRC. */
function rtpPacket(payloadType: number, sequence: number, ssrc: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = payloadType & 0x7f;
  header.writeUInt16BE(sequence, 2);
  header.writeUInt32BE(sequence * 960, 4); // 20 ms of 48 kHz per packet
  header.writeUInt32BE(ssrc, 8);
  return Buffer.concat([header, payload]);
}

/** The payload of an RTP packet: after the fixed header, the CSRCs and any header extension (§5.3.1). */
function rtpPayload(packet: Buffer): Buffer {
  const csrcs = (packet[0] ?? 0) & 0x0f;
  let at = 12 + 4 * csrcs;
  if ((packet[0] ?? 0) & 0x10) at += 4 + 4 * packet.readUInt16BE(at + 2);
  return packet.subarray(at);
}

it('the worker setup built starts, routes an Opus RTP packet from one transport to another, listens on UDP and TCP, and closes', async () => {
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

  // Real RTP through the worker: a PlainTransport takes a hand-built Opus packet from a UDP socket
  // (comedia: it learns our address from the first packet), a second one forwards it to another socket
  // as the consumer's stream (the router's payload type and the consumer's own SSRC).
  const listenInfo = { protocol: 'udp' as const, ip: '127.0.0.1' };
  const sendTransport = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: true });
  const producer = await sendTransport.produce({
    kind: 'audio',
    rtpParameters: {
      codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
      encodings: [{ ssrc: 0x5eed }],
    },
  });
  const receiver = dgram.createSocket('udp4');
  receiver.bind(0, '127.0.0.1');
  await once(receiver, 'listening');
  const recvTransport = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: false });
  await recvTransport.connect({ ip: '127.0.0.1', port: receiver.address().port });
  const consumer = await recvTransport.consume({
    producerId: producer.id,
    rtpCapabilities: router.rtpCapabilities,
  });
  // An Opus frame: TOC 0xfc (CELT fullband 20 ms, one frame) and bytes we can recognise.
  const opus = Buffer.from([0xfc, 0xde, 0xad, 0xbe, 0xef]);
  const arrived = new Promise<Buffer>((resolve) =>
    receiver.on('message', (m: Buffer) => {
      // RTP, not RTCP: RTCP's packet types fill the whole second byte with 192–223 (RFC 5761 §4).
      const second = m[1] ?? 0;
      if (m.length >= 12 && (second < 192 || second > 223)) resolve(m);
    }),
  );
  const sender = dgram.createSocket('udp4');
  let seq = 1;
  // Sent until one comes through: the first packets may arrive before the worker wired the consumer.
  const sending = setInterval(
    () => sender.send(rtpPacket(111, seq++, 0x5eed, opus), sendTransport.tuple.localPort, '127.0.0.1'),
    20,
  );
  try {
    const packet = await Promise.race([
      arrived,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no RTP came out of the worker in 10 s')), 10_000),
      ),
    ]);
    assert.equal(
      (packet[1] ?? 0) & 0x7f,
      consumer.rtpParameters.codecs[0]?.payloadType,
      "the router's Opus payload type",
    );
    assert.equal(packet.readUInt32BE(8), consumer.rtpParameters.encodings?.[0]?.ssrc, "the consumer's SSRC");
    assert.deepEqual(rtpPayload(packet), opus, 'the Opus frame, unchanged');
  } finally {
    clearInterval(sending);
    sender.close();
    receiver.close();
  }

  const exited = once(worker, 'subprocessclose');
  worker.close();
  await exited;
  assert.ok(router.closed && transport.closed, 'closing the worker closes its router and transport');
  assert.deepEqual(died, [], 'the worker did not die');
});
