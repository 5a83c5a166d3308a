/** The client's whole state, set in one place (Phone.setState) and passed down to the UI. */
import type { CallId, CallState, EndReason, EndedBy, Peer } from '@softphone/sfu/protocol';

export type ConnectionState = 'signed-out' | 'connecting' | 'connected' | 'reconnecting';

/** Where the audio-activation step is for the current call. */
export type AudioState = 'idle' | 'activating' | 'active' | 'failed';

export interface ActiveCall {
  /** Null until the server has acknowledged our invite. */
  id: CallId | null;
  direction: 'outgoing' | 'incoming';
  peer: Peer;
  state: CallState;
  /** Epoch ms when the call was answered (by us or the peer). */
  answeredAt: number | null;
  muted: boolean;
  audio: AudioState;
}

export interface EndedCall {
  peer: Peer;
  direction: 'outgoing' | 'incoming';
  reason: EndReason | null;
  by: EndedBy;
  message: string;
  durationMs: number | null;
}

export interface PhoneState {
  connection: ConnectionState;
  /** Why signing in failed, in words for the user. */
  signInError: string | null;
  self: Peer | null;
  users: Peer[];
  call: ActiveCall | null;
  ended: EndedCall | null;
  /** A one-line problem to show (a refused invite, a lost connection). */
  notice: string | null;
}

export const initialPhoneState: PhoneState = {
  connection: 'signed-out',
  signInError: null,
  self: null,
  users: [],
  call: null,
  ended: null,
  notice: null,
};

export type Screen = 'sign-in' | 'contacts' | 'outgoing' | 'incoming' | 'in-call' | 'ended';

/** The screen is derived from the state, never stored. */
export function screenOf(s: PhoneState): Screen {
  if (s.connection === 'signed-out' || s.connection === 'connecting' || !s.self) return 'sign-in';
  if (s.call) {
    if (s.call.answeredAt !== null) return 'in-call';
    return s.call.direction === 'incoming' ? 'incoming' : 'outgoing';
  }
  if (s.ended) return 'ended';
  return 'contacts';
}
