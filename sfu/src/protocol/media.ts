/**
 * The media half of the socket.io contract: how a party's audio gets to the SFU and back.
 *
 * Two ways in, one per kind of client:
 * - The page's engine (mediasoup-client, web/src/media/browser-engine.ts) speaks in transports,
 *   producers and consumers: `media:capabilities` → `media:transport-create` (send and recv) →
 *   `media:transport-connect` → `media:produce`; the partner's audio arrives as `media:consumer`,
 *   already flowing (audio needs no key frame to wait for, and a resume request would be one more
 *   round trip after answer); `media:restart-ice` after a network blip.
 * - The iPhone's native engine speaks plain SDP over bridge v1 (the page relays it): its upstream
 *   offer in `media:publish`, the partner's downstream as a `media:offer` answered with
 *   `media:subscribe-answer`. The server translates (sfu/src/media/sdp-edge.ts). After a network
 *   change it restarts ICE with `media:publish-restart` (a new offer) and `media:subscribe-restart`
 *   (the server re-offers).
 *
 * The parameter objects are mediasoup's own shapes, checked here for structure and size; the SFU
 * checks their meaning. `looseObject` keeps fields a newer client adds.
 */
import { z } from 'zod/mini';
import { CallIdSchema } from './call.ts';

const SdpSchema = z.string().check(z.minLength(1), z.maxLength(32_000));
const short = z.string().check(z.maxLength(256));
const id = z.string().check(z.minLength(1), z.maxLength(64));
const intIn = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max));
const upTo = <T extends z.ZodMiniType>(item: T, max: number) => z.array(item).check(z.maxLength(max));

// A loose object rather than a record: zod's record would be the page's only one (bundle budget).
const CodecParametersSchema = z
  .looseObject({})
  .check(
    z.refine(
      (p) => Object.keys(p).length <= 32 && Object.keys(p).every((k) => k.length <= 64),
      'too many or too long codec parameters',
    ),
  );
const RtcpFeedbackSchema = z.looseObject({
  type: z.string().check(z.maxLength(64)),
  parameter: z.optional(z.string().check(z.maxLength(64))),
});
const MediaKindSchema = z.enum(['audio', 'video']);

export const RtpParametersSchema = z.looseObject({
  mid: z.optional(z.string().check(z.maxLength(32))),
  codecs: z
    .array(
      z.looseObject({
        mimeType: z.string().check(z.maxLength(64)),
        payloadType: intIn(0, 127),
        clockRate: z.int().check(z.positive()),
        channels: z.optional(intIn(1, 8)),
        parameters: z.optional(CodecParametersSchema),
        rtcpFeedback: z.optional(upTo(RtcpFeedbackSchema, 32)),
      }),
    )
    .check(z.minLength(1), z.maxLength(16)),
  headerExtensions: z.optional(
    upTo(
      z.looseObject({
        uri: z.string().check(z.maxLength(256)),
        id: intIn(1, 255),
        encrypt: z.optional(z.boolean()),
        parameters: z.optional(CodecParametersSchema),
      }),
      32,
    ),
  ),
  encodings: z.optional(
    upTo(
      z.looseObject({
        ssrc: z.optional(z.int().check(z.gte(0))),
        rid: z.optional(z.string().check(z.maxLength(32))),
      }),
      8,
    ),
  ),
  rtcp: z.optional(
    z.looseObject({
      cname: z.optional(z.string().check(z.maxLength(256))),
      reducedSize: z.optional(z.boolean()),
    }),
  ),
});
export type RtpParametersWire = z.infer<typeof RtpParametersSchema>;

export const ConsumerInfoSchema = z.strictObject({
  id,
  producerId: id,
  kind: z.literal('audio'),
  rtpParameters: RtpParametersSchema,
});
export type ConsumerInfo = z.infer<typeof ConsumerInfoSchema>;

const empty = z.strictObject({});
const inCall = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z.strictObject({ callId: CallIdSchema, ...shape });

/**
 * Client → server media requests (each acknowledged with `Ack<result>`). Built in a function marked
 * pure, with the schemas only they use: the page sends requests but only the server validates
 * them, so the page's bundle leaves all of it out.
 */
export const mediaRequests = /* @__PURE__ */ (() => {
  const RtpCapabilitiesSchema = z.looseObject({
    codecs: z.optional(
      upTo(
        z.looseObject({
          kind: MediaKindSchema,
          mimeType: z.string().check(z.maxLength(64)),
          preferredPayloadType: z.optional(intIn(0, 127)),
          clockRate: z.int().check(z.positive()),
          channels: z.optional(intIn(1, 8)),
          parameters: z.optional(CodecParametersSchema),
          rtcpFeedback: z.optional(upTo(RtcpFeedbackSchema, 32)),
        }),
        64,
      ),
    ),
    headerExtensions: z.optional(
      upTo(
        z.looseObject({
          kind: MediaKindSchema,
          uri: z.string().check(z.maxLength(256)),
          preferredId: intIn(1, 255),
          preferredEncrypt: z.optional(z.boolean()),
          direction: z.optional(z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive'])),
        }),
        64,
      ),
    ),
  });

  const DtlsParametersSchema = z.looseObject({
    role: z.optional(z.enum(['auto', 'client', 'server'])),
    fingerprints: z
      .array(
        z.looseObject({
          algorithm: z.string().check(z.maxLength(16)),
          value: z.string().check(z.maxLength(256)),
        }),
      )
      .check(z.minLength(1), z.maxLength(8)),
  });

  const IceParametersSchema = z.looseObject({
    usernameFragment: short,
    password: short,
    iceLite: z.optional(z.boolean()),
  });

  /** One of the SFU's own ICE candidates (it is ICE-lite: a party's candidates are never needed). */
  const SfuIceCandidateSchema = z.looseObject({
    foundation: short,
    priority: z.int().check(z.gte(0)),
    address: z.string().check(z.maxLength(64)),
    protocol: z.enum(['udp', 'tcp']),
    port: intIn(1, 65535),
    type: z.enum(['host', 'srflx', 'prflx', 'relay']),
    tcpType: z.optional(z.enum(['active', 'passive', 'so'])),
  });

  const TransportInfoSchema = z.strictObject({
    id,
    iceParameters: IceParametersSchema,
    iceCandidates: upTo(SfuIceCandidateSchema, 16),
    dtlsParameters: DtlsParametersSchema,
  });

  return {
    /** The call's router capabilities, to load the page's mediasoup-client `Device` with. */
    'media:capabilities': {
      payload: inCall({}),
      result: z.strictObject({ rtpCapabilities: RtpCapabilitiesSchema }),
    },
    /**
     * A WebRTC transport to the SFU for this party: `send` carries its upstream, `recv` the partner's
     * downstream, consumed with the device's own `rtpCapabilities`.
     */
    'media:transport-create': {
      payload: z.discriminatedUnion('direction', [
        inCall({ direction: z.literal('send') }),
        inCall({ direction: z.literal('recv'), rtpCapabilities: RtpCapabilitiesSchema }),
      ]),
      result: z.strictObject({ transport: TransportInfoSchema }),
    },
    /** The party's DTLS parameters for one of its transports (mediasoup-client's `connect` event). */
    'media:transport-connect': {
      payload: inCall({ transportId: id, dtlsParameters: DtlsParametersSchema }),
      result: empty,
    },
    /** The party's upstream audio on its send transport (mediasoup-client's `produce` event). */
    'media:produce': {
      payload: inCall({ transportId: id, kind: z.literal('audio'), rtpParameters: RtpParametersSchema }),
      result: z.strictObject({ producerId: id }),
    },
    /** The page is ready to play a `media:consumer`: the SFU starts forwarding. */
    /** ICE restart of one transport after a network blip: its new ICE parameters out. */
    'media:restart-ice': {
      payload: inCall({ transportId: id }),
      result: z.strictObject({ iceParameters: IceParametersSchema }),
    },
    /** The native engine's upstream: its SDP offer in, the SFU's answer out. */
    'media:publish': { payload: inCall({ sdp: SdpSchema }), result: z.strictObject({ sdp: SdpSchema }) },
    /** The native engine's answer to a `media:offer` (the partner's downstream). */
    'media:subscribe-answer': { payload: inCall({ sdp: SdpSchema }), result: empty },
    /**
     * ICE restart of the native upstream (RFC 8445 §9; RFC 8839 §4.4.1.1.1): the engine's new offer
     * on the connection that published, with new ice-ufrag/ice-pwd (libwebrtc's `restartIce()`). The
     * SFU restarts the send transport's ICE (`WebRtcTransport.restartIce()`) and answers with the new
     * credentials, as the next version of its session (RFC 3264 §8). DTLS and the producer stay.
     */
    'media:publish-restart': {
      payload: inCall({ sdp: SdpSchema }),
      result: z.strictObject({ sdp: SdpSchema }),
    },
    /**
     * ICE restart of the native downstream, which the SFU offers: it restarts the recv transport's
     * ICE and re-offers the same consumer on the same m-section with the new ice-ufrag/ice-pwd (the
     * next version of its session), answered with `media:subscribe-answer`. It becomes the
     * downstream a reconnecting device gets in its `call:resync`.
     */
    'media:subscribe-restart': { payload: inCall({}), result: z.strictObject({ sdp: SdpSchema }) },
  } as const;
})();

/** Which of a call's directions, from the point of view of the device told. */
export const StallDirectionSchema = z.enum(['to-peer', 'from-peer']);
export type StallDirection = z.infer<typeof StallDirectionSchema>;

/**
 * Why a direction carries nothing: the SFU receives nothing from the sender (`no-rtp-from-sender`),
 * receives but sends nothing on (`not-forwarded`), or the listener's consumer lost its producer.
 */
export const StallCauseSchema = z.enum(['no-rtp-from-sender', 'not-forwarded', 'producer-gone']);
export type StallCause = z.infer<typeof StallCauseSchema>;

/** Server → client media events. */
export const mediaServerEvents = {
  /** The partner's audio, for the page's recv transport to consume. */
  'media:consumer': z.strictObject({ callId: CallIdSchema, consumer: ConsumerInfoSchema }),
  /** The partner's downstream for a native engine: an SDP offer to answer with `media:subscribe-answer`. */
  'media:offer': z.strictObject({ callId: CallIdSchema, sdp: SdpSchema }),
  /**
   * A direction of the answered call carries no audio (the SFU's own counters; issue 17), from the
   * recipient's point of view: `to-peer` is what this device sends (the partner can't hear it),
   * `from-peer` what it receives. Cleared by `media:recovered`.
   */
  'media:stall': z.strictObject({
    callId: CallIdSchema,
    direction: StallDirectionSchema,
    cause: StallCauseSchema,
  }),
  /** A stalled direction carries audio again. */
  'media:recovered': z.strictObject({ callId: CallIdSchema, direction: StallDirectionSchema }),
  /**
   * The SFU receives nothing from this device although the call is up: its engine restarts ICE on
   * its upstream (`media:restart-ice`), as after a network blip.
   */
  'media:restart-ice-please': z.strictObject({ callId: CallIdSchema }),
  /** The SFU's audio-level verdict on one party's upstream (a server-side view of one-way audio). */
  'media:talking': z.strictObject({
    callId: CallIdSchema,
    who: z.enum(['self', 'peer']),
    talking: z.boolean(),
  }),
} as const;

/**
 * The partner's downstream as it was last sent to a device (`media:consumer` or `media:offer`, without
 * the call id): a device that reconnects gets it again in its `call:resync`.
 */
export const MediaDownstreamSchema = z.discriminatedUnion('event', [
  z.strictObject({ event: z.literal('media:consumer'), consumer: ConsumerInfoSchema }),
  z.strictObject({ event: z.literal('media:offer'), sdp: SdpSchema }),
]);
export type MediaDownstream = z.infer<typeof MediaDownstreamSchema>;

export type MediaRequestName = keyof typeof mediaRequests;
type MediaResult<K extends MediaRequestName> = z.infer<(typeof mediaRequests)[K]['result']>;
export type RtpCapabilitiesWire = MediaResult<'media:capabilities'>['rtpCapabilities'];
export type TransportInfo = MediaResult<'media:transport-create'>['transport'];
export type MediaServerEventName = keyof typeof mediaServerEvents;

/** A media request's payload without the call id (the signalling edge has already found the call). */
export type MediaPayload<K extends MediaRequestName> =
  z.infer<(typeof mediaRequests)[K]['payload']> extends infer P
    ? P extends unknown
      ? Omit<P, 'callId'>
      : never
    : never;
