/**
 * Keeps CallKit (through the shell) and the page's Phone telling each other about the same calls,
 * from the one call state (each change and the state before it): it keeps no state of its own.
 * Page → shell follows the Phone's state: a new incoming call is reported, an answer in the page
 * becomes CallKit's answer (CallKit must perform it, or it never activates audio), an outgoing call
 * is started and connected, a hold is CallKit's hold, an ended call is ended. Shell → page: an
 * answer, a hold or an end on the system's screen becomes the Phone's.
 */
import { EndReason, type CallId } from '@softphone/sfu/protocol';
import type { Phone } from '../call/phone.ts';
import { isAnswered, type PhoneState } from '../call/phone-state.ts';
import type { ShellBridge } from './shell-bridge.ts';

export function linkCallKit(phone: Phone, bridge: ShellBridge): void {
  phone.subscribe((s: PhoneState, before: PhoneState) => {
    const call = s.call;
    const prev = before.call;
    const id = call?.id ?? null;
    const was = prev?.id ?? null;
    if (was && was !== id) {
      bridge.send({ type: 'callkit.end', callId: was, reason: endReason(s) });
    }
    if (!call || !id) return;
    if (was !== id) {
      bridge.send(
        call.direction === 'incoming'
          ? { type: 'callkit.report-incoming', callId: id, caller: call.peer }
          : { type: 'callkit.start-outgoing', callId: id, callee: call.peer },
      );
    }
    if (was === id && prev && prev.held.self !== call.held.self) {
      bridge.send({ type: 'callkit.hold', callId: id, held: call.held.self });
    }
    if (isAnswered(call) && (was !== id || !prev || !isAnswered(prev))) {
      bridge.send(
        call.direction === 'incoming'
          ? { type: 'callkit.answer', callId: id }
          : { type: 'callkit.outgoing-connected', callId: id },
      );
    }
  });

  const isCurrent = (callId: CallId) => phone.state.call?.id === callId;
  // A push rang this call while the page slept or was not loaded: claim it from the server. A call
  // that ended before the page could claim it (cancelled, answered elsewhere) stops ringing at
  // once: never a second push to end it.
  bridge.on('callkit.reported', ({ callId }) => {
    if (isCurrent(callId)) return;
    void phone.calls.takeLaunch({ callId, action: 'show' }, (gone) =>
      bridge.send({ type: 'callkit.end', callId: gone, reason: 'remote-ended' }),
    );
  });
  bridge.on('push.voip-token', ({ token, environment, bundleId }) =>
    phone.push.registerVoip({ token, environment, bundleId, appVersion: bridge.info.app }),
  );
  // On CallKit's screen the user may answer or decline a launched call before the page has
  // claimed it: the call controller keeps that choice with the launch.
  bridge.on('callkit.answered', ({ callId }) => void phone.calls.answer(callId));
  // The system held or resumed the call (an interrupting cellular call, the call screen).
  bridge.on('callkit.held', ({ callId, held }) => {
    if (isCurrent(callId) && phone.state.call?.held.self !== held) void phone.calls.setHeld(held);
  });
  bridge.on('callkit.ended', ({ callId, reason }) => {
    const call = phone.state.call;
    if (!call || call.id !== callId) {
      if (reason === 'local') void phone.calls.decline(callId);
      return;
    }
    if (call.direction === 'incoming' && !isAnswered(call)) void phone.calls.decline();
    else void phone.calls.hangup();
  });
}

/** Subscribed: now the shell may send what the page missed while it was not loaded. */
export function announceReady(bridge: ShellBridge): void {
  bridge.send({ type: 'bridge.ready' });
}

function endReason(s: PhoneState): 'local' | 'remote-ended' | 'answered-elsewhere' | 'declined-elsewhere' {
  const ended = s.ended;
  if (!ended || ended.by === 'self') return 'local';
  if (ended.reason === EndReason.AnsweredElsewhere) return 'answered-elsewhere';
  return 'remote-ended';
}
