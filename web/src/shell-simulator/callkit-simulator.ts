/**
 * iOS's side of a call, simulated: CallKit (`CXProvider` reports, transactions, the audio session it
 * activates) and what the OS does with VoIP pushes. It reproduces the system rows S1–S10 of
 * docs/callkit-decision-table.md, including the failures real apps hit: a push not reported before
 * the handler returns kills the app and counts a strike, three strikes and pushes are dropped; an
 * app that activates audio first gets no `didActivate`; the null-session state in which
 * `didActivate` never comes until the configuration is assigned again; no pushes before first
 * unlock; `didActivate` missing after an unhold.
 *
 * The app it talks to is {@link ShellCoordinator} (bridge/shell-coordinator.ts), which plays the Swift shell.
 */

import type { AudioRouteKind, MicPermission } from '@softphone/sfu/protocol';

/** The app's `CXProviderDelegate` and PushKit delegate, as the system calls them. */
export interface SimulatedApp {
  performAnswer(callId: string): void;
  performEnd(callId: string): void;
  performSetHeld(callId: string, held: boolean): void;
  performStart(callId: string): void;
  /** `CXSetMutedCallAction`: the call screen's mute button, Siri, or the app's own request. */
  performSetMuted(callId: string, muted: boolean): void;
  /** `AVAudioSession.routeChangeNotification`. */
  routeChanged(): void;
  didActivate(): void;
  didDeactivate(): void;
  providerDidReset(): void;
  /** AVAudioSession's interruption notification. */
  interruption(began: boolean): void;
  /** What else libwebrtc's RTCAudioSession reacts to by itself. */
  libWebRTCEvent(kind: 'media-services-reset' | 'became-active' | 'audio-unit-restart'): void;
  /** A `CXCallController` request or a report failed. */
  refused(callId: string, request: 'report' | 'start' | 'answer', error: string): void;
  /** PushKit's delegate: must report before returning (S1). */
  didReceiveIncomingPush(payload: unknown, mustReport: boolean): void;
  /** `UIApplication.didBecomeActiveNotification`: the user brought the app on screen. */
  didBecomeActive(): void;
}

export type DeviceState = 'foreground' | 'background' | 'locked';

export interface SystemKnobs {
  /** S7: answer fulfilled → `didActivate`. */
  activationDelayMs: number;
  /** S6: the next report leaves the audio session in the `SessionID 0x0` state. */
  loseSessionAfterNextReport: boolean;
  /** S8: `didActivate` does not come again after an unhold. */
  noActivationAfterUnhold: boolean;
  /** S11: the next request of this kind fails (Do Not Disturb, a block list, `maximumCallGroupsReached`). */
  refuseNext: 'report' | 'start' | 'answer' | null;
  /** How long `reportNewIncomingCall` takes to complete (an answer may come while it is pending). */
  reportCompletionDelayMs: number;
  /** S14: `didActivate` comes a second time for the same activation, with no `didDeactivate` between. */
  activateTwice: boolean;
  /** What the user taps on the microphone prompt, when one shows. */
  micPromptAnswer: 'allow' | 'deny';
}

export interface SystemEvent {
  /** The event's place in the log since the phone started: a mark to read on from. */
  seq: number;
  at: number;
  kind: string;
  callId?: string;
  detail?: string;
}

export interface SystemCall {
  id: string;
  handle: string;
  name: string;
  state: 'ringing' | 'outgoing' | 'active' | 'held';
}

/** S14: how long after the first `didActivate` the second comes (a separate activation, not its echo). */
const SECOND_ACTIVATION_AFTER_MS = 1_500;

/**
 * The log keeps this many events, as a phone's log rotates: a soak logs ~50 per call, and a log
 * that grows with the run makes every read of it slower.
 */
export const LOG_CAPACITY = 2_000;

/** callservicesd stops launching the app for pushes after this many kills (field notes §2). */
export const STRIKES_BEFORE_DROPPING = 3;

export class CallKitSimulator {
  readonly knobs: SystemKnobs;
  private readonly entries: SystemEvent[] = [];
  private nextSeq = 0;
  readonly calls = new Map<string, SystemCall>();
  device: DeviceState = 'foreground';
  beforeFirstUnlock = false;
  /**
   * `AVAudioApplication.recordPermission`: the user's choice, kept across launches (only Settings
   * changes it once made).
   */
  recordPermission: MicPermission = 'undetermined';
  /** `AVAudioSession.currentRoute`'s first output. */
  route: { kind: AudioRouteKind; name: string } = { kind: 'receiver', name: 'Receiver' };
  strikes = 0;
  app: SimulatedApp | null = null;
  /** Launches the app (cold start from a push) and returns it once its delegates exist. */
  launch: () => SimulatedApp = () => {
    throw new Error('no app installed');
  };
  kill: () => void = () => undefined;
  onChange: () => void = () => undefined;

  private sessionActive = false;
  private sessionLost = false;
  private appActivatedAudioItself = false;
  private reports = 0;

  constructor(knobs: Partial<SystemKnobs> = {}) {
    this.knobs = {
      activationDelayMs: 50,
      loseSessionAfterNextReport: false,
      noActivationAfterUnhold: false,
      refuseNext: null,
      reportCompletionDelayMs: 0,
      activateTwice: false,
      micPromptAnswer: 'allow',
      ...knobs,
    };
  }

  log(kind: string, callId?: string, detail?: string): void {
    const seq = this.nextSeq++;
    this.entries.push({
      seq,
      at: Date.now(),
      kind,
      ...(callId ? { callId } : {}),
      ...(detail ? { detail } : {}),
    });
    if (this.entries.length > LOG_CAPACITY) this.entries.shift();
    this.onChange();
  }

  /** The seq the next event will get: events from here on are new. */
  get eventMark(): number {
    return this.nextSeq;
  }

  /** The events logged at or after `mark` that the log still holds, in order. */
  eventsSince(mark = 0): SystemEvent[] {
    const first = this.entries[0]?.seq ?? this.nextSeq;
    return this.entries.slice(Math.max(0, mark - first));
  }

  // ---- PushKit (S1–S4) ----

  deliverPush(payload: unknown, mustReport = true): void {
    const callId = (payload as { callId?: unknown } | null)?.callId;
    const id = typeof callId === 'string' ? callId : undefined;
    this.log('push-arrived', id);
    if (this.beforeFirstUnlock) {
      this.log('push-dropped', id, 'before first unlock: apsd cannot register, the app is not launched (S3)');
      return;
    }
    if (this.strikes >= STRIKES_BEFORE_DROPPING) {
      this.log(
        'push-dropped',
        id,
        'failed to report an incoming call too many times: dropped on the floor (S2)',
      );
      return;
    }
    const app = this.app ?? this.coldLaunch();
    const before = this.reports;
    app.didReceiveIncomingPush(payload, mustReport);
    if (mustReport && this.reports === before) {
      this.strikes += 1;
      this.log('app-killed', id, `never posted an incoming call to the system: strike ${this.strikes} (S1)`);
      this.kill();
    }
  }

  private coldLaunch(): SimulatedApp {
    this.log('app-launched', undefined, 'in the background, for a VoIP push (S4)');
    return this.launch();
  }

  /** The app is gone: CallKit ends its calls. */
  appTerminated(): void {
    this.app = null;
    for (const id of [...this.calls.keys()]) this.endCall(id, 'app terminated');
    this.log('app-terminated');
  }

  // ---- AVAudioApplication ----

  /**
   * `requestRecordPermission(completionHandler:)`: a choice made before is answered at once; an
   * undetermined one shows the system's prompt, which needs the app on screen (it can't show on the
   * lock screen or from the background: the app's MicrophoneAccess asks only while it is active, and
   * an app that asks anyway gets no answer here, its prompt never shown).
   */
  requestRecordPermission(completion: (granted: boolean) => void): void {
    if (this.recordPermission !== 'undetermined') {
      const granted = this.recordPermission === 'granted';
      setTimeout(() => completion(granted));
      return;
    }
    if (this.device !== 'foreground') {
      this.log('mic-prompt-not-shown', undefined, this.device);
      return;
    }
    this.log('mic-prompt', undefined, this.knobs.micPromptAnswer);
    setTimeout(() => {
      this.recordPermission = this.knobs.micPromptAnswer === 'allow' ? 'granted' : 'denied';
      this.log('mic-permission', undefined, this.recordPermission);
      completion(this.recordPermission === 'granted');
    });
  }

  // ---- CXProvider ----

  assignConfiguration(why: string): void {
    if (this.sessionLost) this.log('session-restored', undefined, 'configuration re-assigned (S6)');
    this.sessionLost = false;
    this.log('configuration-assigned', undefined, why);
  }

  /** `reportNewIncomingCall`: the completion runs later, on the app's queue. */
  reportNewIncomingCall(
    callId: string,
    caller: { handle: string; name: string },
    completion: (error: 'call-uuid-already-exists' | 'refused' | null) => void,
  ): void {
    this.reports += 1;
    if (this.refuse('report', callId)) {
      setTimeout(() => completion('refused'));
      return;
    }
    if (this.calls.has(callId)) {
      this.log('report-refused', callId, 'call UUID already exists (S9)');
      setTimeout(() => completion('call-uuid-already-exists'));
      return;
    }
    this.calls.set(callId, { id: callId, handle: caller.handle, name: caller.name, state: 'ringing' });
    this.log('incoming-reported', callId, caller.name);
    if (this.knobs.loseSessionAfterNextReport) {
      this.knobs.loseSessionAfterNextReport = false;
      this.sessionLost = true;
      this.log('session-lost', callId, 'createProxySession: session lookup failure for SessionID 0x0 (S6)');
    }
    setTimeout(() => completion(null), this.knobs.reportCompletionDelayMs);
  }

  /** `reportCall(with:endedAt:reason:)`. */
  reportCallEnded(callId: string, reason: string): void {
    this.endCall(callId, reason);
  }

  reportOutgoingConnected(callId: string): void {
    const call = this.calls.get(callId);
    if (call) call.state = 'active';
    this.onChange();
  }

  // ---- CXCallController transactions, and the system UI that performs the same actions ----

  requestStart(callId: string, callee: { handle: string; name: string }): void {
    if (this.refuse('start', callId)) {
      setTimeout(() =>
        this.app?.refused(callId, 'start', 'CXErrorCodeRequestTransactionError 7 (maximumCallGroupsReached)'),
      );
      return;
    }
    this.calls.set(callId, { id: callId, handle: callee.handle, name: callee.name, state: 'outgoing' });
    this.log('start-requested', callId);
    setTimeout(() => this.app?.performStart(callId));
  }

  requestAnswer(callId: string): void {
    if (this.calls.get(callId)?.state !== 'ringing') return;
    this.log('answer-requested', callId, this.device);
    if (this.refuse('answer', callId)) {
      setTimeout(() =>
        this.app?.refused(callId, 'answer', 'CXErrorCodeRequestTransactionError 4 (unknownCallUUID)'),
      );
      return;
    }
    setTimeout(() => this.app?.performAnswer(callId));
  }

  requestEnd(callId: string): void {
    if (!this.calls.has(callId)) return;
    this.log('end-requested', callId);
    setTimeout(() => this.app?.performEnd(callId));
  }

  requestSetMuted(callId: string, muted: boolean): void {
    if (!this.calls.has(callId)) return;
    this.log(muted ? 'mute-requested' : 'unmute-requested', callId);
    setTimeout(() => this.app?.performSetMuted(callId, muted));
  }

  /** A headset plugged in or out, Bluetooth connected, or the app's `overrideOutputAudioPort`. */
  changeRoute(route: { kind: AudioRouteKind; name: string }): void {
    this.route = route;
    this.log('route-changed', undefined, `${route.kind}: ${route.name}`);
    this.app?.routeChanged();
  }

  requestSetHeld(callId: string, held: boolean): void {
    if (!this.calls.has(callId)) return;
    setTimeout(() => this.app?.performSetHeld(callId, held));
  }

  // ---- what the app's delegate reports back ----

  answerFulfilled(callId: string): void {
    const call = this.calls.get(callId);
    if (!call) return;
    call.state = 'active';
    this.log('answer-fulfilled', callId);
    this.activateSoon(callId);
  }

  startFulfilled(callId: string): void {
    this.log('start-fulfilled', callId);
    this.activateSoon(callId);
  }

  endFulfilled(callId: string): void {
    this.endCall(callId, 'end action fulfilled');
  }

  heldFulfilled(callId: string, held: boolean): void {
    const call = this.calls.get(callId);
    if (!call) return;
    call.state = held ? 'held' : 'active';
    this.log(held ? 'held' : 'resumed', callId);
    if (held) {
      this.deactivate();
    } else if (this.knobs.noActivationAfterUnhold) {
      this.log('no-didActivate', callId, 'not called again after unhold (S8)');
    } else {
      this.activateSoon(callId);
    }
  }

  /** Something in the app called `setActive(true)` itself (callkeep, or libwebrtc): CallKit can't activate. */
  appActivatedAudio(detail = 'the app activated the session itself'): void {
    this.appActivatedAudioItself = true;
    this.log('app-activated-audio', undefined, `${detail} (S5)`);
  }

  /** Whether CallKit's audio session is active (what libwebrtc can't see, and acts on anyway). */
  get sessionIsActive(): boolean {
    return this.sessionActive;
  }

  /**
   * S12: an interruption (a cellular call). `endAndAccept`: the user took the cellular call with
   * "End & Accept": CallKit ends our calls, and the interruption's end is never posted.
   */
  interrupt(kind: 'begin' | 'end' | 'end-and-accept'): void {
    this.log('interruption', undefined, kind);
    if (kind === 'end') {
      this.app?.interruption(false);
      return;
    }
    this.app?.interruption(true);
    if (kind === 'end-and-accept') {
      for (const id of [...this.calls.keys()]) {
        this.endCall(id, 'ended by End & Accept');
        this.app?.performEnd(id);
      }
    }
  }

  /** S13: the media server daemon restarted, or the app came back to the foreground. */
  libWebRTCEvent(kind: 'media-services-reset' | 'became-active' | 'audio-unit-restart'): void {
    this.log(kind);
    this.app?.libWebRTCEvent(kind);
  }

  /** S10: CallKit resets the provider: every call is gone, the session too, without `didDeactivate`. */
  resetProvider(): void {
    this.log('provider-reset');
    for (const id of [...this.calls.keys()]) this.calls.delete(id);
    this.sessionActive = false;
    this.app?.providerDidReset();
  }

  /** The call screen's own mute button. */
  muteOnSystemUi(callId: string, muted: boolean): void {
    this.requestSetMuted(callId, muted);
  }

  /** The call screen's own hold button (or an interrupting call put ours on hold). */
  holdOnSystemUi(callId: string, held: boolean): void {
    this.log(held ? 'hold-requested' : 'unhold-requested', callId);
    this.requestSetHeld(callId, held);
  }

  private refuse(request: 'report' | 'start' | 'answer', callId: string): boolean {
    if (this.knobs.refuseNext !== request) return false;
    this.knobs.refuseNext = null;
    this.log(`${request}-refused-by-callkit`, callId, 'S11');
    return true;
  }

  // ---- the audio session ----

  private activateSoon(callId: string): void {
    if (this.sessionActive) return;
    if (this.appActivatedAudioItself) {
      this.log('no-didActivate', callId, 'the session was activated by the app: playback only (S5)');
      return;
    }
    if (this.sessionLost) {
      this.log('no-didActivate', callId, 'SessionID 0x0 (S6)');
      return;
    }
    setTimeout(() => {
      const call = this.calls.get(callId);
      if (!call || call.state === 'held' || this.sessionActive || this.sessionLost) return;
      this.sessionActive = true;
      this.log('didActivate', callId);
      this.app?.didActivate();
      if (this.knobs.activateTwice)
        setTimeout(() => {
          if (!this.sessionActive || !this.calls.has(callId)) return;
          this.log('didActivate', callId, 'again, with no didDeactivate between (S14)');
          this.app?.didActivate();
        }, SECOND_ACTIVATION_AFTER_MS);
    }, this.knobs.activationDelayMs);
  }

  private deactivate(): void {
    if (!this.sessionActive) return;
    this.sessionActive = false;
    this.log('didDeactivate');
    this.app?.didDeactivate();
  }

  private endCall(callId: string, why: string): void {
    if (!this.calls.delete(callId)) return;
    this.log('ended', callId, why);
    if (this.calls.size === 0) {
      this.deactivate();
      this.appActivatedAudioItself = false;
    }
  }
}
