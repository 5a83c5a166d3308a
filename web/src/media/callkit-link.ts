/**
 * Keeps CallKit (through the shell, bridge v2) and the page's Phone telling each other about the
 * same calls. The shell carries call control on its own socket (shell-call-requests.ts); this
 * reports to CallKit the calls the page heard of first, and follows what the shell says: the
 * server's call state, CallKit's answers, holds, mutes, ends and refusals, the audio route, the
 * microphone permission, and after each `bridge.ready` the snapshot of every live call (a page
 * loaded by a cold launch, or reloaded, knows nothing).
 */
import { EndReason, type CallId, type CallKitEndReason, type EndedBy } from '@softphone/sfu/protocol';
import { deviceIdentity } from '../account/device.ts';
import type { Phone } from '../call/phone.ts';
import type { PhoneState } from '../call/phone-state.ts';
import type { ShellBridge } from './shell-bridge.ts';

export function linkCallKit(phone: Phone, bridge: ShellBridge, engine: 'native' | 'page'): void {
  // Before anything else: the shell's socket connects as this device, with this page's session.
  const { deviceId, deviceLabel } = deviceIdentity();
  bridge.send({ type: 'signalling.identity', deviceId, deviceLabel });
  bridge.send({ type: 'media.ice-servers', iceServers: phone.state.iceServers });
  bridge.send({ type: 'media.engine', engine });

  phone.subscribe((s: PhoneState, before: PhoneState) => {
    // The welcome's list and each refresh: the shell's next peer connections use the current one.
    if (s.iceServers !== before.iceServers)
      bridge.send({ type: 'media.ice-servers', iceServers: s.iceServers });
    const call = s.call;
    const id = call?.id ?? null;
    const was = before.call?.id ?? null;
    if (was && was !== id) bridge.send({ type: 'callkit.end', callId: was, reason: 'local' });
    if (call?.direction === 'incoming' && id && was !== id) {
      bridge.send({ type: 'callkit.report-incoming', callId: id, caller: call.peer });
    }
  });

  const isCurrent = (callId: CallId) => phone.state.call?.id === callId;
  // A push rang this call; the shell has claimed it and names the caller in its next snapshot.
  bridge.on('callkit.reported', ({ callId }) => {
    if (!isCurrent(callId)) void phone.calls.takeLaunch({ callId, action: 'show' });
  });
  bridge.on('shell.state', ({ calls }) => {
    for (const c of calls) {
      if (c.direction === 'incoming' && c.peer)
        void phone.calls.adopt({ callId: c.callId, peer: c.peer, answered: c.answered });
    }
  });
  bridge.on('call.state', ({ callId, state, reason, by }) => {
    if (state === 'ended') {
      if (reason && by) phone.calls.serverEnded(callId, reason, by);
    } else phone.calls.serverState(callId, state);
  });
  bridge.on('push.voip-token', ({ token, environment, bundleId }) =>
    phone.push.registerVoip({ token, environment, bundleId, appVersion: bridge.info.app }),
  );
  // On CallKit's screen the user may answer or decline a launched call before the page has it: the
  // call controller keeps that choice with the launch.
  bridge.on('callkit.answered', ({ callId }) => void phone.calls.answer(callId));
  bridge.on('callkit.held', ({ callId, held }) => {
    if (isCurrent(callId)) phone.calls.shellHeld(held);
  });
  // The system's mute (the lock screen's button, Siri, a headset) and the page's own both end here.
  bridge.on('callkit.muted', ({ callId, muted }) => phone.calls.systemMuted(callId, muted));
  bridge.on('audio.route', ({ callId, kind, name }) => phone.calls.audioRoute(callId, { kind, name }));
  bridge.on('microphone.permission', ({ state }) => phone.calls.microphone(state));
  bridge.on('callkit.refused', ({ request, error }) =>
    phone.calls.notify(`The phone refused to ${request === 'report' ? 'ring' : request} the call: ${error}`),
  );
  // CallKit's call is over: so is the page's, even if its own socket missed the server's end (a
  // frozen page's socket may have been dropped and reconnected meanwhile).
  bridge.on('callkit.ended', ({ callId, reason }) => {
    const call = phone.state.call;
    if (call?.id !== callId) return;
    const [why, by] = END_REASONS[reason];
    // Before answer a hang-up is the callee's decline or the caller's cancel.
    const unanswered = why === EndReason.HungUp && call.answeredAt === null;
    const incoming = call.direction === 'incoming';
    const before = (by === 'self') === incoming ? EndReason.Declined : EndReason.Cancelled;
    phone.calls.serverEnded(callId, unanswered ? before : why, by);
  });
  bridge.on('media.connection', ({ callId, state }) => {
    if (isCurrent(callId)) phone.calls.mediaConnection(state === 'restarting');
  });
}

/** How a CallKit end reads in the page (the server's own `call:ended`, when it comes first, wins). */
const END_REASONS: Record<CallKitEndReason, [EndReason, EndedBy]> = {
  local: [EndReason.HungUp, 'self'],
  'remote-ended': [EndReason.HungUp, 'peer'],
  unanswered: [EndReason.NoAnswer, 'server'],
  failed: [EndReason.MediaFailed, 'server'],
  'answered-elsewhere': [EndReason.AnsweredElsewhere, 'self'],
  'declined-elsewhere': [EndReason.Declined, 'self'],
};

/** Subscribed: now the shell may deliver what it queued while the page was not loaded. */
export function announceReady(bridge: ShellBridge): void {
  bridge.send({ type: 'bridge.ready' });
}
