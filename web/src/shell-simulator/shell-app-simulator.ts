/**
 * The iOS shell's app process, simulated: the same rules as `ios-shell/Shell` (CallKitAdaptee,
 * PushKitManager, CallAudioService + AudioSessionLedger, BridgeOutbox, RefusalPolicy,
 * NativeCallControl, the native media engine), the call and audio rows A1–A9 and push rows P1–P6 of
 * docs/callkit-decision-table.md, in TypeScript, talking to the page over bridge v2 and to
 * {@link CallKitSimulator} in place of iOS.
 *
 * Like the Swift shell it has its own socket to the server for the life of every CallKit call,
 * connected as the page's device with the page's session (this window's cookie), so that answer,
 * hang-up, media negotiation and keep-alive go on while the page is frozen. Its "native" media
 * engine is {@link NativePeerConnections} in the app's window (not the page's), gated like
 * `RTCAudioSession.isAudioEnabled`: capture runs only while CallKit's session is ours and the call
 * is answered and not held.
 *
 * {@link AppFaults} put back, one at a time, what the shell did before issue 12 on each failure path:
 * the rig switches one on to show that the path's scenario catches it.
 */
import {
  CallState,
  ErrorCode,
  WebToNativeSchema,
  type Ack,
  type BridgeMediaStats,
  type CallKitEndReason,
  type CallKitRequest,
  type CallSnapshot,
  type NativeToWeb,
  type Peer,
  type WebToNative,
} from '@softphone/sfu/protocol';
import { AudioMonitor, type AudioWindow } from '../media/audio-monitor.ts';
import { ToneProbe } from '../media/tone-probe.ts';
import type { ToneSignatures } from '../media/tone-signature.ts';
import { SignallingClient } from '../signalling/signalling-client.ts';
import type { CallKitSimulator, SimulatedApp } from './callkit-simulator.ts';
import { decidePush } from './decision-table.ts';
import { NativePeerConnections, type NativeSignalling } from './native-peer-connections.ts';

type Outgoing = NativeToWeb extends infer M ? (M extends NativeToWeb ? Omit<M, 'v'> : never) : never;

export interface AppKnobs {
  /** A4: how long after answer (or unhold) the shell waits for `didActivate`. */
  activationWatchdogMs: number;
}

/** The shell's behaviour before issue 12, per failure path (fault injection for the rig). */
export interface AppFaults {
  /** §1: `interrupted` cleared only by an interruption's end, never by `didActivate`. */
  stuckInterruption: boolean;
  /** §2: libwebrtc's count not kept balanced (unhold resumes without `didActivate`, reset leaves it at 1), its observers kept. */
  unbalancedLibWebRTC: boolean;
  /** §3: messages to a page that has not said `bridge.ready` are lost; ready replays the token and `callkit.reported` only. */
  dropBeforeReady: boolean;
  /** §4: refused CallKit requests are only logged. */
  refusalsOnlyLogged: boolean;
}
export const NO_FAULTS: AppFaults = {
  stuckInterruption: false,
  unbalancedLibWebRTC: false,
  dropBeforeReady: false,
  refusalsOnlyLogged: false,
};

/** What PushKit gave this simulated install: the token the APNs stand-in delivers to. */
export interface SimulatedVoipToken {
  token: string;
  bundleId: string;
}

interface AppCall {
  id: string;
  direction: 'incoming' | 'outgoing';
  peer: Peer | null;
  fromPush: boolean;
  system: 'pending' | 'reported';
  /** As the shell's registry: an answer, or an outgoing call's start (it owns the audio from then). */
  answeredAt: number | null;
  /** Answered on either side: an incoming call's answer, the far end answering an outgoing one. */
  connectedAt: number | null;
  /** The page's hold (a media hold) and CallKit's (the system's). */
  heldByUser: boolean;
  systemHeld: boolean;
  muted: boolean;
  /** The page answered while the report was pending: performed once CallKit accepts it. */
  answerWhenReported: boolean;
  endWhenReported: CallKitEndReason | null;
  claim: 'needed' | 'in-flight' | 'done';
  afterClaim: (() => void)[];
}

/** How long an ended call id is remembered, so a late push for it is reported and ended (P3). */
const ENDED_MEMORY_MS = 10 * 60_000;

/**
 * libwebrtc's `RTCAudioSession`, as far as it matters here (RTCAudioSession.mm): an activation
 * count, and `setActive(true)` called by itself whenever the count is above zero and an event says
 * the session should be back — an interruption's end, a media-services reset, the app becoming
 * active (its own observers), an audio-unit restart while it believes the session inactive.
 */
class LibWebRTCAudioSession {
  activationCount = 0;
  /** The shell removes libwebrtc's interruption / media-services / became-active observers. */
  observing = true;

  constructor(private readonly system: CallKitSimulator) {}

  audioSessionDidActivate(): void {
    this.activationCount += 1;
    this.system.log('libwebrtc-count', undefined, String(this.activationCount));
  }

  audioSessionDidDeactivate(): void {
    this.activationCount = Math.max(0, this.activationCount - 1);
    this.system.log('libwebrtc-count', undefined, String(this.activationCount));
  }

  /** One of the events libwebrtc reacts to; `observed` events reach it only through its own observers. */
  event(kind: 'interruption-ended' | 'media-services-reset' | 'became-active' | 'audio-unit-restart'): void {
    if (kind !== 'audio-unit-restart' && !this.observing) return;
    if (this.activationCount > 0 && !this.system.sessionIsActive) {
      this.system.appActivatedAudio(
        `libwebrtc setActive(true) on ${kind}, activation count ${this.activationCount}`,
      );
    }
  }
}

export class ShellAppSimulator implements SimulatedApp {
  private readonly calls = new Map<string, AppCall>();
  private readonly ended = new Map<string, number>();
  private readonly engines = new Map<string, NativeEngineSimulator>();
  /** What each call's native engine heard, kept after the call: the rig reads it while the page is frozen. */
  private readonly heard = new Map<string, AudioMonitor>();
  private readonly offers = new Map<string, string>();
  private readonly watchdogs = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly rtc: LibWebRTCAudioSession;
  /** AudioSessionLedger. */
  private sessionActive = false;
  private interrupted = false;
  private lastAudioOwner: string | null = null;
  /** BridgeOutbox. */
  private outboxOpen = false;
  private readonly queued: NativeToWeb[] = [];
  private readonly answered = new Map<string, number>();
  /** The page's device identity, kept across launches (SessionCredentials): a cold launch needs it before the page runs. */
  private identity: { deviceId: string; deviceLabel: string } | null = readIdentity();
  private engineKind: 'native' | 'page' = 'native';
  private socket: SignallingClient | null = null;
  private errands = 0;
  /** The page's latest `media.ice-servers`, for the next call's peer connections. */
  private iceServers: RTCIceServer[] = [];
  /** The rig's signatures: each call's native audio windows say whose tones they carried. */
  private signatures: ToneSignatures | null = null;

  constructor(
    private readonly system: CallKitSimulator,
    private readonly knobs: AppKnobs,
    private readonly faults: AppFaults,
    private readonly voip: SimulatedVoipToken | null,
    /** Delivers one message to the page (`window.__softphoneNative.receive`), if a page is loaded. */
    private readonly toPage: (message: NativeToWeb) => void,
  ) {
    this.rtc = new LibWebRTCAudioSession(system);
    // RTCAudioSession+Manual: libwebrtc's self-activating observers removed at launch.
    if (!faults.unbalancedLibWebRTC) this.rtc.observing = false;
  }

  // ---- page → shell (WebBridge) ----

  fromPage(raw: unknown): void {
    const parsed = WebToNativeSchema.safeParse(structuredClone(raw));
    if (!parsed.success) {
      const type = (raw as { type?: unknown } | null)?.type;
      this.tell({
        type: 'bridge.error',
        inReplyTo: typeof type === 'string' ? type.slice(0, 64) : null,
        message: `undecodable: ${parsed.error.issues[0]?.message ?? 'invalid'}`.slice(0, 500),
      });
      return;
    }
    this.handle(parsed.data);
  }

  /** What the native engine heard of the far end in a call (the rig's view while the page is frozen). */
  nativeAudio(callId: string): {
    windows: AudioWindow[];
    firstHeardAt: number | null;
    answeredAt: number | null;
  } {
    const monitor = this.heard.get(callId);
    return {
      windows: monitor ? [...monitor.windows] : [],
      firstHeardAt: monitor?.firstHeardAt ?? null,
      answeredAt: this.answered.get(callId) ?? null,
    };
  }

  /** From the next call on, what the native engine hears is checked for these signatures. */
  listenFor(signatures: ToneSignatures | null): void {
    this.signatures = signatures;
  }

  /** The process is killed: its socket and engines go with it. */
  terminate(): void {
    for (const id of [...this.watchdogs.keys()]) this.disarm(id);
    for (const engine of this.engines.values()) engine.stop();
    for (const monitor of this.heard.values()) monitor.stop();
    this.socket?.close();
    this.socket = null;
  }

  private handle(m: WebToNative): void {
    switch (m.type) {
      case 'bridge.ready':
        this.pageReady();
        return;
      case 'signalling.identity':
        this.identity = { deviceId: m.deviceId, deviceLabel: m.deviceLabel };
        localStorage.setItem(IDENTITY_KEY, JSON.stringify(this.identity));
        return;
      case 'media.ice-servers':
        this.iceServers = m.iceServers.map((s) => ({
          urls: s.urls,
          ...(s.username !== null ? { username: s.username } : {}),
          ...(s.credential !== null ? { credential: s.credential } : {}),
        }));
        return;
      case 'media.engine':
        this.engineKind = m.engine;
        return;
      case 'callkit.report-incoming': {
        const known = this.calls.get(m.callId);
        if (known) {
          known.peer ??= m.caller;
          return;
        }
        if (this.ended.has(m.callId)) {
          // A9: the user declined on the system UI before the page heard of the call.
          this.tell({ type: 'callkit.ended', callId: m.callId, reason: 'local' });
          return;
        }
        this.report(m.callId, m.caller, 'page');
        return;
      }
      case 'call.place':
        this.place(m.requestId, m.callee);
        return;
      case 'callkit.answer': {
        const call = this.calls.get(m.callId);
        if (!call || call.direction !== 'incoming' || call.answeredAt !== null) return;
        // An answer while the report is pending is kept and performed once CallKit accepts it.
        if (call.system === 'pending') {
          if (this.faults.refusalsOnlyLogged) this.system.log('answer-dropped', m.callId, 'report pending');
          else call.answerWhenReported = true;
        } else this.system.requestAnswer(m.callId);
        return;
      }
      case 'callkit.end': {
        const call = this.calls.get(m.callId);
        if (!call) return;
        if (call.system === 'pending') call.endWhenReported = m.reason;
        else this.end(m.callId, m.reason);
        return;
      }
      case 'callkit.hold': {
        const call = this.calls.get(m.callId);
        if (!call || call.answeredAt === null || call.heldByUser === m.held) return;
        call.heldByUser = m.held;
        this.applyAudio();
        this.afterClaim(
          m.callId,
          () => void this.socket?.request('call:hold', { callId: m.callId, held: m.held }),
        );
        this.tell({ type: 'callkit.held', callId: m.callId, held: m.held });
        return;
      }
      case 'media.mute': {
        const call = this.calls.get(m.callId);
        if (!call) return;
        call.muted = m.muted;
        this.engines.get(m.callId)?.setMuted(m.muted);
        return;
      }
      case 'audio.output':
        this.system.log('audio-output', m.callId, m.output);
        return;
      case 'media.stats-request': {
        const engine = this.engines.get(m.callId);
        // Before the engine exists (the claim in flight) the answer is "no media yet", never silence.
        if (engine) void engine.stats(m.requestId);
        else {
          const stats = {
            at: Date.now(),
            inbound: null,
            outbound: null,
            sourceLevel: null,
            roundTripTime: null,
          };
          this.tell({ type: 'media.stats', callId: m.callId, requestId: m.requestId, stats });
        }
        return;
      }
    }
  }

  private pageReady(): void {
    if (this.faults.dropBeforeReady) {
      // v1: the token and `callkit.reported` again; everything else sent before ready is gone.
      this.outboxOpen = true;
      if (this.voip) this.tell({ type: 'push.voip-token', environment: 'sandbox', ...this.voip });
      for (const c of this.calls.values())
        if (c.fromPush) this.tell({ type: 'callkit.reported', callId: c.id });
      return;
    }
    this.outboxOpen = true;
    for (const m of this.queued.splice(0)) this.toPage(m);
    if (this.voip) this.tell({ type: 'push.voip-token', environment: 'sandbox', ...this.voip });
    this.tellSnapshot();
  }

  private tellSnapshot(): void {
    this.tell({ type: 'shell.state', calls: [...this.calls.values()].map((c) => this.snapshotOf(c)) });
  }

  private snapshotOf(c: AppCall): CallSnapshot {
    return {
      callId: c.id,
      direction: c.direction,
      peer: c.peer,
      fromPush: c.fromPush,
      answered: c.connectedAt !== null,
      audioActive: this.audioEnabledFor(c.id),
      held: c.heldByUser || c.systemHeld,
      muted: c.muted,
      output: 'receiver',
    };
  }

  // ---- PushKit (P1–P6): decide from the payload and report, before returning ----

  didReceiveIncomingPush(payload: unknown, mustReport: boolean): void {
    const d = decidePush(payload, {
      now: Date.now(),
      isLive: (id) => this.calls.has(id),
      wasEndedRecently: (id) => this.endedRecently(id),
      protectedDataAvailable: !this.system.beforeFirstUnlock,
      mustReport,
    });
    this.system.log(
      'push-decision',
      d.kind === 'ring' ? d.payload.callId : 'callId' in d ? (d.callId ?? undefined) : undefined,
      `${d.row} ${d.kind}`,
    );
    switch (d.kind) {
      case 'ring': {
        const id = d.payload.callId;
        this.report(id, null, 'push', {
          handle: d.payload.caller.handle,
          name: d.payload.caller.displayName,
        });
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

  // ---- CXProviderDelegate ----

  performStart(callId: string): void {
    const call = this.calls.get(callId);
    if (!call) return;
    call.system = 'reported';
    // As the shell does: an outgoing call owns the audio from its start, since CallKit activates
    // its session then, not when the far end answers; the watchdog runs from here too.
    call.answeredAt = Date.now();
    this.system.log('reported', callId, 'CXStartCallAction');
    this.armWatchdog(callId);
    this.system.startFulfilled(callId);
  }

  performAnswer(callId: string): void {
    const call = this.calls.get(callId);
    if (call?.system !== 'reported' || call.answeredAt !== null) return;
    call.answeredAt = Date.now();
    call.connectedAt = call.answeredAt;
    this.answered.set(callId, call.answeredAt);
    this.armWatchdog(callId);
    this.tell({ type: 'callkit.answered', callId });
    this.afterClaim(
      callId,
      () =>
        void this.socket?.request('call:answer', { callId }).then((res) => {
          if (!res.ok) this.serverRefused(callId, res.error.code, 'answer');
        }),
    );
    // A2: fulfilled at once; CallKit activates audio only after that.
    this.system.answerFulfilled(callId);
    this.applyAudio();
  }

  performEnd(callId: string): void {
    const call = this.calls.get(callId);
    if (!call) return;
    this.finish(callId, call.direction === 'incoming' && call.answeredAt === null ? 'decline' : 'hangup');
    this.tell({ type: 'callkit.ended', callId, reason: 'local' });
    this.system.endFulfilled(callId);
  }

  performSetHeld(callId: string, held: boolean): void {
    const call = this.calls.get(callId);
    if (!call) return;
    call.systemHeld = held;
    if (held) this.ledger('callHeld');
    else if (this.faults.unbalancedLibWebRTC && !this.sessionActive) {
      // v1: unhold resumed audio without waiting for CallKit's `didActivate`.
      this.sessionActive = true;
      this.system.log('audio-resumed-without-didActivate', callId);
    }
    this.applyAudio();
    this.tell({ type: 'callkit.held', callId, held });
    this.system.heldFulfilled(callId, held);
    // A7: after an unhold, didActivate sometimes never comes: watch for it like after an answer.
    if (!held && !this.sessionActive) this.armWatchdog(callId);
  }

  didActivate(): void {
    this.ledger('didActivate');
    for (const id of [...this.watchdogs.keys()]) this.disarm(id);
    const owner = this.audioOwner();
    if (owner) {
      this.lastAudioOwner = owner.id;
      this.tell({ type: 'audio.activated', callId: owner.id });
    }
    this.applyAudio();
  }

  didDeactivate(): void {
    this.ledger('didDeactivate');
    this.applyAudio();
    if (this.lastAudioOwner) this.tell({ type: 'audio.deactivated', callId: this.lastAudioOwner });
  }

  providerDidReset(): void {
    this.ledger('providerDidReset');
    for (const id of [...this.calls.keys()]) {
      this.finish(id, 'hangup');
      this.tell({ type: 'callkit.ended', callId: id, reason: 'failed' });
    }
  }

  /** AVAudioSession's interruption notifications (a cellular call, an alarm, Siri). */
  interruption(began: boolean): void {
    this.ledger(began ? 'interruptionBegan' : 'interruptionEnded');
    this.applyAudio();
    if (!began) this.rtc.event('interruption-ended');
  }

  /** What else makes libwebrtc act on its own: a media-services reset, the app becoming active, an audio-unit restart. */
  libWebRTCEvent(kind: 'media-services-reset' | 'became-active' | 'audio-unit-restart'): void {
    if (kind === 'media-services-reset') this.ledger('mediaServicesReset');
    this.rtc.event(kind);
  }

  /** CallKit refused a request (RefusalPolicy): the page hears it; a call that can't go on ends everywhere. */
  refused(callId: string, request: CallKitRequest, error: string): void {
    this.system.log('refused', callId, `${request}: ${error}`);
    if (this.faults.refusalsOnlyLogged) return;
    const call = this.calls.get(callId);
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

  // ---- the shell's own socket (NativeCallControl) ----

  private place(requestId: number, callee: Peer): void {
    this.errands += 1;
    const socket = this.ensureConnected();
    if (!socket) {
      this.errands -= 1;
      this.tell({ type: 'call.place-failed', requestId, code: 'offline', message: 'no device identity yet' });
      return;
    }
    void socket.request('call:invite', { to: callee.id }).then((res) => {
      this.errands -= 1;
      if (!res.ok) {
        this.tell({ type: 'call.place-failed', requestId, code: res.error.code, message: res.error.message });
        this.disconnectIfIdle();
        return;
      }
      const callId = res.data.callId;
      const call = newCall(callId, 'outgoing', callee, false);
      call.claim = 'done';
      this.calls.set(callId, call);
      this.tell({ type: 'call.placed', requestId, callId });
      this.system.assignConfiguration('before CXStartCallAction (A1)');
      this.system.requestStart(callId, { handle: callee.id, name: callee.displayName });
      this.joined(callId);
    });
  }

  private ensureConnected(): SignallingClient | null {
    if (this.socket) return this.socket;
    if (!this.identity) {
      this.system.log('signalling-unavailable', undefined, 'no device identity from the page yet');
      return null;
    }
    // This window's cookies are the page's session: the same origin, as the shell reads WKWebView's store.
    const socket = new SignallingClient(window.location.origin, this.identity, {
      connected: () => {
        this.system.log('native-socket-connected');
        for (const c of this.calls.values()) if (c.claim === 'needed') this.claim(c.id);
      },
      disconnected: (why) => this.system.log('native-socket-disconnected', undefined, why),
      refused: (e) => {
        this.system.log('native-socket-refused', undefined, e.code);
        for (const id of [...this.calls.keys()]) this.serverEnded(id, 'failed', `socket refused: ${e.code}`);
      },
    });
    socket.on('call:state', ({ callId, state }) => {
      const call = this.calls.get(callId);
      if (!call) return;
      this.tell({ type: 'call.state', callId, state, reason: null, by: null });
      if (state === CallState.Answered && call.direction === 'outgoing' && call.connectedAt === null) {
        call.connectedAt = Date.now();
        this.answered.set(callId, call.connectedAt);
        this.system.reportOutgoingConnected(callId);
        this.applyAudio();
      }
    });
    socket.on('call:ended', ({ callId, reason, by }) => {
      if (!this.calls.has(callId)) return;
      this.tell({ type: 'call.state', callId, state: CallState.Ended, reason, by });
      const ck: CallKitEndReason =
        reason === 'answered-elsewhere'
          ? 'answered-elsewhere'
          : reason === 'declined'
            ? by === 'self'
              ? 'declined-elsewhere'
              : 'remote-ended'
            : reason === 'no-answer' || reason === 'unreachable'
              ? 'unanswered'
              : reason === 'hung-up' || reason === 'cancelled' || reason === 'busy'
                ? 'remote-ended'
                : 'failed';
      this.serverEnded(callId, ck, `call:ended ${reason} by ${by}`);
    });
    socket.on('media:offer', ({ callId, sdp }) => {
      const engine = this.engines.get(callId);
      this.system.log(
        'downstream-offer',
        callId,
        engine ? 'to the engine' : this.calls.has(callId) ? 'kept' : 'no call',
      );
      if (engine) engine.subscriberOffer(sdp);
      else if (this.calls.has(callId)) this.offers.set(callId, sdp);
    });
    this.socket = socket;
    socket.connect();
    return socket;
  }

  private disconnectIfIdle(): void {
    if (this.calls.size > 0 || this.errands > 0 || !this.socket) return;
    this.socket.close();
    this.socket = null;
    this.system.log('native-socket-closed');
  }

  private claim(callId: string): void {
    const call = this.calls.get(callId);
    const socket = this.ensureConnected();
    if (!call || call.claim !== 'needed' || !socket) return;
    call.claim = 'in-flight';
    void socket.request('call:reported', { callId }).then((res) => this.claimed(callId, res));
  }

  private claimed(callId: string, res: Ack<{ call: { callId: string; from: Peer } }>): void {
    const call = this.calls.get(callId);
    if (!call) return;
    if (!res.ok) {
      call.claim = 'needed';
      this.serverRefused(callId, res.error.code, 'claim');
      return;
    }
    call.claim = 'done';
    call.peer = res.data.call.from;
    this.system.log('claimed', callId);
    // The page learns who calls from the snapshot (a pushed call it has not heard of).
    this.tellSnapshot();
    this.joined(callId);
    for (const work of call.afterClaim.splice(0)) work();
  }

  private afterClaim(callId: string, work: () => void): void {
    const call = this.calls.get(callId);
    if (!call) return;
    if (call.claim === 'done') work();
    else call.afterClaim.push(work);
  }

  /** The server has this device in the call: the native engine negotiates on this socket. */
  private joined(callId: string): void {
    const socket = this.socket;
    if (this.engineKind !== 'native' || !socket || this.engines.has(callId)) return;
    const engine = new NativeEngineSimulator(
      callId,
      (msg) => this.tell(msg),
      {
        capture: (on) => this.system.log(on ? 'capture-started' : 'capture-stopped', callId),
        closed: (why) => this.mediaEnded(callId, why),
      },
      this.iceServers,
    );
    this.engines.set(callId, engine);
    const monitor = new AudioMonitor(() => engine.statsNow());
    const signatures = this.signatures;
    if (signatures) monitor.listen(new ToneProbe(() => engine.receivedAudio(), signatures));
    this.heard.set(callId, monitor);
    monitor.start();
    engine.prepare(bindToSocket(socket, callId));
    const offer = this.offers.get(callId);
    this.offers.delete(callId);
    if (offer) engine.subscriberOffer(offer);
    engine.setAudioEnabled(this.audioEnabledFor(callId));
  }

  /** The server refused a claim or an answer: a call that is over ends here too. */
  private serverRefused(callId: string, code: string, request: string): void {
    this.system.log('server-refused', callId, `${request}: ${code}`);
    if (code === ErrorCode.CallNoLongerAvailable || code === ErrorCode.CallNotFound) {
      this.serverEnded(callId, 'remote-ended', `${request} refused: ${code}`);
    }
  }

  /** The server ended the call: CallKit, the engine and the page follow, without the page. */
  private serverEnded(callId: string, reason: CallKitEndReason, why: string): void {
    if (!this.calls.has(callId)) return;
    this.system.reportCallEnded(callId, why);
    this.finish(callId, null);
    this.tell({ type: 'callkit.ended', callId, reason });
  }

  // ---- internals ----

  /** A1 then the report; a duplicate gets "call UUID already exists" from CallKit (P2, S9). */
  private report(
    callId: string,
    peer: Peer | null,
    source: 'page' | 'push',
    handle = { handle: peer?.id ?? '', name: peer?.displayName ?? '' },
  ): void {
    const call = newCall(callId, 'incoming', peer, source === 'push');
    this.calls.set(callId, call);
    this.claim(callId);
    this.system.assignConfiguration('before reportNewIncomingCall (A1)');
    this.system.reportNewIncomingCall(callId, handle, (error) => {
      const now = this.calls.get(callId);
      if (!now) return;
      if (error) {
        this.refused(callId, 'report', error);
        return;
      }
      now.system = 'reported';
      this.system.log('reported', callId, source);
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

  /** A8: the media connection closed while the page may be asleep: the call ends everywhere. */
  private mediaEnded(callId: string, why: string): void {
    if (!this.calls.has(callId)) return;
    this.system.log('media-ended', callId, why);
    this.afterClaim(callId, () => void this.socket?.request('call:media-lost', { callId }));
    this.system.reportCallEnded(callId, why);
    this.finish(callId, null);
    this.tell({ type: 'callkit.ended', callId, reason: 'failed' });
  }

  /** The call leaves the shell; the server hears `server` unless it ended the call itself. */
  private finish(callId: string, server: 'decline' | 'hangup' | null): void {
    const call = this.calls.get(callId);
    if (!call) return;
    this.disarm(callId);
    this.heard.get(callId)?.stop();
    this.engines.get(callId)?.stop();
    this.engines.delete(callId);
    this.offers.delete(callId);
    this.ended.set(callId, Date.now());
    const socket = this.socket;
    const done = () => {
      this.calls.delete(callId);
      if (this.calls.size === 0) this.ledger('callsEnded');
      this.applyAudio();
      this.disconnectIfIdle();
    };
    // A device that rings (the page's socket heard the call) may decline before the shell's claim settles.
    if (server && socket) {
      this.calls.delete(callId);
      this.errands += 1;
      void socket.request(server === 'decline' ? 'call:decline' : 'call:hangup', { callId }).then(() => {
        this.errands -= 1;
        done();
      });
      if (this.calls.size === 0) this.ledger('callsEnded');
      this.applyAudio();
      return;
    }
    done();
  }

  /** AudioSessionLedger.apply, and the one libwebrtc call that keeps its count equal to `sessionActive`. */
  private ledger(
    event:
      | 'didActivate'
      | 'didDeactivate'
      | 'interruptionBegan'
      | 'interruptionEnded'
      | 'callHeld'
      | 'callsEnded'
      | 'providerDidReset'
      | 'mediaServicesReset',
  ): void {
    const faulty = this.faults.unbalancedLibWebRTC;
    const spend = () => {
      if (!this.sessionActive) return;
      this.sessionActive = false;
      this.rtc.audioSessionDidDeactivate();
    };
    switch (event) {
      case 'didActivate':
        if (!this.faults.stuckInterruption) this.interrupted = false;
        if (this.sessionActive) return;
        this.sessionActive = true;
        this.rtc.audioSessionDidActivate();
        return;
      case 'interruptionBegan':
        this.interrupted = true;
        if (!faulty) spend();
        return;
      case 'interruptionEnded':
        this.interrupted = false;
        return;
      case 'callHeld':
        if (faulty) this.sessionActive = false;
        else spend();
        return;
      case 'didDeactivate':
        if (!this.faults.stuckInterruption) this.interrupted = false;
        spend();
        return;
      case 'callsEnded':
      case 'mediaServicesReset':
        if (!this.faults.stuckInterruption) this.interrupted = false;
        spend();
        return;
      case 'providerDidReset':
        if (!this.faults.stuckInterruption) this.interrupted = false;
        // v1: providerDidReset never told libwebrtc the session was gone.
        if (faulty) this.sessionActive = false;
        else spend();
        return;
    }
  }

  private armWatchdog(callId: string): void {
    this.disarm(callId);
    const armedAt = Date.now();
    this.watchdogs.set(
      callId,
      setTimeout(() => {
        this.watchdogs.delete(callId);
        if (!this.calls.has(callId)) return;
        const waitedMs = Date.now() - armedAt;
        // A4: report and re-assign the configuration for the next call; never activate audio here.
        this.system.log('activation-failed', callId, `no didActivate within ${waitedMs} ms`);
        this.system.assignConfiguration('backstop after a missing didActivate (A4)');
        this.tell({ type: 'audio.activation-failed', callId, waitedMs });
        this.afterClaim(
          callId,
          () => void this.socket?.request('call:activation-failed', { callId, why: 'not-activated' }),
        );
      }, this.knobs.activationWatchdogMs),
    );
  }

  private disarm(callId: string): void {
    clearTimeout(this.watchdogs.get(callId));
    this.watchdogs.delete(callId);
  }

  private audioOwner(): AppCall | undefined {
    return [...this.calls.values()].find((c) => c.answeredAt !== null && !c.systemHeld);
  }

  private audioEnabledFor(callId: string): boolean {
    const owner = this.audioOwner();
    return this.sessionActive && !this.interrupted && owner?.id === callId && !owner.heldByUser;
  }

  /** The one gate, like `RTCAudioSession.isAudioEnabled` in CallAudioService. */
  private applyAudio(): void {
    for (const [id, engine] of this.engines) engine.setAudioEnabled(this.audioEnabledFor(id));
  }

  private endedRecently(callId: string): boolean {
    const at = this.ended.get(callId);
    return at !== undefined && Date.now() - at < ENDED_MEMORY_MS;
  }

  private tell(message: Outgoing): void {
    const m = { v: 2, ...message } as NativeToWeb;
    if (this.outboxOpen) this.toPage(m);
    else if (this.faults.dropBeforeReady)
      this.system.log('bridge-undelivered', 'callId' in m ? m.callId : undefined, m.type);
    else this.queued.push(m);
  }
}

const IDENTITY_KEY = 'shell-simulator.identity';

function readIdentity(): { deviceId: string; deviceLabel: string } | null {
  try {
    return JSON.parse(localStorage.getItem(IDENTITY_KEY) ?? 'null') as {
      deviceId: string;
      deviceLabel: string;
    } | null;
  } catch {
    return null;
  }
}

function newCall(id: string, direction: AppCall['direction'], peer: Peer | null, fromPush: boolean): AppCall {
  return {
    id,
    direction,
    peer,
    fromPush,
    system: 'pending',
    answeredAt: null,
    connectedAt: null,
    heldByUser: false,
    systemHeld: false,
    muted: false,
    answerWhenReported: false,
    endWhenReported: null,
    claim: direction === 'incoming' ? 'needed' : 'done',
    afterClaim: [],
  };
}

/** The native engine's negotiation with the SDP edge on the shell's own socket (MediaSignalling.swift). */
function bindToSocket(socket: SignallingClient, callId: string): NativeSignalling {
  const data = async <T>(reply: Promise<Ack<T>>): Promise<T> => {
    const res = await reply;
    if (!res.ok) throw new Error(res.error.message);
    return res.data;
  };
  return {
    publish: async (sdp) => (await data(socket.request('media:publish', { callId, sdp }))).sdp,
    answerSubscription: async (sdp) =>
      void (await data(socket.request('media:subscribe-answer', { callId, sdp }))),
  };
}

/**
 * The native engine's part: the two peer connections, negotiated on the shell's socket, with capture
 * gated by the audio session (`useManualAudio` + `isAudioEnabled` in the Swift shell).
 */
class NativeEngineSimulator {
  private readonly engine: NativePeerConnections;
  private audioEnabled = false;
  private applying: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly callId: string,
    private readonly tell: (m: Outgoing) => void,
    private readonly notify: { capture(on: boolean): void; closed(why: string): void },
    iceServers: RTCIceServer[],
  ) {
    this.engine = new NativePeerConnections(
      {
        failed: (why) => notify.closed(why),
        recovering: (on) =>
          tell({ type: 'media.connection', callId, state: on ? 'restarting' : 'connected' }),
        lost: () => notify.closed('media connection lost'),
      },
      iceServers,
    );
  }

  prepare(signalling: NativeSignalling): void {
    this.engine.prepare(signalling).catch((err: unknown) => this.failed(err));
  }

  subscriberOffer(sdp: string): void {
    this.engine.acceptRemoteOffer(sdp).catch((err: unknown) => this.failed(err));
  }

  setAudioEnabled(on: boolean): void {
    this.audioEnabled = on;
    this.apply();
  }

  setMuted(muted: boolean): void {
    this.engine.setMuted(muted);
  }

  statsNow(): ReturnType<NativePeerConnections['stats']> {
    return this.engine.stats();
  }

  receivedAudio(): MediaStream | null {
    return this.engine.receivedAudio();
  }

  async stats(requestId: number): Promise<void> {
    const { at, inbound, outbound, sourceLevel, roundTripTime } = await this.engine.stats();
    // What the Swift engine sends: the bridge's fields only (its schema is strict), not every
    // figure the page's own stats reader gathers.
    const stats: BridgeMediaStats = {
      at,
      inbound: inbound && {
        packetsReceived: inbound.packetsReceived,
        packetsLost: inbound.packetsLost,
        totalSamplesReceived: inbound.totalSamplesReceived,
        concealedSamples: inbound.concealedSamples,
        totalAudioEnergy: inbound.totalAudioEnergy,
        totalSamplesDuration: inbound.totalSamplesDuration,
        jitter: inbound.jitter,
      },
      outbound: outbound && { packetsSent: outbound.packetsSent },
      sourceLevel,
      roundTripTime,
    };
    this.tell({ type: 'media.stats', callId: this.callId, requestId, stats });
  }

  stop(): void {
    this.stopped = true;
    this.apply();
    this.engine.stop();
  }

  private failed(err: unknown): void {
    if (!this.stopped)
      this.tell({ type: 'media.failed', callId: this.callId, why: String(err).slice(0, 500) });
  }

  /** Serialised, so that a quick on/off/on never leaves a stray microphone running. */
  private apply(): void {
    this.applying = this.applying
      .then(async () => {
        const want = this.audioEnabled && !this.stopped;
        if (want && !this.engine.capturing) {
          await this.engine.start();
          if (!this.engine.capturing) return;
          this.notify.capture(true);
          this.tell({ type: 'media.capture', callId: this.callId, capturing: true });
        } else if (!want && this.engine.capturing) {
          this.engine.hold();
          this.notify.capture(false);
          this.tell({ type: 'media.capture', callId: this.callId, capturing: false });
        }
      })
      .catch((err: unknown) => this.failed(err));
  }
}
