/**
 * What a screen reader should say about the phone right now: the call's progress and the
 * connection. Spoken through one live region that stays on the page, so every change is heard
 * (a live region inserted together with its text often is not). Form and call errors are
 * announced where they appear (role="alert").
 */
import { CallState } from '@softphone/sfu/protocol';
import { isAnswered, peerReconnecting, type PhoneState } from '../call/phone-state.ts';
import { stallMessage } from '../call/stall-messages.ts';
import { WEAK_CONNECTION } from '../media/call-quality.ts';

export function announcement(s: PhoneState): string {
  const call = s.call;
  if (call?.reconnecting) return `Reconnecting… the call with ${call.peer.displayName} goes on`;
  if (s.connection === 'reconnecting') return s.notice ?? 'Connection lost, reconnecting…';
  if (call) {
    const who = call.peer.displayName;
    if (call.peerReconnecting) return peerReconnecting(who);
    if (!isAnswered(call)) {
      if (call.direction === 'incoming') return `Incoming call from ${who}`;
      return call.state === CallState.Ringing ? `Ringing ${who}…` : `Calling ${who}…`;
    }
    if (call.recovering) return 'Connection lost, reconnecting…';
    if (call.held.self) return `${who} is on hold`;
    if (call.held.peer) return `${who} put you on hold`;
    if (call.audio === 'failed') return 'Microphone unavailable';
    const stall = stallMessage(call);
    if (stall) return stall;
    // The same words however long it stays poor, so it is said once, not on every sample.
    if (call.quality?.level === 'poor') return WEAK_CONNECTION;
    return call.muted ? `Muted. In call with ${who}` : `In call with ${who}`;
  }
  return s.ended ? `Call ended. ${s.ended.message}` : '';
}
