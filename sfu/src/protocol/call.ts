import { z } from 'zod/mini';

/** Server-assigned call id (a UUID); the iOS shell reuses it as the CallKit UUID. */
export const CallIdSchema = z.uuid();
export type CallId = z.infer<typeof CallIdSchema>;

/** Server-assigned user id for this connection (accounts come later, issue 3). */
export const UserIdSchema = z.uuid();
export type UserId = z.infer<typeof UserIdSchema>;

/**
 * Lifecycle of a call, as the server's state machine (sfu/src/call/call-machine.ts) sees it.
 * String values so that logs and the wire read the same.
 */
export enum CallState {
  /** Entered on `call:invite`: the callee has been offered the call, no device has rung yet. */
  Calling = 'calling',
  /** Entered on `call:ringing`: a callee device is alerting the user. */
  Ringing = 'ringing',
  /** Entered on `call:answer`: both parties may activate audio. */
  Answered = 'answered',
  /** Terminal; entered with an {@link EndReason}. */
  Ended = 'ended',
}

/** Why a call ended. Safe to show to users; the web app maps each to a sentence. */
export enum EndReason {
  /** A party hung up an answered call (`endedBy` says who). */
  HungUp = 'hung-up',
  /** The caller gave up before the callee answered. */
  Cancelled = 'cancelled',
  /** The callee declined. */
  Declined = 'declined',
  /** The callee was already in a call. */
  Busy = 'busy',
  /** Nobody answered before the no-answer timeout. */
  NoAnswer = 'no-answer',
  /** The callee has no connected device. */
  Unreachable = 'unreachable',
  /** A party's connection to the server dropped and did not come back within the reconnect grace. */
  Disconnected = 'disconnected',
  /** The media server died and was restarted; its rooms are gone. */
  MediaServerRestarted = 'media-server-restarted',
  /** The media path could not be set up or broke. */
  MediaFailed = 'media-failed',
  /** A party's media path dropped and ICE restarts could not bring it back. */
  MediaLost = 'media-lost',
  /**
   * The callee's device could not complete its answer: the server refused it, or did not confirm it
   * in time. The device says so (`call:answer-failed`) and the call ends for both.
   */
  AnswerFailed = 'answer-failed',
  /** Sent to a callee's other devices when one of them answered; the call goes on there. */
  AnsweredElsewhere = 'answered-elsewhere',
  /** The server holding the call stopped answering (it died, or was cut off) and another ended it. */
  ServerLost = 'server-lost',
}

export const PeerSchema = z.object({ id: UserIdSchema, displayName: z.string() });
export type Peer = z.infer<typeof PeerSchema>;

/**
 * The app's permission to record (iOS: `AVAudioApplication.recordPermission`). Anything but
 * `granted` means the device's uplink is silence: iOS records "only silence" without it, and never
 * shows its prompt while the app is not in the foreground (a call answered on the lock screen).
 */
export const MicPermissionSchema = z.enum(['granted', 'denied', 'undetermined']);
export type MicPermission = z.infer<typeof MicPermissionSchema>;

export const DISPLAY_NAME_MAX = 40;
export const DisplayNameSchema = z
  .string()
  .check(
    z.trim(),
    z.minLength(1, 'a name is required'),
    z.maxLength(DISPLAY_NAME_MAX, `at most ${DISPLAY_NAME_MAX} characters`),
    z.regex(/^[^\p{Cc}<>]+$/u, 'no control characters or angle brackets'),
  );
