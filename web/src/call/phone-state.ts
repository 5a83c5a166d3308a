/** The client's whole state, set in one place (StateStore.set, by the controllers) and passed down to the UI. */
import type {
  Account,
  AudioRouteKind,
  CallId,
  EndReason,
  EndedBy,
  HistoryEntry,
  IceServer,
  MicPermission,
  Peer,
  PresenceState,
  StallCause,
  StallDirection,
} from '@softphone/sfu/protocol';
import { CallState } from '@softphone/sfu/protocol';
import type { CallQuality } from '../media/call-quality.ts';
import type { CallNotificationsState } from '../push/call-notifications.ts';

export type ConnectionState = 'signed-out' | 'connecting' | 'connected' | 'reconnecting';

/**
 * Where the audio-activation step is for the current call. `not-activated`: the iOS shell's
 * CallKit never activated audio for it (the shell does not force it: docs/callkit-decision-table.md).
 */
export type AudioState = 'idle' | 'activating' | 'active' | 'failed' | 'not-activated';

export interface ActiveCall {
  /** Null until the server has acknowledged our invite. */
  id: CallId | null;
  direction: 'outgoing' | 'incoming';
  peer: Peer;
  /** The server's word on the call's progress, shown as "Calling…" / "Ringing…"; see {@link isAnswered}. */
  state: CallState;
  /** Epoch ms when the call was answered (by us or the peer): the one record of "answered". */
  answeredAt: number | null;
  muted: boolean;
  audio: AudioState;
  /** Who has the call on hold. */
  held: { self: boolean; peer: boolean };
  /** The media path dropped and ICE restarts are bringing it back. */
  recovering: boolean;
  /**
   * This device's connection to the server dropped and the call waits for it to come back (the
   * media may still flow); past the server's reconnect grace the call ends.
   */
  reconnecting: boolean;
  /** The partner's connection to the server dropped and the call waits for it. */
  peerReconnecting: boolean;
  /**
   * The server's word on each direction of the answered call: why it carries no audio
   * (`media:stall`), or null while it does (`to-peer`: what we send; `from-peer`: what we hear).
   */
  stalled: Record<StallDirection, StallCause | null>;
  /** The connection's quality over the last few seconds (null: nothing to judge yet, or on hold). */
  quality: CallQuality | null;
  /** Where the call's audio goes, as the iOS shell's audio session says (null elsewhere). */
  route: { kind: AudioRouteKind; name: string } | null;
}

/** A call as it starts: calling, nothing heard, held or stalled yet. */
export function newCall(direction: ActiveCall['direction'], peer: Peer, id: CallId | null): ActiveCall {
  return {
    id,
    direction,
    peer,
    state: CallState.Calling,
    answeredAt: null,
    muted: false,
    audio: 'idle',
    held: { self: false, peer: false },
    recovering: false,
    reconnecting: false,
    peerReconnecting: false,
    route: null,
    quality: null,
    stalled: { 'to-peer': null, 'from-peer': null },
  };
}

export interface EndedCall {
  peer: Peer;
  direction: 'outgoing' | 'incoming';
  reason: EndReason | null;
  by: EndedBy;
  message: string;
  durationMs: number | null;
}

export interface OutputDevice {
  id: string;
  label: string;
}

export interface PhoneState {
  connection: ConnectionState;
  /** The signed-in account (null: show the sign-in screen). */
  account: Account | null;
  /** Why signing in or up failed, in words for the user. */
  authError: string | null;
  /** A sign-in / sign-up request is in flight. */
  authBusy: boolean;
  /** This connection as the server knows it (set once the socket is welcomed). */
  self: Peer | null;
  /** STUN/TURN servers for the next call's transports (from the welcome, refreshed by the server). */
  iceServers: IceServer[];
  /** Contacts online (or everyone, where the server's directory is on), by name. */
  users: Peer[];
  /** Not connected, but one of their devices can be woken by a push: callable too. */
  asleep: Peer[];
  /** What became of the last "add by username" (null: nothing to say). */
  contactNotice: { text: string; ok: boolean } | null;
  call: ActiveCall | null;
  ended: EndedCall | null;
  /** A one-line problem to show (a refused invite, a lost connection). */
  notice: string | null;
  view: 'people' | 'history';
  history: HistoryEntry[];
  unreadMissed: number;
  /** Audio outputs the browser lets us choose from (empty: no choice offered). */
  outputs: OutputDevice[];
  outputId: string;
  /** Whether incoming calls reach this device as notifications when no tab is open. */
  callNotifications: CallNotificationsState;
  /** The iOS shell's permission to record (null: not in the shell, or not said yet). */
  microphone: MicPermission | null;
  /** The browser keeps the ringing silent until the user interacts with the page (autoplay rules). */
  soundBlocked: boolean;
}

export const initialPhoneState: PhoneState = {
  connection: 'signed-out',
  account: null,
  authError: null,
  authBusy: false,
  self: null,
  iceServers: [],
  users: [],
  asleep: [],
  contactNotice: null,
  call: null,
  ended: null,
  notice: null,
  view: 'people',
  history: [],
  unreadMissed: 0,
  outputs: [],
  outputId: '',
  callNotifications: 'unsupported',
  microphone: null,
  soundBlocked: false,
};

/**
 * The lists after one user's presence changed (`presence:changed`): the user moves to the list
 * their presence says, or out of both when offline.
 */
export function applyPresence(
  s: Pick<PhoneState, 'users' | 'asleep'>,
  change: { user: Peer; presence: PresenceState },
): Pick<PhoneState, 'users' | 'asleep'> {
  const without = (list: Peer[]) => list.filter((u) => u.id !== change.user.id);
  const plus = (list: Peer[]) => [...without(list), change.user].sort(byName);
  return {
    users: change.presence === 'online' ? plus(s.users) : without(s.users),
    asleep: change.presence === 'asleep' ? plus(s.asleep) : without(s.asleep),
  };
}

/** The server's order (`presence.ts`): by display name. */
const byName = (a: Peer, b: Peer) => a.displayName.localeCompare(b.displayName);

/** What the call screen and the announcer say while the partner's connection is down. */
export function peerReconnecting(peer: string): string {
  return `${peer}'s connection dropped — reconnecting…`;
}

/**
 * What to tell the user about the microphone permission, or null: without it the other party hears
 * silence. Denied: only Settings can change it. Undetermined: iOS can't show its prompt on the lock
 * screen, so a call answered there has no microphone until the app is opened and the prompt answered.
 */
export function microphoneMessage(s: Pick<PhoneState, 'microphone' | 'call'>): string | null {
  if (s.microphone === 'denied')
    return "Softphone isn't allowed to use the microphone, so nobody you call can hear you. Turn it on in Settings › Softphone › Microphone.";
  if (s.microphone === 'undetermined' && s.call && isAnswered(s.call))
    return "The other person can't hear you yet: open Softphone and allow the microphone.";
  return null;
}

/** Whether the call is answered: here, and nowhere else, is that decided. */
export function isAnswered(call: ActiveCall): boolean {
  return call.answeredAt !== null;
}

export type Screen = 'sign-in' | 'contacts' | 'history' | 'outgoing' | 'incoming' | 'in-call' | 'ended';

/** The screen is derived from the state, never stored. */
export function screenOf(s: PhoneState): Screen {
  if (!s.account || !s.self) return 'sign-in';
  if (s.call) {
    if (isAnswered(s.call)) return 'in-call';
    return s.call.direction === 'incoming' ? 'incoming' : 'outgoing';
  }
  if (s.ended) return 'ended';
  return s.view === 'history' ? 'history' : 'contacts';
}

/** `ringtone`: a call for us rings here. `ringback`: our call rings at the callee's. */
export type RingSound = 'ringtone' | 'ringback';

/** What the page should sound while a call is not answered: derived from the state, as the screen is. */
export function ringSoundOf(s: Pick<PhoneState, 'call'>): RingSound | null {
  const call = s.call;
  if (!call || isAnswered(call)) return null;
  if (call.direction === 'incoming') return 'ringtone';
  // Before a callee device alerts (`calling`) there is nothing to hear yet, as on a phone line.
  return call.state === CallState.Ringing ? 'ringback' : null;
}
