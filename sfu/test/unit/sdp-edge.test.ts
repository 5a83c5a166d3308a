/** The SDP edge: a native engine's plain SDP to mediasoup parameters and back. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { getSupportedRtpCapabilities, type types as ms } from 'mediasoup';
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

/**
 * Real SDP, not ours: what libwebrtc writes (Chromium 156.0.8078.129, headless, an AudioContext
 * track on a send-only transceiver; the iPhone shell's engine is the same libwebrtc), and what
 * mediasoup 3.19.2 gives for a WebRtcTransport (udp + tcp on 127.0.0.1) and for a consumer of the
 * producer made from the first offer. Edits to them say what they stand for.
 */
const chromium = (name: string) =>
  fs.readFileSync(new URL(`fixtures/sdp/chromium-156-${name}.sdp`, import.meta.url), 'utf8');
const UPSTREAM_OFFER = chromium('upstream-offer');
/** The page moved RED ahead of Opus (`setCodecPreferences`): RED's fmtp comes first. */
const RED_FIRST_OFFER = chromium('upstream-offer-red-first');
/** A video transceiver first: the audio section is the second, with mid 1. */
const VIDEO_THEN_AUDIO_OFFER = chromium('video-then-audio-offer');
const DOWNSTREAM_ANSWER = chromium('downstream-answer');

/** `sdp` with its line `line` replaced by `by` (none: removed); fails if the line is not there. */
function edit(sdp: string, line: string, ...by: string[]): string {
  const lines = sdp.split('\r\n');
  const at = lines.indexOf(line);
  assert.notEqual(at, -1, `the fixture has no line ${line}`);
  lines.splice(at, 1, ...by);
  return lines.join('\r\n');
}

/** The header extensions of a mediasoup router (ortc.generateRouterRtpCapabilities copies them all). */
const ROUTER_CAPS: ms.RtpCapabilities = {
  ...routerCaps,
  headerExtensions: getSupportedRtpCapabilities().headerExtensions,
};
const ABS_SEND_TIME = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time';
const TRANSPORT_CC = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';

const FINGERPRINTS = {
  'sha-1': 'A0:84:B4:C2:45:18:BC:47:0F:66:C8:42:81:3E:31:68:BD:50:D0:B7',
  'sha-512':
    '81:FF:D0:6E:D8:B0:29:23:AF:55:EC:5E:6A:5F:92:57:C1:C4:79:F0:9E:66:A3:FB:BA:DC:F3:75:A8:50:82:13:FF:C5:03:36:F6:80:47:3C:1E:F9:59:A0:D3:CC:0E:FD:B8:B7:9F:B6:F5:4A:B3:D3:9B:D8:76:57:DA:7A:6C:9A',
  'sha-256':
    'F5:F6:C6:26:AA:3D:45:FC:22:F6:B5:A4:D5:3F:94:29:F6:E5:4A:25:55:2A:4B:5B:61:03:76:B4:34:86:FF:12',
  'sha-224': '63:A6:0F:C7:39:FF:E5:66:D9:67:B0:1F:04:A2:5F:59:CA:CB:0D:4C:3C:6E:C1:6B:6A:31:22:FE',
  'sha-384':
    '67:80:56:7D:14:82:EC:11:B2:5F:6C:A1:50:11:01:66:1F:78:3D:2F:C9:97:D0:3D:63:8A:80:50:3C:CE:B8:EF:2C:94:83:94:30:C4:DE:A9:1D:91:07:D5:8A:2F:35:2B',
} as const;

/** A mediasoup WebRtcTransport: its fingerprints come sha-1 first, in the worker's order. */
const MEDIASOUP_TRANSPORT: SdpTransport = {
  iceParameters: {
    usernameFragment: 'f83zzegbu8pndvyz8d800vxgrh64e8j4',
    password: '9m9dhsyxsaj1bl8hefu2m5rydrgesu5e',
    iceLite: true,
  },
  iceCandidates: [
    {
      foundation: 'udpcandidate',
      priority: 1076302079,
      ip: '127.0.0.1',
      address: '127.0.0.1',
      protocol: 'udp',
      port: 36284,
      type: 'host',
    },
    {
      foundation: 'tcpcandidate',
      priority: 1076276479,
      ip: '127.0.0.1',
      address: '127.0.0.1',
      protocol: 'tcp',
      port: 33417,
      type: 'host',
      tcpType: 'passive',
    },
  ],
  dtlsParameters: {
    role: 'auto',
    fingerprints: (['sha-1', 'sha-512', 'sha-256', 'sha-224', 'sha-384'] as const).map((algorithm) => ({
      algorithm,
      value: FINGERPRINTS[algorithm],
    })),
  },
};

const CONSUMER_ID = '09498ac6-fe34-4f1e-8cbb-63be8381156c';
/** mediasoup's consumer of the first offer's producer, for a native downstream (router caps, mid 0). */
const mediasoupConsumer = (): { id: string; rtpParameters: ms.RtpParameters } => ({
  id: CONSUMER_ID,
  rtpParameters: {
    codecs: [
      {
        mimeType: 'audio/opus',
        payloadType: 100,
        clockRate: 48000,
        channels: 2,
        parameters: { minptime: 10, useinbandfec: 1 },
        rtcpFeedback: [],
      },
    ],
    headerExtensions: [
      { uri: MID, id: 1, encrypt: false, parameters: {} },
      { uri: ABS_SEND_TIME, id: 4, encrypt: false, parameters: {} },
      { uri: AUDIO_LEVEL, id: 10, encrypt: false, parameters: {} },
      {
        uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time',
        id: 13,
        encrypt: false,
        parameters: {},
      },
      {
        uri: 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay',
        id: 14,
        encrypt: false,
        parameters: {},
      },
    ],
    encodings: [{ ssrc: 794418989 }],
    rtcp: { cname: 'Wy5+ZqKMBC1DMHcr', reducedSize: true },
    mid: '0',
  },
});

/** The SDP as written, its `o=` session id (the clock's) made 0. */
const lines = (sdp: string) => sdp.replace(/^o=softphone \d+ /m, 'o=softphone 0 ').split('\r\n');

/** `rtp` without its `key`: an RTP parameters object that leaves that field out. */
function without(
  rtp: ms.RtpParameters,
  key: 'mid' | 'rtcp' | 'encodings' | 'headerExtensions',
): ms.RtpParameters {
  return Object.fromEntries(Object.entries(rtp).filter(([k]) => k !== key)) as ms.RtpParameters;
}

/** Throws an SdpError whose message matches `why` (not a TypeError from a missing field). */
function refuses(fn: () => unknown, why: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof SdpError && why.test(err.message));
}

describe('SDP edge with libwebrtc and mediasoup as they are', () => {
  it("makes libwebrtc's upstream offer a producer: Opus with its fmtp and feedback, the extensions, SSRC and cname", () => {
    assert.deepEqual(producerFromOffer(UPSTREAM_OFFER, ROUTER_CAPS), {
      dtlsParameters: {
        role: 'client',
        fingerprints: [
          {
            algorithm: 'sha-256',
            value:
              '2E:C9:75:1C:43:B0:8F:05:B6:CA:A6:27:64:1A:29:8B:E6:D6:90:FC:27:20:93:68:0D:2D:B1:8B:67:F2:70:17',
          },
        ],
      },
      rtpParameters: {
        mid: '0',
        codecs: [
          {
            mimeType: 'audio/opus',
            payloadType: 111,
            clockRate: 48_000,
            channels: 2,
            // Opus in-band FEC is what keeps a lossy cellular uplink intelligible.
            parameters: { minptime: 10, useinbandfec: 1 },
            rtcpFeedback: [{ type: 'transport-cc' }],
          },
        ],
        // All four are ones mediasoup has for audio; ssrc-audio-level is what the call's
        // AudioLevelObserver reads, so without it the talking indicator stays dark.
        headerExtensions: [
          { uri: AUDIO_LEVEL, id: 1 },
          { uri: ABS_SEND_TIME, id: 2 },
          { uri: TRANSPORT_CC, id: 3 },
          { uri: MID, id: 4 },
        ],
        encodings: [{ ssrc: 2301749568 }],
        rtcp: { cname: 'Wy5+ZqKMBC1DMHcr', reducedSize: true },
      },
    });
  });

  it('keeps only the header extensions the router has for audio, with the offer’s ids', () => {
    // toffset and video-orientation are video-only in mediasoup; the other is no one's.
    const offer = edit(
      UPSTREAM_OFFER,
      `a=extmap:4 ${MID}`,
      `a=extmap:4 ${MID}`,
      'a=extmap:5 urn:ietf:params:rtp-hdrext:toffset',
      'a=extmap:6 urn:3gpp:video-orientation',
      'a=extmap:7 urn:example:not-an-extension',
    );
    const uris = (caps: ms.RtpCapabilities) =>
      producerFromOffer(offer, caps).rtpParameters.headerExtensions?.map((e) => [e.id, e.uri]);
    assert.deepEqual(uris(ROUTER_CAPS), [
      [1, AUDIO_LEVEL],
      [2, ABS_SEND_TIME],
      [3, TRANSPORT_CC],
      [4, MID],
    ]);
    assert.deepEqual(uris({ codecs: routerCaps.codecs }), []);
  });

  it('takes the feedback written for Opus or for every codec, and not the feedback of another codec', () => {
    // RFC 4585 §4.2: `*` applies to every payload type of the section.
    const offer = edit(
      UPSTREAM_OFFER,
      'a=rtcp-fb:111 transport-cc',
      'a=rtcp-fb:111 transport-cc',
      'a=rtcp-fb:* ccm tmmbr',
      'a=rtcp-fb:63 nack',
    );
    const [opus] = producerFromOffer(offer, ROUTER_CAPS).rtpParameters.codecs;
    assert.deepEqual(opus?.rtcpFeedback, [{ type: 'transport-cc' }, { type: 'ccm', parameter: 'tmmbr' }]);
    // The answer receives exactly that feedback.
    const answer = sdpTransform.parse(
      producerAnswer(MEDIASOUP_TRANSPORT, producerFromOffer(offer, ROUTER_CAPS).rtpParameters),
    );
    assert.deepEqual(answer.media[0]?.rtcpFb, [
      { payload: 111, type: 'transport-cc' },
      { payload: 111, type: 'ccm', subtype: 'tmmbr' },
    ]);
  });

  it('reads Opus’s own fmtp when another codec’s comes first, and none when Opus has none', () => {
    const red = producerFromOffer(RED_FIRST_OFFER, ROUTER_CAPS).rtpParameters.codecs[0];
    assert.deepEqual([red?.payloadType, red?.parameters], [111, { minptime: 10, useinbandfec: 1 }]);
    const bare = edit(UPSTREAM_OFFER, 'a=fmtp:111 minptime=10;useinbandfec=1');
    assert.deepEqual(producerFromOffer(bare, ROUTER_CAPS).rtpParameters.codecs[0]?.parameters, {});
  });

  it('finds the audio section after a video one, and answers it under its own mid', () => {
    const { rtpParameters } = producerFromOffer(VIDEO_THEN_AUDIO_OFFER, ROUTER_CAPS);
    assert.equal(rtpParameters.mid, '1');
    assert.deepEqual(rtpParameters.encodings, [{ ssrc: 3386143923 }]);
    assert.deepEqual(rtpParameters.headerExtensions?.[0], { uri: AUDIO_LEVEL, id: 14 });
    const answer = sdpTransform.parse(producerAnswer(MEDIASOUP_TRANSPORT, rtpParameters));
    assert.equal(String(answer.media[0]?.mid), '1');
    assert.deepEqual(
      answer.groups?.map((g) => [g.type, String(g.mids)]),
      [['BUNDLE', '1']],
    );
  });

  it('takes the cname from the SSRC’s cname attribute, whatever their order (RFC 5576 §4.1)', () => {
    const cname = 'a=ssrc:2301749568 cname:Wy5+ZqKMBC1DMHcr';
    const msid = 'a=ssrc:2301749568 msid:- e6a1b66f-a654-4da2-949f-957112e015a9';
    const cnameLast = edit(edit(UPSTREAM_OFFER, cname), msid, msid, cname);
    assert.match(cnameLast, /msid:- e6a1b66f-a654-4da2-949f-957112e015a9\r\na=ssrc:2301749568 cname:/);
    assert.deepEqual(producerFromOffer(cnameLast, ROUTER_CAPS).rtpParameters.rtcp, {
      cname: 'Wy5+ZqKMBC1DMHcr',
      reducedSize: true,
    });
  });

  it('reads a fingerprint and setup written at session level (as Firefox writes them)', () => {
    const fingerprint =
      'a=fingerprint:sha-256 2E:C9:75:1C:43:B0:8F:05:B6:CA:A6:27:64:1A:29:8B:E6:D6:90:FC:27:20:93:68:0D:2D:B1:8B:67:F2:70:17';
    const sessionLevel = edit(
      edit(edit(UPSTREAM_OFFER, fingerprint), 'a=setup:actpass'),
      't=0 0',
      't=0 0',
      fingerprint,
      'a=setup:passive',
    );
    assert.deepEqual(producerFromOffer(sessionLevel, ROUTER_CAPS).dtlsParameters.role, 'server');
    assert.equal(
      producerFromOffer(sessionLevel, ROUTER_CAPS).dtlsParameters.fingerprints[0]?.algorithm,
      'sha-256',
    );
  });

  it('fills what a terse offer leaves out: Opus’s stereo channel count (RFC 7587 §7) and mid 0', () => {
    const terse = edit(
      edit(edit(UPSTREAM_OFFER, 'a=rtpmap:111 opus/48000/2', 'a=rtpmap:111 opus/48000'), 'a=mid:0'),
      'a=group:BUNDLE 0',
    );
    const { rtpParameters } = producerFromOffer(terse, ROUTER_CAPS);
    assert.deepEqual(
      [rtpParameters.mid, rtpParameters.codecs[0]?.clockRate, rtpParameters.codecs[0]?.channels],
      ['0', 48_000, 2],
    );
  });

  it('refuses, saying why, an offer or answer with no audio section, no fingerprint, no SSRC or no Opus', () => {
    const videoOnly = VIDEO_THEN_AUDIO_OFFER.slice(0, VIDEO_THEN_AUDIO_OFFER.indexOf('m=audio'));
    refuses(() => producerFromOffer(videoOnly, ROUTER_CAPS), /no audio section/);
    refuses(() => dtlsFromAnswer(videoOnly), /no audio section/);
    const noFingerprint = (sdp: string) => sdp.replace(/^a=fingerprint:.*\r\n/m, '');
    refuses(() => producerFromOffer(noFingerprint(UPSTREAM_OFFER), ROUTER_CAPS), /no DTLS fingerprint/);
    refuses(() => dtlsFromAnswer(noFingerprint(DOWNSTREAM_ANSWER)), /no DTLS fingerprint/);
    const noSsrc = UPSTREAM_OFFER.replace(/^a=ssrc:.*\r\n/gm, '');
    refuses(() => producerFromOffer(noSsrc, ROUTER_CAPS), /no SSRC/);
    const noOpus = edit(UPSTREAM_OFFER, 'a=rtpmap:111 opus/48000/2', 'a=rtpmap:111 PCMU/8000');
    refuses(() => producerFromOffer(noOpus, ROUTER_CAPS), /no Opus/);
  });

  it('reads the DTLS role from libwebrtc’s answer to an offer of ours', () => {
    assert.deepEqual(dtlsFromAnswer(DOWNSTREAM_ANSWER), {
      role: 'client',
      fingerprints: [
        {
          algorithm: 'sha-256',
          value:
            'C1:C4:87:60:30:27:D2:88:67:E8:41:EA:D7:B9:39:31:52:DA:8F:3F:0A:B1:DF:E4:0E:CC:FC:AE:E5:95:F5:90',
        },
      ],
    });
  });

  it('signs with sha-256 among mediasoup’s fingerprints, else with its first, and refuses a transport with none', () => {
    const { rtpParameters } = producerFromOffer(UPSTREAM_OFFER, ROUTER_CAPS);
    const withFingerprints = (algorithms: (keyof typeof FINGERPRINTS)[]): SdpTransport => ({
      ...MEDIASOUP_TRANSPORT,
      dtlsParameters: {
        role: 'auto',
        fingerprints: algorithms.map((a) => ({ algorithm: a, value: FINGERPRINTS[a] })),
      },
    });
    const signedWith = (algorithms: (keyof typeof FINGERPRINTS)[]) =>
      sdpTransform.parse(producerAnswer(withFingerprints(algorithms), rtpParameters)).fingerprint;
    assert.deepEqual(signedWith(['sha-1', 'sha-512', 'sha-256']), {
      type: 'sha-256',
      hash: FINGERPRINTS['sha-256'],
    });
    assert.deepEqual(signedWith(['sha-512', 'sha-384']), { type: 'sha-512', hash: FINGERPRINTS['sha-512'] });
    refuses(() => producerAnswer(withFingerprints([]), rtpParameters), /no DTLS fingerprint/);
    refuses(() => consumerOffer(withFingerprints([]), mediasoupConsumer()), /no DTLS fingerprint/);
  });

  it('offers a consumer under its own mid, and under mid 0 when it has none', () => {
    const consumer = mediasoupConsumer();
    const offered = (rtpParameters: ms.RtpParameters) => {
      const offer = sdpTransform.parse(consumerOffer(MEDIASOUP_TRANSPORT, { ...consumer, rtpParameters }));
      return [String(offer.media[0]?.mid), String(offer.groups?.[0]?.mids)];
    };
    assert.deepEqual(offered({ ...consumer.rtpParameters, mid: '3' }), ['3', '3']);
    assert.deepEqual(offered(without(consumer.rtpParameters, 'mid')), ['0', '0']);
    const { rtpParameters } = producerFromOffer(UPSTREAM_OFFER, ROUTER_CAPS);
    const answer = sdpTransform.parse(producerAnswer(MEDIASOUP_TRANSPORT, without(rtpParameters, 'mid')));
    assert.equal(String(answer.media[0]?.mid), '0');
  });

  it('names the consumer’s stream with a cname of its own when mediasoup gives none, and refuses one without SSRC', () => {
    const consumer = mediasoupConsumer();
    const noRtcp = without(consumer.rtpParameters, 'rtcp');
    const offer = sdpTransform.parse(
      consumerOffer(MEDIASOUP_TRANSPORT, { ...consumer, rtpParameters: noRtcp }),
    );
    assert.deepEqual(offer.media[0]?.ssrcs?.[0], { id: 794418989, attribute: 'cname', value: 'softphone' });
    const noEncodings = without(consumer.rtpParameters, 'encodings');
    refuses(() => consumerOffer(MEDIASOUP_TRANSPORT, { ...consumer, rtpParameters: noEncodings }), /no SSRC/);
    refuses(
      () =>
        consumerOffer(MEDIASOUP_TRANSPORT, {
          ...consumer,
          rtpParameters: { ...noEncodings, encodings: [{}] },
        }),
      /no SSRC/,
    );
  });

  it('writes every codec of a consumer in order, each with its own fmtp and feedback, and no line for what it lacks', () => {
    const consumer = mediasoupConsumer();
    const [opus] = consumer.rtpParameters.codecs;
    assert.ok(opus);
    const rtpParameters: ms.RtpParameters = {
      ...consumer.rtpParameters,
      codecs: [
        {
          ...opus,
          // mediasoup writes a feedback without parameter as an empty one.
          rtcpFeedback: [
            { type: 'transport-cc', parameter: '' },
            { type: 'ccm', parameter: 'tmmbr' },
          ],
        },
        // DTMF, as libwebrtc offers it: no fmtp, no feedback.
        { mimeType: 'audio/telephone-event', payloadType: 110, clockRate: 48000 },
      ],
    };
    const m = sdpTransform.parse(consumerOffer(MEDIASOUP_TRANSPORT, { ...consumer, rtpParameters })).media[0];
    assert.equal(m?.payloads, '100 110');
    assert.deepEqual(m?.rtp, [
      { payload: 100, codec: 'opus', rate: 48000, encoding: 2 },
      { payload: 110, codec: 'telephone-event', rate: 48000 },
    ]);
    assert.deepEqual(m?.fmtp, [{ payload: 100, config: 'minptime=10;useinbandfec=1' }]);
    assert.deepEqual(m?.rtcpFb, [
      { payload: 100, type: 'transport-cc' },
      { payload: 100, type: 'ccm', subtype: 'tmmbr' },
    ]);
    const noExtensions = without(rtpParameters, 'headerExtensions');
    const bare = consumerOffer(MEDIASOUP_TRANSPORT, {
      ...consumer,
      rtpParameters: { ...noExtensions, codecs: [{ ...opus, parameters: {}, rtcpFeedback: [] }] },
    });
    // Not even an empty or unparsable line: libwebrtc would refuse `a=extmap:undefined …`.
    assert.doesNotMatch(bare, /^a=(fmtp|rtcp-fb|extmap):/m);
  });

  it('answers libwebrtc’s offer with exactly this SDP', () => {
    const { rtpParameters } = producerFromOffer(UPSTREAM_OFFER, ROUTER_CAPS);
    assert.deepEqual(lines(producerAnswer(MEDIASOUP_TRANSPORT, rtpParameters)), [
      'v=0',
      'o=softphone 0 1 IN IP4 0.0.0.0',
      's=-',
      't=0 0',
      'a=ice-lite',
      `a=fingerprint:sha-256 ${FINGERPRINTS['sha-256']}`,
      'a=msid-semantic: WMS *',
      'a=group:BUNDLE 0',
      'm=audio 7 UDP/TLS/RTP/SAVPF 111',
      'c=IN IP4 127.0.0.1',
      'a=rtpmap:111 opus/48000/2',
      'a=fmtp:111 minptime=10;useinbandfec=1',
      'a=rtcp-fb:111 transport-cc',
      `a=extmap:1 ${AUDIO_LEVEL}`,
      `a=extmap:2 ${ABS_SEND_TIME}`,
      `a=extmap:3 ${TRANSPORT_CC}`,
      `a=extmap:4 ${MID}`,
      'a=setup:passive',
      'a=mid:0',
      'a=recvonly',
      'a=ice-ufrag:f83zzegbu8pndvyz8d800vxgrh64e8j4',
      'a=ice-pwd:9m9dhsyxsaj1bl8hefu2m5rydrgesu5e',
      'a=candidate:udpcandidate 1 udp 1076302079 127.0.0.1 36284 typ host',
      'a=candidate:tcpcandidate 1 tcp 1076276479 127.0.0.1 33417 typ host tcptype passive',
      'a=end-of-candidates',
      'a=rtcp-mux',
      'a=rtcp-rsize',
      '',
    ]);
  });

  it('offers mediasoup’s consumer to a native downstream with exactly this SDP', () => {
    assert.deepEqual(lines(consumerOffer(MEDIASOUP_TRANSPORT, mediasoupConsumer())), [
      'v=0',
      'o=softphone 0 1 IN IP4 0.0.0.0',
      's=-',
      't=0 0',
      'a=ice-lite',
      `a=fingerprint:sha-256 ${FINGERPRINTS['sha-256']}`,
      'a=msid-semantic: WMS *',
      'a=group:BUNDLE 0',
      'm=audio 7 UDP/TLS/RTP/SAVPF 100',
      'c=IN IP4 127.0.0.1',
      'a=rtpmap:100 opus/48000/2',
      'a=fmtp:100 minptime=10;useinbandfec=1',
      `a=extmap:1 ${MID}`,
      `a=extmap:4 ${ABS_SEND_TIME}`,
      `a=extmap:10 ${AUDIO_LEVEL}`,
      'a=extmap:13 http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time',
      'a=extmap:14 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay',
      'a=setup:actpass',
      'a=mid:0',
      `a=msid:sfu-${CONSUMER_ID} ${CONSUMER_ID}`,
      'a=sendonly',
      'a=ice-ufrag:f83zzegbu8pndvyz8d800vxgrh64e8j4',
      'a=ice-pwd:9m9dhsyxsaj1bl8hefu2m5rydrgesu5e',
      'a=candidate:udpcandidate 1 udp 1076302079 127.0.0.1 36284 typ host',
      'a=candidate:tcpcandidate 1 tcp 1076276479 127.0.0.1 33417 typ host tcptype passive',
      'a=end-of-candidates',
      'a=ssrc:794418989 cname:Wy5+ZqKMBC1DMHcr',
      `a=ssrc:794418989 msid:sfu-${CONSUMER_ID} ${CONSUMER_ID}`,
      'a=rtcp-mux',
      'a=rtcp-rsize',
      '',
    ]);
  });
});
