/**
 * The bridge between the page and the iOS shell (ios-shell/), version 2: every message in both
 * directions, as zod schemas validated at each end. The Swift side mirrors these in
 * `ios-shell/Shell/Bridge/BridgeMessage.swift`; both sides' tests decode the golden messages in
 * `fixtures/bridge/*.json`, which pins the two to the same wire format.
 *
 * Transport:
 * - page → shell: `window.webkit.messageHandlers[BRIDGE_HANDLER].postMessage(message)`, a plain
 *   object (WebKit turns it into an NSDictionary; the shell checks it is valid JSON and decodes it).
 * - shell → page: `window[BRIDGE_RECEIVER].receive(json)`, one JSON string per message, called with
 *   `callAsyncJavaScript` arguments (never by splicing text into a script). Everything the shell
 *   sends before the page's `bridge.ready` is queued, not lost (a cold launch answered on the lock
 *   screen while the page loads).
 * - Before any page script runs, the shell defines `window[SHELL_INFO_GLOBAL]` ({@link ShellInfo}),
 *   so that the page picks its media engine synchronously at boot.
 *
 * Every message carries `v` (the bridge version) and `type`. A side that receives a message it
 * cannot decode answers `bridge.error` and otherwise ignores it; a version bump is a breaking change
 * and both sides ship it together.
 *
 * Version 2 (issue 12): WebKit suspends a page's JavaScript soon after the app leaves the
 * foreground, so call control and the native engine's media negotiation live in the shell, on its
 * own socket to the server (connected as the page's device, with the page's session cookie). The
 * page is the UI and the source of the user's intents; it tells the shell who it is
 * (`signalling.identity`), which ICE servers and which engine to use, and hears the server's call
 * state, CallKit's refusals and a snapshot of every live call (`shell.state`) from the shell.
 *
 * Media: the native engine (ios-shell/Shell/Media) holds two plain peer connections, the party's
 * upstream (publisher) and the partner's downstream (subscriber), and the shell negotiates them on
 * its own socket with the server's SDP edge (sfu/src/media/sdp-edge.ts: `media:publish`,
 * `media:offer`, `media:subscribe-answer`). The SFU is ICE-lite and puts its candidates in its SDP,
 * so no candidate travels either way.
 */
import { z } from 'zod/mini';
import { CallIdSchema, CallState, EndReason, MicPermissionSchema, PeerSchema } from './call.ts';
import { ErrorCode } from './errors.ts';
import { IceServersSchema } from './ice.ts';
import { ApsEnvironmentSchema, BundleIdSchema, VoipTokenSchema } from './push.ts';
import { EndedBySchema } from './signalling.ts';

export const BRIDGE_VERSION = 2;
/** `window.webkit.messageHandlers.<this>`: the one WKScriptMessageHandler in the shell. */
export const BRIDGE_HANDLER = 'softphone';
/** `window.<this>.receive(json)`: where the shell delivers {@link NativeToWeb} messages. */
export const BRIDGE_RECEIVER = '__softphoneNative';
/** `window.<this>`: the {@link ShellInfo} the shell injects at document start. */
export const SHELL_INFO_GLOBAL = '__softphoneShell';

const v = z.literal(BRIDGE_VERSION);
const callId = CallIdSchema;

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

/** Which engine carries the call media: the shell's, or (QA builds only) the page's own WebRTC. */
export const MediaEngineKindSchema = z.enum(['native', 'page']);
export type MediaEngineKind = z.infer<typeof MediaEngineKindSchema>;

export const AudioOutputSchema = z.enum(['receiver', 'speaker']);
export type AudioOutput = z.infer<typeof AudioOutputSchema>;

/** What the system's audio route goes through (`AVAudioSession.currentRoute`'s first output). */
export const AudioRouteKindSchema = z.enum(['receiver', 'speaker', 'bluetooth', 'headphones', 'other']);
export type AudioRouteKind = z.infer<typeof AudioRouteKindSchema>;

/** The CallKit requests the shell makes (transactions and reports), as named in `callkit.refused`. */
export const CallKitRequestSchema = z.enum(['report', 'start', 'answer', 'end', 'hold', 'mute']);
export type CallKitRequest = z.infer<typeof CallKitRequestSchema>;

/** The native engine's connection to the media server. */
export const MediaConnectionStateSchema = z.enum(['connecting', 'connected', 'restarting', 'lost']);
export type MediaConnectionState = z.infer<typeof MediaConnectionStateSchema>;

/** One live call as the shell knows it: what a page that has just (re)loaded needs to show it. */
export const CallSnapshotSchema = z.strictObject({
  callId,
  direction: z.enum(['incoming', 'outgoing']),
  /** Unknown until the server has named the other party (a pushed call not yet claimed). */
  peer: z.nullable(PeerSchema),
  fromPush: z.boolean(),
  answered: z.boolean(),
  audioActive: z.boolean(),
  held: z.boolean(),
  muted: z.boolean(),
  output: AudioOutputSchema,
});
export type CallSnapshot = z.infer<typeof CallSnapshotSchema>;

/**
 * Page → shell. Built in a function marked pure: the page only sends these (typed), so its bundle
 * drops the schema; the simulator and the tests validate with it.
 */
export const WebToNativeSchema = /* @__PURE__ */ (() =>
  z.discriminatedUnion('type', [
    /**
     * The page's receiver is installed. The shell delivers what it queued meanwhile, then
     * `push.voip-token`, then `shell.state`.
     */
    z.strictObject({ v, type: z.literal('bridge.ready') }),
    /** The page's device identity: the shell's own socket connects as the same device. */
    z.strictObject({
      v,
      type: z.literal('signalling.identity'),
      deviceId: z.uuid(),
      deviceLabel: z.string().check(z.trim(), z.minLength(1), z.maxLength(80)),
    }),
    /** The ICE servers for the native engine (the page's, TURN included: sfu/src/protocol/ice.ts). */
    z.strictObject({
      v,
      type: z.literal('media.ice-servers'),
      iceServers: IceServersSchema,
    }),
    /** Sent at boot. `page` (QA builds only): the shell keeps call control, the page carries media. */
    z.strictObject({ v, type: z.literal('media.engine'), engine: MediaEngineKindSchema }),
    /** A call reached this device over signalling: report it to CallKit (a no-op if a push already did). */
    z.strictObject({ v, type: z.literal('callkit.report-incoming'), callId, caller: PeerSchema }),
    /**
     * The user placed a call: the shell invites over its socket and starts the CallKit call, and
     * answers `call.placed` or `call.place-failed` with the same `requestId`.
     */
    z.strictObject({
      v,
      type: z.literal('call.place'),
      requestId: z.int().check(z.gte(0)),
      callee: PeerSchema,
    }),
    /** The user answered in the page: CallKit must perform the answer so that it activates audio. */
    z.strictObject({ v, type: z.literal('callkit.answer'), callId }),
    /** The call is over as far as the page knows; `local` is the user's own hang-up or decline. */
    z.strictObject({ v, type: z.literal('callkit.end'), callId, reason: CallKitEndReasonSchema }),
    /** The user held or resumed the call in the page: a media hold and `call:hold`, not CallKit's. */
    z.strictObject({ v, type: z.literal('callkit.hold'), callId, held: z.boolean() }),
    z.strictObject({ v, type: z.literal('media.mute'), callId, muted: z.boolean() }),
    /** The user picked the receiver or the speaker. */
    z.strictObject({ v, type: z.literal('audio.output'), callId, output: AudioOutputSchema }),
    /** The shell answers `media.stats` with the same `requestId`. */
    z.strictObject({ v, type: z.literal('media.stats-request'), callId, requestId: z.int().check(z.gte(0)) }),
  ]))();
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
  /** A VoIP push reported this call to CallKit (it rings); the shell has claimed it itself. */
  z.strictObject({ v, type: z.literal('callkit.reported'), callId }),
  /** The user answered on CallKit's screen (lock screen, banner, CarPlay…). */
  z.strictObject({ v, type: z.literal('callkit.answered'), callId }),
  /**
   * CallKit's side of the call ended: the user ended it on the system UI (`local`), the server or
   * the media connection ended it (`remote-ended`, …), or the system failed or reset it (`failed`).
   */
  z.strictObject({ v, type: z.literal('callkit.ended'), callId, reason: CallKitEndReasonSchema }),
  /** The call was held or resumed (an interrupting cellular call, the system UI). */
  z.strictObject({ v, type: z.literal('callkit.held'), callId, held: z.boolean() }),
  z.strictObject({ v, type: z.literal('callkit.muted'), callId, muted: z.boolean() }),
  /** CallKit refused a request. If the call can't go on, `callkit.ended` follows. */
  z.strictObject({
    v,
    type: z.literal('callkit.refused'),
    callId,
    request: CallKitRequestSchema,
    error: z.string().check(z.maxLength(500)),
  }),
  /** `call.place` succeeded: the server's call id. */
  z.strictObject({ v, type: z.literal('call.placed'), requestId: z.int().check(z.gte(0)), callId }),
  /** `call.place` failed: the server's error code, or the shell's own for a request that never got an answer. */
  z.strictObject({
    v,
    type: z.literal('call.place-failed'),
    requestId: z.int().check(z.gte(0)),
    code: z.union([z.enum(ErrorCode), z.enum(['offline', 'no-ack', 'undecodable'])]),
    message: z.string().check(z.maxLength(500)),
  }),
  /** The server's view of the call, as the shell's socket heard it; `reason` and `by` only when ended. */
  z.strictObject({
    v,
    type: z.literal('call.state'),
    callId,
    state: z.enum(CallState),
    reason: z.nullable(z.enum(EndReason)),
    by: z.nullable(EndedBySchema),
  }),
  /** Every live call, sent after each `bridge.ready`: what the page tells its user. */
  z.strictObject({
    v,
    type: z.literal('shell.state'),
    calls: z.array(CallSnapshotSchema).check(z.maxLength(8)),
  }),
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
  /** The audio route changed. */
  z.strictObject({
    v,
    type: z.literal('audio.route'),
    callId,
    kind: AudioRouteKindSchema,
    name: z.string().check(z.maxLength(200)),
  }),
  /**
   * The app's microphone permission: after each `bridge.ready`, after the shell asked (at sign-in, in
   * the foreground), and as each call is joined. The page tells the user what to do when it is not
   * `granted`: the other party hears nothing.
   */
  z.strictObject({ v, type: z.literal('microphone.permission'), state: MicPermissionSchema }),
  /** The native engine's connection to the media server. */
  z.strictObject({ v, type: z.literal('media.connection'), callId, state: MediaConnectionStateSchema }),
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
