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
  /**
   * After a cold launch from a push the user can answer or decline on CallKit's screen before the
   * page has claimed the call from the server: the choice waits here until the call appears.
   */
  const early = new Map<CallId, 'answer' | 'decline'>();
  /** Calls a push reported that the page has not seen over signalling yet. */
  const unclaimed = new Set<CallId>();
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
          const choice = early.get(id);
          early.delete(id);
          unclaimed.delete(id);
          if (choice === 'answer') queueMicrotask(() => void phone.answer());
          if (choice === 'decline') queueMicrotask(() => void phone.decline());
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
  // A push rang this call while the page slept or was not loaded: claim it from the server.
  bridge.on('callkit.reported', ({ callId }) => {
    if (isCurrent(callId)) return;
    unclaimed.add(callId);
    // A call that ended before the page could claim it (cancelled, answered elsewhere) stops
    // ringing at once: never a second push to end it.
    void phone.takeLaunch({ callId, action: 'show' }, (gone) => {
      unclaimed.delete(gone);
      early.delete(gone);
      bridge.send({ type: 'callkit.end', callId: gone, reason: 'remote-ended' });
    });
  });
  bridge.on('push.voip-token', ({ token, environment, bundleId }) =>
    phone.registerVoip({ token, environment, bundleId, appVersion: bridge.info.app }),
  );
  bridge.on('callkit.answered', ({ callId }) => {
    if (isCurrent(callId)) void phone.answer();
    else if (unclaimed.has(callId)) early.set(callId, 'answer');
  });
  // The system held or resumed the call (an interrupting cellular call, the call screen).
  bridge.on('callkit.held', ({ callId, held }) => {
    if (isCurrent(callId) && phone.state.call?.held.self !== held) void phone.setHeld(held);
  });
  bridge.on('callkit.ended', ({ callId, reason }) => {
    const call = phone.state.call;
    if (!call || call.id !== callId) {
      if (reason === 'local' && unclaimed.has(callId)) early.set(callId, 'decline');
      return;
    }
    if (call.direction === 'incoming' && call.answeredAt === null) void phone.decline();
    else void phone.hangup();
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
