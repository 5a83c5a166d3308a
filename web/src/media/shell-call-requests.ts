/**
 * {@link CallRequests} when the iOS shell carries call control (bridge v2): the shell has its own
 * socket for the life of every CallKit call, so the page sends the server nothing about the call.
 * It places calls through the shell (`call.place` → `call.placed` / `call.place-failed`); its
 * answer, decline, hang-up and hold are CallKit requests to the shell, which tells the server
 * (the server's word comes back on the page's socket and as `call.state`); activation failures,
 * lost media and the device report the shell sends itself.
 */
import { ErrorCode, type Ack, type CallId, type Peer, type RequestResult } from '@softphone/sfu/protocol';
import { accepted, type CallRequests } from '../call/call-requests.ts';
import type { SignallingLink } from '../signalling/signalling-link.ts';
import type { ShellBridge } from './shell-bridge.ts';

/** The shell answers within the server's own request timeout; this only stops a lost reply hanging. */
const PLACE_TIMEOUT_MS = 20_000;

export function shellCallRequests(bridge: ShellBridge, link: SignallingLink): CallRequests {
  let nextRequestId = 0;
  const claims = new Map<CallId, (ack: Ack<RequestResult<'call:reported'>>) => void>();
  // The shell names a pushed call's caller in its snapshot once it has claimed the call.
  bridge.on('shell.state', ({ calls }) => {
    for (const c of calls) {
      const settle = claims.get(c.callId);
      if (!settle || !c.peer) continue;
      claims.delete(c.callId);
      settle({ ok: true, data: { call: { callId: c.callId, from: c.peer } } });
    }
  });
  bridge.on('callkit.ended', ({ callId }) => {
    claims.get(callId)?.({
      ok: false,
      error: { code: ErrorCode.CallNoLongerAvailable, message: 'the call is no longer available' },
    });
    claims.delete(callId);
  });
  const invite = (callee: Peer): Promise<Ack<RequestResult<'call:invite'>>> =>
    new Promise((resolve) => {
      const requestId = nextRequestId++;
      const done = (ack: Ack<RequestResult<'call:invite'>>) => {
        clearTimeout(timer);
        offPlaced();
        offFailed();
        resolve(ack);
      };
      const timer = setTimeout(
        () =>
          done({
            ok: false,
            error: { code: ErrorCode.Internal, message: 'the app did not place the call' },
          }),
        PLACE_TIMEOUT_MS,
      );
      const offPlaced = bridge.on('call.placed', (m) => {
        if (m.requestId === requestId) done({ ok: true, data: { callId: m.callId } });
      });
      const offFailed = bridge.on('call.place-failed', (m) => {
        if (m.requestId !== requestId) return;
        const message =
          m.code === 'offline' || m.code === 'no-ack' ? 'the app could not reach the server' : m.message;
        done({ ok: false, error: { code: ErrorCode.Internal, message } });
      });
      bridge.send({ type: 'call.place', requestId, callee });
    });
  return {
    carriedElsewhere: true,
    invite,
    // The shell places calls to a known person: the name is looked up first, as adding a contact
    // does (the page's own socket), and the call placed through the shell.
    dial: async (username) => {
      const found = await link.request('contacts:add', { username });
      if (!found.ok) return found;
      const callee = found.data.contact;
      const placed = await invite(callee);
      return placed.ok ? { ok: true, data: { callId: placed.data.callId, callee } } : placed;
    },
    claim: (callId) => new Promise((resolve) => claims.set(callId, resolve)),
    ringing: () => accepted,
    // CallKit must perform the answer, or it never activates audio.
    answer: (callId) => (bridge.send({ type: 'callkit.answer', callId }), accepted),
    decline: (callId) => (bridge.send({ type: 'callkit.end', callId, reason: 'local' }), accepted),
    hangup: (callId) => (bridge.send({ type: 'callkit.end', callId, reason: 'local' }), accepted),
    hold: (callId, held) => (bridge.send({ type: 'callkit.hold', callId, held }), accepted),
    activationFailed: () => accepted,
    // The answer is CallKit's, always accepted here: the shell reports its own failure.
    answerFailed: () => accepted,
    mediaLost: () => accepted,
    // The shell's own socket carries the call: the page's connection does not decide its end.
    connectionLost: () => accepted,
    // The shell ends its CallKit call, and with it the server's.
    mediaFailed: (callId) => (bridge.send({ type: 'callkit.end', callId, reason: 'local' }), accepted),
    // The shell reports the iPhone (its OS, model, build, didActivate, watchdog) on its own socket.
    deviceReport: () => accepted,
  };
}
