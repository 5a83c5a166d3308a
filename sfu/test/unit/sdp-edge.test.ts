/** The SDP edge: a native engine's plain SDP to mediasoup parameters and back. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { types as ms } from 'mediasoup';
import sdpTransform from 'sdp-transform';
import {
  consumerOffer,
  dtlsFromAnswer,
  producerAnswer,
  producerFromOffer,
  SdpError,
  type SdpTransport,
} from '../../src/media/sdp-edge.ts';

const AUDIO_LEVEL = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
const MID = 'urn:ietf:params:rtp-hdrext:sdes:mid';

const routerCaps: ms.RtpCapabilities = {
  codecs: [
    {
      kind: 'audio',
      mimeType: 'audio/opus',
      preferredPayloadType: 100,
      clockRate: 48_000,
      channels: 2,
      parameters: {},
      rtcpFeedback: [{ type: 'transport-cc' }],
    },
  ],
  headerExtensions: [
    { kind: 'audio', uri: MID, preferredId: 1, preferredEncrypt: false, direction: 'sendrecv' },
    { kind: 'audio', uri: AUDIO_LEVEL, preferredId: 10, preferredEncrypt: false, direction: 'sendrecv' },
  ],
};

/** What libwebrtc offers for a send-only audio transceiver with no track yet (trimmed). */
const FINGERPRINT = 'AB:'.repeat(31) + 'AB';
const nativeOffer = (extra: string[] = ['a=ssrc:1234 cname:phone', 'a=ssrc:1234 msid:- track']) =>
  [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63',
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    `a=fingerprint:sha-256 ${FINGERPRINT}`,
    'a=setup:actpass',
    'a=mid:0',
    `a=extmap:1 ${MID}`,
    `a=extmap:3 ${AUDIO_LEVEL}`,
    'a=extmap:4 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
    'a=sendonly',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-fb:111 transport-cc',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:63 red/48000/2',
    ...extra,
    '',
  ].join('\r\n');

const transport: SdpTransport = {
  iceParameters: { usernameFragment: 'sfu-ufrag', password: 'sfu-password', iceLite: true },
  iceCandidates: [
    {
      foundation: 'udpcandidate',
      priority: 1076302079,
      ip: '127.0.0.1',
      address: '127.0.0.1',
      protocol: 'udp',
      port: 40001,
      type: 'host',
    },
    {
      foundation: 'tcpcandidate',
      priority: 1076276479,
      ip: '127.0.0.1',
      address: '127.0.0.1',
      protocol: 'tcp',
      port: 40002,
      type: 'host',
      tcpType: 'passive',
    },
  ],
  dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: 'CD:'.repeat(31) + 'CD' }] },
};

describe('SDP edge', () => {
  it('turns a native upstream offer into DTLS and Opus producer parameters', () => {
    const { dtlsParameters, rtpParameters } = producerFromOffer(nativeOffer(), routerCaps);
    assert.deepEqual(dtlsParameters, {
      role: 'client',
      fingerprints: [{ algorithm: 'sha-256', value: FINGERPRINT }],
    });
    assert.equal(rtpParameters.mid, '0');
    assert.deepEqual(
      rtpParameters.codecs.map((c) => [c.mimeType, c.payloadType, c.clockRate, c.channels]),
      [['audio/opus', 111, 48_000, 2]],
    );
    assert.deepEqual(rtpParameters.codecs[0]?.parameters, { minptime: 10, useinbandfec: 1 });
    // Only the header extensions the router knows, with the offer's ids.
    assert.deepEqual(rtpParameters.headerExtensions, [
      { uri: MID, id: 1 },
      { uri: AUDIO_LEVEL, id: 3 },
    ]);
    assert.deepEqual(rtpParameters.encodings, [{ ssrc: 1234 }]);
    assert.deepEqual(rtpParameters.rtcp, { cname: 'phone', reducedSize: true });
  });

  it('refuses an offer it cannot produce from, saying why', () => {
    assert.throws(() => producerFromOffer(nativeOffer([]), routerCaps), /no SSRC/);
    assert.throws(() => producerFromOffer('v=0\r\n', routerCaps), SdpError);
    const noOpus = nativeOffer().replace('a=rtpmap:111 opus/48000/2', 'a=rtpmap:111 PCMU/8000');
    assert.throws(() => producerFromOffer(noOpus, routerCaps), /no Opus/);
  });

  it('answers as an ICE-lite DTLS server that only receives, with its candidates and the accepted codec', () => {
    const { rtpParameters } = producerFromOffer(nativeOffer(), routerCaps);
    const answer = sdpTransform.parse(producerAnswer(transport, rtpParameters));
    assert.equal(answer.icelite, 'ice-lite');
    const m = answer.media[0];
    assert.ok(m);
    assert.equal(String(m.mid), '0');
    assert.equal(m.direction, 'recvonly');
    assert.equal(m.setup, 'passive');
    assert.equal(m.iceUfrag, 'sfu-ufrag');
    assert.deepEqual(
      m.candidates?.map((c) => [c.transport, c.port, c.tcptype]),
      [
        ['udp', 40001, undefined],
        ['tcp', 40002, 'passive'],
      ],
    );
    assert.deepEqual(m.rtp, [{ payload: 111, codec: 'opus', rate: 48_000, encoding: 2 }]);
    assert.deepEqual(
      m.ext?.map((e) => [e.value, e.uri]),
      [
        [1, MID],
        [3, AUDIO_LEVEL],
      ],
    );
    assert.equal(answer.fingerprint?.hash, transport.dtlsParameters.fingerprints[0]?.value);
  });

  it('offers a consumer to a native downstream, and reads the DTLS role back from its answer', () => {
    const offer = sdpTransform.parse(
      consumerOffer(transport, {
        id: 'consumer-1',
        rtpParameters: {
          mid: '0',
          codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48_000, channels: 2 }],
          headerExtensions: [{ uri: AUDIO_LEVEL, id: 10 }],
          encodings: [{ ssrc: 5678 }],
          rtcp: { cname: 'sfu', reducedSize: true },
        },
      }),
    );
    const m = offer.media[0];
    assert.ok(m);
    assert.equal(m.direction, 'sendonly');
    assert.equal(m.setup, 'actpass');
    assert.deepEqual(
      m.ssrcs?.map((s) => [s.id, s.attribute]),
      [
        [5678, 'cname'],
        [5678, 'msid'],
      ],
    );
    const answer = (setup: string) => nativeOffer().replace('a=setup:actpass', `a=setup:${setup}`);
    assert.equal(dtlsFromAnswer(answer('active')).role, 'client');
    assert.equal(dtlsFromAnswer(answer('passive')).role, 'server');
  });
});
