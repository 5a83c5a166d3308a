/**
 * Models `ios-shell/Shell/Calls/CallKitAdaptee.swift`: the only `CXProviderDelegate`. The page, a
 * push or the native socket asks for something → this reports to CallKit or asks for a transaction
 * ({@link CallKitSimulator} in place of iOS) → CallKit performs the action → the consequences run
 * here: the call and audio rows A1–A9 of docs/callkit-decision-table.md. RefusalPolicy.swift's
 * rules are {@link CallKitAdaptee.refused}; the activation watchdog is a {@link CallDeadline}.
 */
import type { CallKitEndReason, CallKitRequest, CallSnapshot, Peer } from '@softphone/sfu/protocol';
import type { AppFaults, AppKnobs } from '../app-faults.ts';
import type { CallAudioService } from '../audio/call-audio-service.ts';
import type { Outgoing } from '../bridge/web-bridge.ts';
import type { CallKitSimulator } from '../callkit-simulator.ts';
import type { PushDecision } from '../decision-table.ts';
import type { IncomingCallReporting } from '../push/push-kit-manager.ts';
import type { ServerCallAction } from '../signalling/native-call-control.ts';
import { SHELL_POLICY } from '../shell-policy.ts';
import { CallDeadline, ringTimeoutMs } from './call-deadline.ts';
import type { AppCall, CallRegistry } from './call-registry.ts';

/** Where CallKit's news goes: the page (through the bridge), the native socket and the media engine. */
export interface CallKitAdapteeDelegate {
  tellPage(message: Outgoing): void;
  /** CallKit has the call (reported): the native socket carries it from now on. */
  didReport(callId: string, direction: AppCall['direction']): void;
  /** CallKit performed the answer: the server hears it over the native socket. */
  didAnswer(callId: string): void;
  /** The call is leaving: its media stops first. */
  stopMedia(callId: string): void;
  /**
   * The call is over on CallKit's side; `server` is what the server must still hear (null when the
   * end came from the server). `settled` runs when that is done (and once at once).
   */
  didEnd(callId: string, server: ServerCallAction | null, settled: () => void): void;
  activationFailed(callId: string): void;
  /** CallKit activated the session for the call that owns the audio (CallKitAdaptee.swift:557). */
  didActivate(callId: string, at: number): void;
  setMuted(callId: string, muted: boolean): void;
  /** The user held the call in the page: media paused, the server told; CallKit's session untouched. */
  setHeldByUser(callId: string, held: boolean): void;
}

export class CallKitAdaptee implements IncomingCallReporting {
  private readonly watchdog: CallDeadline;
  /** Ends a call nobody answered when neither the page nor the server is there to say so. */
  private readonly ringTimer = new CallDeadline(() => this.ringTimeoutMs);
  /** The server's no-answer timeout plus the margin; set from `session:welcome`. */
  ringTimeoutMs = SHELL_POLICY.defaultRingTimeoutMs.value;
  /** The call that last got `didActivate`; `didDeactivate` often arrives after it has ended. */
  private lastAudioOwner: string | null = null;

  constructor(
    private readonly system: CallKitSimulator,
    private readonly registry: CallRegistry,
    private readonly audio: CallAudioService,
    knobs: AppKnobs,
    private readonly faults: AppFaults,
    private readonly delegate: CallKitAdapteeDelegate,
  ) {
    this.watchdog = new CallDeadline(() => knobs.activationWatchdogMs);
  }

  /** Every live call, for a page that has just said `bridge.ready`. */
  get snapshot(): CallSnapshot[] {
    return this.registry.values().map((c) => ({
      callId: c.id,
      direction: c.direction,
      peer: c.peer,
      fromPush: c.fromPush,
      answered: c.connectedAt !== null,
      audioActive: this.audio.audioEnabledFor(c.id),
      held: c.heldByUser || c.systemHeld,
      muted: c.muted,
      output: 'receiver',
    }));
  }

  // ---- the page → CallKit ----

  /** A call reached the page over signalling. A push may have reported it already: then nothing is reported twice. */
  reportIncomingFromPage(callId: string, caller: Peer): void {
    const known = this.registry.get(callId);
    if (known) {
      known.peer ??= caller;
      return;
    }
    if (this.registry.wasEnded(callId)) {
      // A9: the user declined on the system UI before the page heard of the call.
      this.tell({ type: 'callkit.ended', callId, reason: 'local' });
      return;
    }
    this.report(callId, caller, 'page');
  }

  answerFromPage(callId: string): void {
    const call = this.registry.get(callId);
    if (!call || call.direction !== 'incoming' || call.answeredAt !== null) return;
    // An answer while the report is pending is kept and performed once CallKit accepts it.
    if (call.system === 'pending') {
      if (this.faults.refusalsOnlyLogged) this.system.log('answer-dropped', callId, 'report pending');
      else call.answerWhenReported = true;
    } else this.system.requestAnswer(callId);
  }

  endFromPage(callId: string, reason: CallKitEndReason): void {
    const call = this.registry.get(callId);
    if (!call) return;
    if (call.system === 'pending') call.endWhenReported = reason;
    else this.end(callId, reason);
  }

  holdFromPage(callId: string, held: boolean): void {
    const call = this.registry.get(callId);
    if (!call || call.answeredAt === null || call.heldByUser === held) return;
    call.heldByUser = held;
    this.audio.apply();
    this.delegate.setHeldByUser(callId, held);
    this.tell({ type: 'callkit.held', callId, held });
  }

  /** As the shell: the page's mute is a `CXSetMutedCallAction` too, so CallKit's screen agrees. */
  muteFromPage(callId: string, muted: boolean): void {
    if (!this.registry.has(callId)) return;
    this.system.requestSetMuted(callId, muted);
  }

  // ---- PushKit → CallKit (P1–P6): reported before the push delegate returns ----

  reportIncoming(d: PushDecision): void {
    switch (d.kind) {
      case 'ring': {
        const { callId: id, caller } = d.payload;
        // S8: the caller's user id, as on every other path (the page's schema accepts no other
        // `Peer.id`), and CallKit's handle is that id too (Recents invites it).
        const peer = {
          id: this.faults.pushPeerIsUsername ? caller.handle : caller.id,
          displayName: caller.displayName,
        };
        // S2: rings for the server's no-answer timeout the push carries, not until `expiresAt`
        // (the deadline to report, PushDecision P4).
        const ringsForMs = this.faults.ringUntilExpiresAt
          ? d.payload.expiresAt - Date.now()
          : ringTimeoutMs(d.payload.ringTimeoutMs);
        this.report(id, peer, 'push', ringsForMs);
        this.tell({ type: 'callkit.reported', callId: id });
        return;
      }
      case 'report-duplicate':
        this.system.assignConfiguration('before reportNewIncomingCall (A1)');
        this.system.reportNewIncomingCall(d.callId, { handle: '', name: '' }, () => undefined);
        return;
      case 'report-then-end': {
        const id = d.callId ?? crypto.randomUUID();
        this.system.assignConfiguration('before reportNewIncomingCall (A1)');
        this.system.reportNewIncomingCall(
          id,
          { handle: 'softphone', name: 'Call no longer available' },
          (error) => {
            if (!error) this.system.reportCallEnded(id, `reported then ended at once: ${d.why}`);
          },
        );
        return;
      }
      case 'drop':
        return;
    }
  }

  // ---- the native socket → CallKit ----

  /** The native socket invited `callee` and the server gave the call its id. */
  startOutgoing(callId: string, callee: Peer): void {
    this.registry.insert(callId, 'outgoing', callee, false);
    this.system.assignConfiguration('before CXStartCallAction (A1)');
    this.system.requestStart(callId, { handle: callee.id, name: callee.displayName });
  }

  /** The callee answered our outgoing call (the server's `call:state answered`). */
  outgoingConnected(callId: string): void {
    const call = this.registry.get(callId);
    if (!call || call.connectedAt !== null) return;
    this.ringTimer.disarm(callId);
    call.connectedAt = Date.now();
    this.registry.markAnswered(callId, call.connectedAt);
    this.system.reportOutgoingConnected(callId);
    this.audio.apply();
  }

  /** The claim named the caller (a pushed call's report had only the push's handle). */
  updatePeer(callId: string, peer: Peer): void {
    const call = this.registry.get(callId);
    if (call) call.peer = peer;
  }

  /** The server ended the call: CallKit, the engine and the page follow, without the page. */
  remoteEnded(callId: string, reason: CallKitEndReason, why: string): void {
    if (!this.registry.has(callId)) return;
    this.system.reportCallEnded(callId, why);
    this.finish(callId, null);
    this.tell({ type: 'callkit.ended', callId, reason });
  }

  // ---- CXProviderDelegate ----

  performStart(callId: string): void {
    const call = this.registry.get(callId);
    if (!call) return;
    call.system = 'reported';
    // As the shell does: an outgoing call owns the audio from its start, since CallKit activates
    // its session then, not when the far end answers; the watchdog runs from here too.
    call.answeredAt = Date.now();
    this.system.log('reported', callId, 'CXStartCallAction');
    this.armWatchdog(callId);
    this.ringTimer.arm(callId, () => this.ringedOut(callId));
    this.system.startFulfilled(callId);
  }

  performAnswer(callId: string): void {
    const call = this.registry.get(callId);
    if (call?.system !== 'reported' || call.answeredAt !== null) return;
    call.answeredAt = Date.now();
    call.connectedAt = call.answeredAt;
    this.ringTimer.disarm(callId);
    this.registry.markAnswered(callId, call.answeredAt);
    this.armWatchdog(callId);
    this.tell({ type: 'callkit.answered', callId });
    this.delegate.didAnswer(callId);
    // A2: fulfilled at once; CallKit activates audio only after that.
    this.system.answerFulfilled(callId);
    this.audio.apply();
  }

  performEnd(callId: string): void {
    const call = this.registry.get(callId);
    if (!call) return;
    this.finish(callId, call.direction === 'incoming' && call.answeredAt === null ? 'decline' : 'hangup');
    this.tell({ type: 'callkit.ended', callId, reason: 'local' });
    this.system.endFulfilled(callId);
  }

  /** The system's mute button, Siri, or the page's mute: the engine and the page follow. */
  performSetMuted(callId: string, muted: boolean): void {
    const call = this.registry.get(callId);
    if (!call || call.muted === muted) return;
    call.muted = muted;
    this.delegate.setMuted(callId, muted);
    this.tell({ type: 'callkit.muted', callId, muted });
  }

  performSetHeld(callId: string, held: boolean): void {
    const call = this.registry.get(callId);
    if (!call) return;
    call.systemHeld = held;
    if (held) this.audio.record('callHeld');
    else if (this.faults.unbalancedLibWebRTC && !this.audio.sessionActive) {
      // v1: unhold resumed audio without waiting for CallKit's `didActivate`.
      this.audio.resumeWithoutDidActivate();
      this.system.log('audio-resumed-without-didActivate', callId);
    }
    this.audio.apply();
    this.tell({ type: 'callkit.held', callId, held });
    this.system.heldFulfilled(callId, held);
    // A7: after an unhold, didActivate sometimes never comes: watch for it like after an answer.
    if (!held && !this.audio.sessionActive) this.armWatchdog(callId);
  }

  didActivate(): void {
    this.audio.record('didActivate');
    this.watchdog.disarmAll();
    const owner = this.audio.audioOwner();
    if (owner) {
      this.lastAudioOwner = owner.id;
      this.delegate.didActivate(owner.id, Date.now());
      this.tell({ type: 'audio.activated', callId: owner.id });
    }
    this.audio.apply();
  }

  didDeactivate(): void {
    this.audio.record('didDeactivate');
    this.audio.apply();
    if (this.lastAudioOwner) this.tell({ type: 'audio.deactivated', callId: this.lastAudioOwner });
  }

  providerDidReset(): void {
    this.audio.record('providerDidReset');
    for (const id of this.registry.ids()) {
      this.finish(id, 'hangup');
      this.tell({ type: 'callkit.ended', callId: id, reason: 'failed' });
    }
  }

  /** CallKit refused a request (RefusalPolicy): the page hears it; a call that can't go on ends everywhere. */
  refused(callId: string, request: CallKitRequest, error: string): void {
    this.system.log('refused', callId, `${request}: ${error}`);
    if (this.faults.refusalsOnlyLogged) return;
    const call = this.registry.get(callId);
    this.tell({ type: 'callkit.refused', callId, request, error });
    if (!call) return;
    const server = call.direction === 'incoming' && call.answeredAt === null ? 'decline' : 'hangup';
    if (request === 'hold' || request === 'mute') return;
    if (request === 'answer') {
      call.answeredAt = null;
      call.connectedAt = null;
    }
    const reason: CallKitEndReason = request === 'end' ? 'local' : 'failed';
    if (call.system === 'reported' && request !== 'end')
      this.system.reportCallEnded(callId, `${request} refused`);
    this.finish(callId, request === 'answer' ? 'decline' : server);
    this.tell({ type: 'callkit.ended', callId, reason });
  }

  /** The process is killed: no deadline outlives it. */
  terminate(): void {
    this.watchdog.disarmAll();
    this.ringTimer.disarmAll();
  }

  // ---- internals ----

  /**
   * A1 then the report; a duplicate gets "call UUID already exists" from CallKit (P2, S9). Once
   * reported it rings for `ringsForMs` (a push's) or the welcome's ring timeout.
   */
  private report(callId: string, peer: Peer, source: 'page' | 'push', ringsForMs = this.ringTimeoutMs): void {
    this.registry.insert(callId, 'incoming', peer, source === 'push');
    this.delegate.didReport(callId, 'incoming');
    this.system.assignConfiguration('before reportNewIncomingCall (A1)');
    this.system.reportNewIncomingCall(callId, { handle: peer.id, name: peer.displayName }, (error) => {
      const now = this.registry.get(callId);
      if (!now) return;
      if (error) {
        this.refused(callId, 'report', error);
        return;
      }
      now.system = 'reported';
      this.system.log('reported', callId, source);
      this.ringTimer.arm(callId, () => this.ringedOut(callId), ringsForMs);
      if (now.endWhenReported) this.end(callId, now.endWhenReported);
      else if (now.answerWhenReported) this.system.requestAnswer(callId);
    });
  }

  private end(callId: string, reason: CallKitEndReason): void {
    if (reason === 'local') {
      this.system.requestEnd(callId);
      return;
    }
    this.system.reportCallEnded(callId, reason);
    this.finish(callId, 'hangup');
    this.tell({ type: 'callkit.ended', callId, reason });
  }

  /** Nobody answered in time, and neither the server nor the page ended the call. */
  private ringedOut(callId: string): void {
    const call = this.registry.get(callId);
    if (!call || call.connectedAt !== null) return;
    this.system.log('ring-timeout', callId, call.direction);
    this.system.reportCallEnded(callId, 'unanswered');
    this.finish(callId, call.direction === 'incoming' && call.answeredAt === null ? 'decline' : 'hangup');
    this.tell({ type: 'callkit.ended', callId, reason: 'unanswered' });
  }

  /** The call leaves the shell; the server hears `server` unless it ended the call itself. */
  private finish(callId: string, server: ServerCallAction | null): void {
    if (!this.registry.has(callId)) return;
    this.watchdog.disarm(callId);
    this.ringTimer.disarm(callId);
    this.delegate.stopMedia(callId);
    this.registry.remove(callId);
    this.delegate.didEnd(callId, server, () => {
      if (this.registry.size === 0) this.audio.record('callsEnded');
      this.audio.apply();
    });
  }

  private armWatchdog(callId: string): void {
    this.watchdog.arm(callId, (waitedMs) => {
      if (!this.registry.has(callId)) return;
      // A4: report and re-assign the configuration for the next call; never activate audio here.
      this.system.log('activation-failed', callId, `no didActivate within ${waitedMs} ms`);
      this.system.assignConfiguration('backstop after a missing didActivate (A4)');
      this.tell({ type: 'audio.activation-failed', callId, waitedMs });
      this.delegate.activationFailed(callId);
    });
  }

  private tell(message: Outgoing): void {
    this.delegate.tellPage(message);
  }
}
