/**
 * The SDP edge: the iPhone's native engine speaks plain SDP (bridge v1, one audio m-section per
 * peer connection), mediasoup speaks transports, producers and consumers. These pure functions
 * translate between the two, modelled on mediasoup-client's own SDP handling (its
 * `RemoteSdp`/`MediaSection` and `commonUtils`): the native upstream's offer becomes DTLS and RTP
 * parameters for a producer, and a consumer becomes an offer for the native downstream.
 *
 * The SFU is ICE-lite and puts all its candidates in its SDP; the peer's candidates are never needed.
 * An ICE restart changes only the ice-ufrag/ice-pwd written here (from `WebRtcTransport.restartIce()`).
 */
import type { types as ms } from 'mediasoup';
import sdpTransform, { type SessionDescription } from 'sdp-transform';

export interface SdpTransport {
  iceParameters: ms.IceParameters;
  iceCandidates: ms.IceCandidate[];
  dtlsParameters: ms.DtlsParameters;
}

export class SdpError extends Error {}

/**
 * The `o=` line of one side of one peer connection's session. RFC 3264 §8: every later offer or
 * answer of that session keeps the session id and carries the version plus one (§5, RFC 4566 §5.2).
 * The SFU's SDP for a native leg is one session for the leg's life: a re-offer (another publisher, an
 * ICE restart) or a restart's answer is the next version of it, never a new session.
 */
export interface SdpOrigin {
  sessionId: number;
  version: number;
}

/** The origin of the leg's next SDP: version + 1 of the last one, or a new session's first. */
export function nextOrigin(previous: SdpOrigin | undefined): SdpOrigin {
  if (previous) return { sessionId: previous.sessionId, version: previous.version + 1 };
  // RFC 4566 §5.2 recommends an NTP timestamp for uniqueness; ms since the epoch is as unique here.
  return { sessionId: Date.now(), version: 1 };
}

type Media = SessionDescription['media'][number];

function audioSection(session: SessionDescription): Media {
  const media = session.media.find((m) => m.type === 'audio');
  if (!media) throw new SdpError('the SDP has no audio section');
  return media;
}

/** The peer's DTLS parameters: role from its `a=setup` (an offer's `actpass` makes it the client). */
function remoteDtls(session: SessionDescription, media: Media): ms.DtlsParameters {
  const fingerprint = media.fingerprint ?? session.fingerprint;
  if (!fingerprint) throw new SdpError('the SDP has no DTLS fingerprint');
  const setup = media.setup ?? session.setup;
  return {
    role: setup === 'passive' ? 'server' : 'client',
    fingerprints: [
      { algorithm: fingerprint.type.toLowerCase() as ms.FingerprintAlgorithm, value: fingerprint.hash },
    ],
  };
}

function codecParameters(media: Media, payload: number): ms.RtpCodecParameters['parameters'] {
  const config = media.fmtp.find((f) => f.payload === payload)?.config;
  return config ? (sdpTransform.parseParams(config) as ms.RtpCodecParameters['parameters']) : {};
}

/**
 * A native upstream offer → the DTLS parameters to connect its transport with and the RTP
 * parameters of its producer: Opus, the header extensions the router knows, the offer's SSRC.
 */
export function producerFromOffer(
  offerSdp: string,
  routerCaps: ms.RtpCapabilities,
): { dtlsParameters: ms.DtlsParameters; rtpParameters: ms.RtpParameters } {
  const session = sdpTransform.parse(offerSdp);
  const media = audioSection(session);
  const opus = media.rtp.find((r) => r.codec.toLowerCase() === 'opus');
  if (!opus) throw new SdpError('the offer has no Opus');
  const ssrc = media.ssrcs?.find((s) => s.attribute === 'cname');
  if (!ssrc) throw new SdpError('the offer has no SSRC for its audio');
  const known = new Set(
    (routerCaps.headerExtensions ?? []).filter((e) => e.kind === 'audio').map((e) => e.uri),
  );
  // sdp-transform parses `a=rtcp-fb:111 …`'s payload as the number 111 and keeps `*` a string
  // (mediasoup-client's commonUtils.extractRtpCapabilities looks the number up the same way).
  const rtcpFeedback = (media.rtcpFb ?? [])
    .filter((fb) => String(fb.payload) === String(opus.payload) || fb.payload === '*')
    .map((fb) => ({ type: fb.type, ...(fb.subtype ? { parameter: fb.subtype } : {}) }));
  return {
    dtlsParameters: remoteDtls(session, media),
    rtpParameters: {
      mid: String(media.mid ?? '0'),
      codecs: [
        {
          mimeType: 'audio/opus',
          payloadType: opus.payload,
          clockRate: opus.rate ?? 48_000,
          channels: Number(opus.encoding ?? 2),
          parameters: codecParameters(media, opus.payload),
          rtcpFeedback,
        },
      ],
      headerExtensions: (media.ext ?? [])
        .filter((e) => known.has(e.uri as ms.RtpHeaderExtensionUri))
        .map((e) => ({ uri: e.uri as ms.RtpHeaderExtensionUri, id: e.value })),
      encodings: [{ ssrc: Number(ssrc.id) }],
      rtcp: { cname: String(ssrc.value), reducedSize: true },
    },
  };
}

/** The DTLS parameters in a native downstream's answer to {@link consumerOffer}. */
export function dtlsFromAnswer(answerSdp: string): ms.DtlsParameters {
  const session = sdpTransform.parse(answerSdp);
  return remoteDtls(session, audioSection(session));
}

function sessionFor(transport: SdpTransport, mid: string, origin: SdpOrigin): SessionDescription {
  const fingerprint =
    transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256') ??
    transport.dtlsParameters.fingerprints[0];
  if (!fingerprint) throw new SdpError('the transport has no DTLS fingerprint');
  return {
    version: 0,
    origin: {
      username: 'softphone',
      sessionId: origin.sessionId,
      sessionVersion: origin.version,
      netType: 'IN',
      ipVer: 4,
      address: '0.0.0.0',
    },
    name: '-',
    timing: { start: 0, stop: 0 },
    icelite: 'ice-lite',
    fingerprint: { type: fingerprint.algorithm, hash: fingerprint.value },
    groups: [{ type: 'BUNDLE', mids: mid }],
    msidSemantic: { semantic: 'WMS', token: '*' },
    media: [],
  };
}

function transportMedia(transport: SdpTransport, mid: string, setup: 'actpass' | 'passive') {
  return {
    type: 'audio',
    port: 7,
    protocol: 'UDP/TLS/RTP/SAVPF',
    connection: { version: 4, ip: '127.0.0.1' },
    mid,
    setup,
    iceUfrag: transport.iceParameters.usernameFragment,
    icePwd: transport.iceParameters.password,
    candidates: transport.iceCandidates.map((c) => ({
      foundation: c.foundation,
      component: 1,
      transport: c.protocol,
      priority: c.priority,
      ip: c.address,
      port: c.port,
      type: c.type,
      ...(c.tcpType ? { tcptype: c.tcpType } : {}),
    })),
    endOfCandidates: 'end-of-candidates',
    rtcpMux: 'rtcp-mux',
    rtcpRsize: 'rtcp-rsize',
  } satisfies Partial<Media>;
}

function codecLines(rtp: ms.RtpParameters): Pick<Media, 'rtp' | 'fmtp' | 'rtcpFb' | 'payloads' | 'ext'> {
  return {
    rtp: rtp.codecs.map((c) => ({
      payload: c.payloadType,
      codec: c.mimeType.split('/')[1] ?? c.mimeType,
      rate: c.clockRate,
      ...(c.channels && c.channels > 1 ? { encoding: c.channels } : {}),
    })),
    fmtp: rtp.codecs
      .filter((c) => c.parameters && Object.keys(c.parameters).length)
      .map((c) => ({
        payload: c.payloadType,
        config: Object.entries(c.parameters ?? {})
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(';'),
      })),
    rtcpFb: rtp.codecs.flatMap((c) =>
      (c.rtcpFeedback ?? []).map((fb) => ({
        payload: String(c.payloadType),
        type: fb.type,
        ...(fb.parameter ? { subtype: fb.parameter } : {}),
      })),
    ),
    payloads: rtp.codecs.map((c) => c.payloadType).join(' '),
    ext: (rtp.headerExtensions ?? []).map((e) => ({ value: e.id, uri: e.uri })),
  };
}

/**
 * The SFU's answer to a native upstream offer, receiving what {@link producerFromOffer} accepted.
 * `origin`: the leg's session as {@link nextOrigin} gives it (a restart's answer is its next version).
 */
export function producerAnswer(
  transport: SdpTransport,
  rtpParameters: ms.RtpParameters,
  origin: SdpOrigin = nextOrigin(undefined),
): string {
  const mid = rtpParameters.mid ?? '0';
  const session = sessionFor(transport, mid, origin);
  session.media.push({
    ...transportMedia(transport, mid, 'passive'),
    ...codecLines(rtpParameters),
    direction: 'recvonly',
  } as Media);
  return sdpTransform.write(session);
}

/**
 * An offer for a native downstream carrying one consumer (answered with {@link dtlsFromAnswer}).
 * `origin`: the leg's session as {@link nextOrigin} gives it: a subsequent offer on the same
 * connection (another publisher's consumer, an ICE restart) is its next version.
 */
export function consumerOffer(
  transport: SdpTransport,
  consumer: { id: string; rtpParameters: ms.RtpParameters },
  origin: SdpOrigin = nextOrigin(undefined),
): string {
  const mid = consumer.rtpParameters.mid ?? '0';
  const session = sessionFor(transport, mid, origin);
  const encoding = consumer.rtpParameters.encodings?.[0];
  if (encoding?.ssrc === undefined) throw new SdpError('the consumer has no SSRC');
  const cname = consumer.rtpParameters.rtcp?.cname ?? 'softphone';
  const stream = `sfu-${consumer.id}`;
  session.media.push({
    ...transportMedia(transport, mid, 'actpass'),
    ...codecLines(consumer.rtpParameters),
    direction: 'sendonly',
    msid: [{ id: stream, appdata: consumer.id }],
    ssrcs: [
      { id: encoding.ssrc, attribute: 'cname', value: cname },
      { id: encoding.ssrc, attribute: 'msid', value: `${stream} ${consumer.id}` },
    ],
  } as Media);
  return sdpTransform.write(session);
}
