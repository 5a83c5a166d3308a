/**
 * The socket.io contract between the PWA and the server: every event in both directions, as zod
 * schemas (validated at each edge) and the TypeScript event maps inferred from them.
 */
import { z } from 'zod/mini';
import type { AckCallback } from './ack.ts';
import { CallIdSchema, CallState, EndReason, MicPermissionSchema, PeerSchema, UserIdSchema } from './call.ts';
import { ErrorCode } from './errors.ts';
import { HistoryEntrySchema, QualitySummarySchema } from './history.ts';
import { DeviceReportPayloadSchema } from './quality.ts';
import { IceServersSchema } from './ice.ts';
import { MediaDownstreamSchema, mediaRequests, mediaServerEvents } from './media.ts';
import { pushRequests } from './push.ts';
import { UsernameSchema } from './rest.ts';

const callRef = z.strictObject({ callId: CallIdSchema });

/**
 * What a contact is now: connected, not connected but a push can wake them (callable too), or
 * neither.
 */
export const PresenceStateSchema = z.enum(['online', 'asleep', 'offline']);
export type PresenceState = z.infer<typeof PresenceStateSchema>;
const empty = z.strictObject({});

/** Client → server requests. Each is acknowledged with `Ack<result>`. */
export const requests = /* @__PURE__ */ (() =>
  ({
    /** Start a call to an online user. */
    'call:invite': { payload: z.strictObject({ to: UserIdSchema }), result: callRef },
    /**
     * Call anyone with an account by their exact username (case aside), online or not: as
     * `call:invite` once the name is found (an asleep callee is woken by push; no device online and
     * none woken in time ends the call as `unreachable`, one in a call as `busy`). No such user:
     * `user-not-found`, counted as an invite against the caller (the invite limit stands in front of
     * the look-up); yourself: `invalid-target`. `callee` says who was called.
     */
    'call:dial': {
      payload: z.strictObject({ username: UsernameSchema }),
      result: z.strictObject({ callId: CallIdSchema, callee: PeerSchema }),
    },
    /**
     * A push-woken device has reported the call to CallKit: it joins the call's ringing devices (so it
     * may answer or decline) and the first report moves the call to `ringing`. A call that ended
     * meanwhile fails with `call-no-longer-available`.
     */
    'call:reported': {
      payload: callRef,
      result: z.strictObject({ call: z.strictObject({ callId: CallIdSchema, from: PeerSchema }) }),
    },
    /** The callee's device is alerting the user (moves the call to `ringing`). */
    'call:ringing': { payload: callRef, result: empty },
    /** The callee accepts. */
    'call:answer': { payload: callRef, result: empty },
    /**
     * The callee's answer was refused or not confirmed in time (`call:answer` failed): the call ends
     * for both with `answer-failed`, instead of the caller hearing nothing in a call the callee left.
     */
    'call:answer-failed': { payload: callRef, result: empty },
    /** The callee refuses. */
    'call:decline': { payload: callRef, result: empty },
    /** Either party ends the call: a cancel before answer (caller), a hang-up after. */
    'call:hangup': { payload: callRef, result: empty },
    /**
     * This device's signalling was down past the reconnect grace and it gave the call up; it has
     * just reconnected to find the server still waiting for it: the call ends as `disconnected`.
     */
    'call:connection-lost': { payload: callRef, result: empty },
    /** This party's media dropped and could not be recovered: the call ends with `media-lost`. */
    'call:media-lost': { payload: callRef, result: empty },
    /**
     * This party's media path could not be set up (its transports never connected: a firewall and
     * no TURN relay, or none that works): the call ends with `media-failed` for both parties.
     */
    'call:media-failed': { payload: callRef, result: empty },
    /** Put the call on hold or resume it (resuming runs the audio-activation step again). */
    'call:hold': { payload: z.strictObject({ callId: CallIdSchema, held: z.boolean() }), result: empty },
    /**
     * The audio-activation step failed on this device (iOS: no `didActivate` in time, field notes
     * §1): logged at once with the call id, so the failure is seen while the call is still up.
     */
    'call:activation-failed': {
      payload: z.strictObject({ callId: CallIdSchema, why: z.enum(['not-activated', 'failed']) }),
      result: empty,
    },
    /**
     * This device's microphone permission as it joins the call (the iOS shell, after its claim or
     * invite): kept with the call, so a silent uplink from a `denied` or `undetermined` device is
     * told apart from a network fault. A later report for the same party replaces it.
     */
    'call:mic-permission': {
      payload: z.strictObject({ callId: CallIdSchema, state: MicPermissionSchema }),
      result: empty,
    },
    /**
     * What this device is (platform, OS and version, model, app build, media engine) and how its
     * call went on its side (network path; on an iPhone didActivate, the watchdog, a frozen page):
     * kept for the call's quality record (issue 21). Sent again whenever something in it changes;
     * each report replaces the device's previous one.
     */
    'call:device-report': { payload: DeviceReportPayloadSchema, result: empty },
    /** This party's media summary, sent once the call has ended; kept with the call in history. */
    'call:quality': {
      payload: z.strictObject({ callId: CallIdSchema, summary: QualitySummarySchema }),
      result: empty,
    },
    /** The signed-in user's recent calls, newest first. */
    'history:list': {
      payload: z.strictObject({ limit: z.optional(z.int().check(z.gte(1), z.lte(200))) }),
      result: z.strictObject({ entries: z.array(HistoryEntrySchema), unreadMissed: z.int() }),
    },
    /** The user has looked at their missed calls: clears the badge. */
    'history:mark-seen': { payload: empty, result: empty },
    /**
     * Add someone by their exact username (case aside): this user's devices are told their presence
     * from now on. No such user: `user-not-found`; yourself: `invalid-target`.
     */
    'contacts:add': {
      payload: z.strictObject({ username: UsernameSchema }),
      result: z.strictObject({ contact: PeerSchema, presence: PresenceStateSchema }),
    },
    ...mediaRequests,
    ...pushRequests,
  }) as const)();

type Requests = typeof requests;
export type RequestName = keyof Requests;
export type RequestPayload<K extends RequestName> = z.infer<Requests[K]['payload']>;
export type RequestResult<K extends RequestName> = z.infer<Requests[K]['result']>;

/** Why a sign-in session ended under a live connection (`session:ended`). */
export enum SessionEndReason {
  SignedOut = 'signed-out',
  Expired = 'expired',
  PasswordChanged = 'password-changed',
}

export const EndedBySchema = z.enum(['self', 'peer', 'server']);
export type EndedBy = z.infer<typeof EndedBySchema>;

/** Server → client events (no acks). */
export const serverEvents = {
  /** Sent once after connecting: who this connection is. */
  'session:welcome': z.strictObject({
    self: PeerSchema,
    noAnswerTimeoutMs: z.int().check(z.positive()),
    /** How long a call waits for a device whose signalling dropped before it ends for both. */
    reconnectGraceMs: z.int().check(z.positive()),
    unreadMissed: z.int().check(z.gte(0)),
    /** STUN/TURN servers for this device's media, with TURN credentials valid for a while. */
    iceServers: IceServersSchema,
  }),
  /**
   * Fresh TURN credentials, sent well before the welcome's (or the last refresh's) expire; use them
   * for every transport made from now on. Only ever sent to the signed-in connection.
   */
  'session:ice-servers': z.strictObject({ iceServers: IceServersSchema }),
  /**
   * This connection's sign-in session is over: signed out (on this or another device), expired, or
   * ended by a password change. The server disconnects every socket of the session right after
   * (`io server disconnect`: no reconnection), the page's and the iOS shell's alike.
   */
  'session:ended': z.strictObject({ reason: z.enum(SessionEndReason) }),
  /**
   * The user's history changed — a call of theirs ended and is written, or a device marked missed
   * calls seen — with the number of unread missed calls now.
   */
  'history:changed': z.strictObject({ unreadMissed: z.int().check(z.gte(0)) }),
  /** A party put the call on hold or resumed it. */
  'call:hold': z.strictObject({ callId: CallIdSchema, held: z.boolean(), by: z.enum(['self', 'peer']) }),
  /**
   * Sent once to each new connection: the recipient's contacts (or, where the deployment turns the
   * directory on, everyone) who are online, and who are asleep. Changes follow as `presence:changed`.
   */
  'presence:users': z.strictObject({
    users: z.array(PeerSchema),
    /** Not connected, but a push can wake one of their devices: they can still be called. */
    asleep: z.array(PeerSchema),
  }),
  /** One user's presence changed (a delta to the `presence:users` the connection was sent). */
  'presence:changed': z.strictObject({ user: PeerSchema, presence: PresenceStateSchema }),
  /** Someone is calling the recipient. */
  'call:incoming': z.strictObject({ callId: CallIdSchema, from: PeerSchema }),
  /** The call moved to a new non-terminal state. */
  'call:state': z.strictObject({ callId: CallIdSchema, state: z.enum(CallState) }),
  /** The call is over; `by` says whose action ended it, from the recipient's point of view. */
  'call:ended': z.strictObject({ callId: CallIdSchema, reason: z.enum(EndReason), by: EndedBySchema }),
  /**
   * Sent to a new connection of a device that is in a live call (it reconnected after its signalling
   * dropped): the call as the server has it, so the device carries on with the same call. What it
   * missed meanwhile is here: the state, the answer, hold, and the partner's downstream, which the
   * device consumes if it has not yet (the same consumer again is a no-op).
   */
  'call:resync': z.strictObject({
    callId: CallIdSchema,
    peer: PeerSchema,
    role: z.enum(['caller', 'callee']),
    state: z.enum([CallState.Calling, CallState.Ringing, CallState.Answered]),
    answered: z.boolean(),
    held: z.strictObject({ self: z.boolean(), peer: z.boolean() }),
    /** The partner's own signalling is down too, and the call waits for it. */
    peerReconnecting: z.boolean(),
    downstream: z.optional(MediaDownstreamSchema),
  }),
  /**
   * The partner's signalling dropped and the call waits for it to reconnect (true), or it is back
   * (false). Media keeps flowing meanwhile; past the server's grace the call ends as `disconnected`.
   */
  'call:peer-connection': z.strictObject({ callId: CallIdSchema, reconnecting: z.boolean() }),
  ...mediaServerEvents,
  /** A request that had no ack callback failed: the typed error goes here instead. */
  'request:error': z.strictObject({
    event: z.string(),
    error: z.strictObject({
      code: z.enum(ErrorCode),
      message: z.string(),
      retryAfterMs: z.optional(z.int().check(z.gte(0))),
    }),
  }),
} as const;

type ServerEvents = typeof serverEvents;
export type ServerEventName = keyof ServerEvents;
export type ServerEventPayload<K extends ServerEventName> = z.infer<ServerEvents[K]>;

export type ClientToServerEvents = {
  [K in RequestName]: (payload: RequestPayload<K>, ack: AckCallback<RequestResult<K>>) => void;
};
export type ServerToClientEvents = {
  [K in ServerEventName]: (payload: ServerEventPayload<K>) => void;
};

/**
 * What the client puts in socket.io's `auth` option. Who the user is comes from the session
 * cookie; this only says which of their devices is connecting (an id the device generated and keeps).
 */
export const HandshakeAuthSchema = z.strictObject({
  deviceId: z.uuid(),
  deviceLabel: z.string().check(z.trim(), z.minLength(1), z.maxLength(80)),
});
export type HandshakeAuth = z.infer<typeof HandshakeAuthSchema>;

/** `err.data` of a refused connection (`connect_error`). */
export interface HandshakeErrorData {
  code: ErrorCode;
  message: string;
}
