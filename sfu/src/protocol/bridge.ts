/**
 * The bridge between the page and the iOS shell (ios-shell/), version 1: every message in both
 * directions, as zod schemas validated at each end. The Swift side mirrors these in
 * `ios-shell/Shell/Bridge/BridgeMessage.swift`; both sides' tests decode the golden messages in
 * `fixtures/bridge/*.json`, which pins the two to the same wire format.
 *
 * Transport:
 * - page → shell: `window.webkit.messageHandlers[BRIDGE_HANDLER].postMessage(message)`, a plain
 *   object (WebKit turns it into an NSDictionary; the shell re-serialises it and decodes with Codable).
 * - shell → page: `window[BRIDGE_RECEIVER].receive(json)`, one JSON string per message, called with
 *   `callAsyncJavaScript` arguments (never by splicing text into a script).
 * - Before any page script runs, the shell defines `window[SHELL_INFO_GLOBAL]` ({@link ShellInfo}),
 *   so that the page picks its media engine synchronously at boot.
 *
 * Every message carries `v` (the bridge version) and `type`. A side that receives a message it
 * cannot decode answers `bridge.error` and otherwise ignores it; a version bump is a breaking change
 * and both sides ship it together.
 *
 * Media: the native engine (ios-shell/Shell/Media) holds two plain peer connections: the party's
 * upstream (publisher, whose offer the page forwards to the server) and the partner's downstream
 * (subscriber, whose offer comes from the server). The server translates that SDP into SFU
 * transports (sfu/src/media/sdp-edge.ts). The SFU is ICE-lite and puts its candidates in its SDP,
 * so ICE travels inward inside the SDP; the shell's own candidates (`media.candidate`) are not
 * needed by it, and the page does not forward them.
 */
import { z } from 'zod/mini';
import { CallIdSchema, PeerSchema } from './call.ts';
import { IceServersSchema } from './ice.ts';
import { ApsEnvironmentSchema, BundleIdSchema, VoipTokenSchema } from './push.ts';

export const BRIDGE_VERSION = 1;
/** `window.webkit.messageHandlers.<this>`: the one WKScriptMessageHandler in the shell. */
export const BRIDGE_HANDLER = 'softphone';
/** `window.<this>.receive(json)`: where the shell delivers {@link NativeToWeb} messages. */
export const BRIDGE_RECEIVER = '__softphoneNative';
/** `window.<this>`: the {@link ShellInfo} the shell injects at document start. */
export const SHELL_INFO_GLOBAL = '__softphoneShell';

const v = z.literal(BRIDGE_VERSION);
const callId = CallIdSchema;
const SdpSchema = z.string().check(z.minLength(1), z.maxLength(32_000));

export const IceCandidateSchema = z.object({
  candidate: z.string().check(z.maxLength(2_000)),
  sdpMid: z.nullable(z.string().check(z.maxLength(64))),
  sdpMLineIndex: z.nullable(z.int().check(z.gte(0), z.lte(64))),
});
export type IceCandidate = z.infer<typeof IceCandidateSchema>;

/** Which of the native engine's two peer connections a message is about: its upstream or the partner's downstream. */
export const MediaLegSchema = z.enum(['publisher', 'subscriber']);
export type MediaLeg = z.infer<typeof MediaLegSchema>;

/** What the shell tells the page about itself before the page's first script runs. */
export const ShellInfoSchema = z.strictObject({
  v,
  /** `qa` builds allow the experimental page engine and are inspectable by Appium. */
  build: z.enum(['qa', 'release']),
  /** The app's marketing version and build number, e.g. "1.0 (42)". */
  app: z.string().check(z.minLength(1), z.maxLength(64)),
  /** `callkit-simulator` when the shell's role is played by web/src/shell-simulator in a browser. */
  platform: z.enum(['ios', 'callkit-simulator']),
});
export type ShellInfo = z.infer<typeof ShellInfoSchema>;

/**
 * How a call ended, in CallKit's terms (`CXCallEndedReason`, plus `local` for the user's own
 * end action, which goes through a `CXEndCallAction` instead of a report).
 */
export const CallKitEndReasonSchema = z.enum([
  'local',
  'remote-ended',
  'unanswered',
  'failed',
  'answered-elsewhere',
  'declined-elsewhere',
]);
export type CallKitEndReason = z.infer<typeof CallKitEndReasonSchema>;

/** Cumulative counters of the native engine's peer connections: the page's `MediaStats`. */
export const MediaStatsSchema = z.strictObject({
  at: z.number(),
  inbound: z.nullable(
    z.strictObject({
      packetsReceived: z.number().check(z.gte(0)),
      packetsLost: z.number(),
      totalSamplesReceived: z.number().check(z.gte(0)),
      concealedSamples: z.number().check(z.gte(0)),
      totalAudioEnergy: z.number().check(z.gte(0)),
      totalSamplesDuration: z.number().check(z.gte(0)),
      jitter: z.number().check(z.gte(0)),
    }),
  ),
  outbound: z.nullable(z.strictObject({ packetsSent: z.number().check(z.gte(0)) })),
  sourceLevel: z.nullable(z.number().check(z.gte(0), z.lte(1))),
  roundTripTime: z.nullable(z.number().check(z.gte(0))),
});
export type BridgeMediaStats = z.infer<typeof MediaStatsSchema>;

/** Page → shell. */
export const WebToNativeSchema = z.discriminatedUnion('type', [
  /**
   * The page's receiver is installed. The shell answers with what the page may have missed while it
   * was not loaded (a cold launch from a push): `push.voip-token`, and `callkit.reported` for every
   * call a push reported that is still live.
   */
  z.strictObject({ v, type: z.literal('bridge.ready') }),
  /** A call reached this device over signalling: report it to CallKit (a no-op if a push already did). */
  z.strictObject({ v, type: z.literal('callkit.report-incoming'), callId, caller: PeerSchema }),
  /** The user placed a call: start a CallKit outgoing call (`CXStartCallAction`). */
  z.strictObject({ v, type: z.literal('callkit.start-outgoing'), callId, callee: PeerSchema }),
  /** The callee answered our outgoing call. */
  z.strictObject({ v, type: z.literal('callkit.outgoing-connected'), callId }),
  /** The user answered in the page: CallKit must perform the answer so that it activates audio. */
  z.strictObject({ v, type: z.literal('callkit.answer'), callId }),
  /** The call is over as far as the page knows; `local` is the user's own hang-up or decline. */
  z.strictObject({ v, type: z.literal('callkit.end'), callId, reason: CallKitEndReasonSchema }),
  /** The user put the call on hold or resumed it in the page. */
  z.strictObject({ v, type: z.literal('callkit.hold'), callId, held: z.boolean() }),
  /** Create the upstream; the shell answers `media.local-offer`. Nothing is captured yet. */
  z.strictObject({ v, type: z.literal('media.prepare'), callId }),
  /** The server's answer to the upstream offer. */
  z.strictObject({ v, type: z.literal('media.publisher-answer'), callId, sdp: SdpSchema }),
  /** The partner's downstream offer; the shell answers `media.local-answer`. */
  z.strictObject({ v, type: z.literal('media.subscriber-offer'), callId, sdp: SdpSchema }),
  /** The page's audio-activation step passed: attach the microphone (audio itself is CallKit's). */
  z.strictObject({ v, type: z.literal('media.start'), callId }),
  z.strictObject({ v, type: z.literal('media.mute'), callId, muted: z.boolean() }),
  /** The shell answers `media.stats` with the same `requestId`. */
  z.strictObject({ v, type: z.literal('media.stats-request'), callId, requestId: z.int().check(z.gte(0)) }),
  z.strictObject({ v, type: z.literal('media.stop'), callId }),
  /**
   * The STUN/TURN servers (with short-lived TURN credentials) the native engine's peer connections
   * use: sent when the page is welcomed and whenever the server refreshes the credentials — the same
   * list the page's own transports get. Not tied to a call.
   */
  z.strictObject({ v, type: z.literal('media.ice-servers'), iceServers: IceServersSchema }),
]);
export type WebToNative = z.infer<typeof WebToNativeSchema>;

/** Shell → page. */
export const NativeToWebSchema = z.discriminatedUnion('type', [
  /** PushKit's VoIP token: the page registers it with the server (`push:register-voip`). */
  z.strictObject({
    v,
    type: z.literal('push.voip-token'),
    token: VoipTokenSchema,
    environment: ApsEnvironmentSchema,
    bundleId: BundleIdSchema,
  }),
  /**
   * A VoIP push reported this call to CallKit (it rings): the page claims it from the server
   * (`call:reported`), which either joins this device to the ringing call or says it is over.
   */
  z.strictObject({ v, type: z.literal('callkit.reported'), callId }),
  /** The user answered on CallKit's screen (lock screen, banner, CarPlay…). */
  z.strictObject({ v, type: z.literal('callkit.answered'), callId }),
  /**
   * CallKit's side of the call ended: the user ended it on the system UI (`local`), the shell ended
   * it because the media connection closed while the page slept (`remote-ended`), or the system
   * failed or reset it (`failed`).
   */
  z.strictObject({ v, type: z.literal('callkit.ended'), callId, reason: CallKitEndReasonSchema }),
  /** CallKit put the call on hold or resumed it (an interrupting cellular call, the system UI). */
  z.strictObject({ v, type: z.literal('callkit.held'), callId, held: z.boolean() }),
  z.strictObject({ v, type: z.literal('callkit.muted'), callId, muted: z.boolean() }),
  /** `provider(_:didActivate:)`: call audio may run now, and only now. */
  z.strictObject({ v, type: z.literal('audio.activated'), callId }),
  /** `provider(_:didDeactivate:)`, or the call ended: call audio has stopped. */
  z.strictObject({ v, type: z.literal('audio.deactivated'), callId }),
  /**
   * No `didActivate` within `waitedMs` after answer (or unhold). The shell has re-assigned the
   * provider configuration for the next call and has not activated audio itself.
   */
  z.strictObject({
    v,
    type: z.literal('audio.activation-failed'),
    callId,
    waitedMs: z.int().check(z.gte(0)),
  }),
  /** The upstream's offer, for the page to publish. */
  z.strictObject({ v, type: z.literal('media.local-offer'), callId, sdp: SdpSchema }),
  /** The answer to the partner's downstream offer. */
  z.strictObject({ v, type: z.literal('media.local-answer'), callId, sdp: SdpSchema }),
  /** A local ICE candidate for one leg; `null` ends gathering. */
  z.strictObject({
    v,
    type: z.literal('media.candidate'),
    callId,
    leg: MediaLegSchema,
    candidate: z.nullable(IceCandidateSchema),
  }),
  /** The microphone started or stopped feeding the upstream. */
  z.strictObject({ v, type: z.literal('media.capture'), callId, capturing: z.boolean() }),
  z.strictObject({
    v,
    type: z.literal('media.stats'),
    callId,
    requestId: z.int().check(z.gte(0)),
    stats: MediaStatsSchema,
  }),
  /** A peer connection failed for good. */
  z.strictObject({ v, type: z.literal('media.failed'), callId, why: z.string().check(z.maxLength(500)) }),
  /** The shell could not decode or act on a page message. */
  z.strictObject({
    v,
    type: z.literal('bridge.error'),
    /** The offending message's `type`, when it had one. */
    inReplyTo: z.nullable(z.string().check(z.maxLength(64))),
    message: z.string().check(z.maxLength(500)),
  }),
]);
export type NativeToWeb = z.infer<typeof NativeToWebSchema>;

export type WebToNativeType = WebToNative['type'];
export type NativeToWebType = NativeToWeb['type'];
