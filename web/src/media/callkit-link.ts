/**
 * Keeps CallKit (through the shell) and the page's Phone telling each other about the same calls.
 * Page → shell follows the Phone's state: a new incoming call is reported, an answer in the page
 * becomes CallKit's answer (CallKit must perform it, or it never activates audio), an outgoing call
 * is started and connected, a hold is CallKit's hold, an ended call is ended. Shell → page: an
 * answer, a hold or an end on the system's screen becomes the Phone's.
 */
import { EndReason, type CallId } from '@softphone/sfu/protocol';
import type { Phone } from '../call/phone.ts';
import type { ActiveCall, PhoneState } from '../call/phone-state.ts';
import type { ShellBridge } from './shell-bridge.ts';

export function linkCallKit(phone: Phone, bridge: ShellBridge): void {
  let prev: ActiveCall | null = null;
  phone.subscribe((s: PhoneState) => {
    const call = s.call;
    const id = call?.id ?? null;
    const was = prev?.id ?? null;
    if (was && was !== id) {
      bridge.send({ type: 'callkit.end', callId: was, reason: endReason(s) });
    }
    if (call && id) {
      if (was !== id) {
        if (call.direction === 'incoming') {
          bridge.send({ type: 'callkit.report-incoming', callId: id, caller: call.peer });
        } else {
          bridge.send({ type: 'callkit.start-outgoing', callId: id, callee: call.peer });
        }
      }
      if (was === id && prev && prev.held.self !== call.held.self) {
        bridge.send({ type: 'callkit.hold', callId: id, held: call.held.self });
      }
      const answeredNow = call.answeredAt !== null && (was !== id || prev?.answeredAt === null);
      if (answeredNow) {
        bridge.send(
          call.direction === 'incoming'
            ? { type: 'callkit.answer', callId: id }
            : { type: 'callkit.outgoing-connected', callId: id },
        );
      }
    }
    prev = call;
  });

  const isCurrent = (callId: CallId) => phone.state.call?.id === callId;
  bridge.on('callkit.answered', ({ callId }) => {
    if (isCurrent(callId)) void phone.answer();
  });
  // The system held or resumed the call (an interrupting cellular call, the call screen).
  bridge.on('callkit.held', ({ callId, held }) => {
    if (isCurrent(callId) && phone.state.call?.held.self !== held) void phone.setHeld(held);
  });
  bridge.on('callkit.ended', ({ callId }) => {
    const call = phone.state.call;
    if (!call || call.id !== callId) return;
    if (call.direction === 'incoming' && call.answeredAt === null) void phone.decline();
    else void phone.hangup();
  });
}

function endReason(s: PhoneState): 'local' | 'remote-ended' | 'answered-elsewhere' | 'declined-elsewhere' {
  const ended = s.ended;
  if (!ended || ended.by === 'self') return 'local';
  if (ended.reason === EndReason.AnsweredElsewhere) return 'answered-elsewhere';
  return 'remote-ended';
}
