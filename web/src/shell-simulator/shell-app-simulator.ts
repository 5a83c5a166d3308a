/**
 * The iOS shell's app process, simulated: the same rules as `ios-shell/Shell` (CallKitAdaptee,
 * PushKitManager, CallAudioService, the native media engine), the call and audio rows A1–A9 and
 * push rows P1–P6 of docs/callkit-decision-table.md, in TypeScript, talking to the page over the
 * same bridge messages and to {@link CallKitSimulator} in place of iOS.
 *
 * Its "native" media engine is a {@link BrowserMediaEngine} running in the app's window (not the
 * page's), gated like `RTCAudioSession.isAudioEnabled`: capture runs only between `didActivate` and
 * `didDeactivate`, once the page's activation step has sent `media.start`.
 */
import {
  WebToNativeSchema,
  type CallKitEndReason,
  type IceCandidate,
  type MediaLeg,
  type NativeToWeb,
  type WebToNative,
} from '@softphone/sfu/protocol';
import { NativePeerConnections } from './native-peer-connections.ts';
import type { CallKitSimulator, SimulatedApp } from './callkit-simulator.ts';
import { decidePush } from './decision-table.ts';

type Outgoing = NativeToWeb extends infer M ? (M extends NativeToWeb ? Omit<M, 'v'> : never) : never;

export interface AppKnobs {
  /** A4: how long after answer (or unhold) the shell waits for `didActivate`. */
  activationWatchdogMs: number;
}

/** What PushKit gave this simulated install: the token the APNs stand-in delivers to. */
export interface SimulatedVoipToken {
  token: string;
  bundleId: string;
}

interface AppCall {
  id: string;
  direction: 'incoming' | 'outgoing';
  system: 'pending' | 'reported';
  answeredAt: number | null;
  onHold: boolean;
  endWhenReported: CallKitEndReason | null;
}

/** How long an ended call id is remembered, so a late push for it is reported and ended (P3). */
const ENDED_MEMORY_MS = 10 * 60_000;

export class ShellAppSimulator implements SimulatedApp {
  private readonly calls = new Map<string, AppCall>();
  private readonly ended = new Map<string, number>();
  private readonly engines = new Map<string, NativeEngineSimulator>();
  private readonly watchdogs = new Map<string, ReturnType<typeof setTimeout>>();
  private sessionActive = false;
  private lastAudioOwner: string | null = null;
  /** Calls a push reported, for `callkit.reported` again when the page (re)loads. */
  private readonly pushCalls = new Set<string>();
  /** The page's latest `media.ice-servers`, for the next call's peer connections. */
  private iceServers: RTCIceServer[] = [];

  constructor(
    private readonly system: CallKitSimulator,
    private readonly knobs: AppKnobs,
    private readonly voip: SimulatedVoipToken | null,
    /** Delivers one message to the page (`window.__softphoneNative.receive`), if a page is loaded. */
    private readonly toPage: (message: NativeToWeb) => void,
  ) {}

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

  private handle(m: WebToNative): void {
    switch (m.type) {
      case 'bridge.ready': {
        if (this.voip) this.tell({ type: 'push.voip-token', environment: 'sandbox', ...this.voip });
        for (const id of this.pushCalls)
          if (this.calls.has(id)) this.tell({ type: 'callkit.reported', callId: id });
        return;
      }
      case 'callkit.report-incoming': {
        if (this.calls.has(m.callId)) return;
        if (this.ended.has(m.callId)) {
          // A9: the user declined on the system UI before the page heard of the call.
          this.tell({ type: 'callkit.ended', callId: m.callId, reason: 'local' });
          return;
        }
        this.report(m.callId, { handle: m.caller.id, name: m.caller.displayName }, 'page');
        return;
      }
      case 'callkit.start-outgoing': {
        if (this.calls.has(m.callId)) return;
        this.calls.set(m.callId, newCall(m.callId, 'outgoing', 'pending'));
        this.system.assignConfiguration('before CXStartCallAction (A1)');
        this.system.requestStart(m.callId, { handle: m.callee.id, name: m.callee.displayName });
        return;
      }
      case 'callkit.outgoing-connected':
        if (this.calls.has(m.callId)) this.system.reportOutgoingConnected(m.callId);
        return;
      case 'callkit.answer': {
        const call = this.calls.get(m.callId);
        if (call?.system === 'reported' && call.answeredAt === null) this.system.requestAnswer(m.callId);
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
        if (call && call.onHold !== m.held) this.system.requestSetHeld(m.callId, m.held);
        return;
      }
      case 'media.ice-servers':
        this.iceServers = m.iceServers.map((s) => ({
          urls: s.urls,
          ...(s.username !== null ? { username: s.username } : {}),
          ...(s.credential !== null ? { credential: s.credential } : {}),
        }));
        return;
      case 'media.prepare': {
        if (this.engines.has(m.callId)) return;
        const engine = new NativeEngineSimulator(
          m.callId,
          (msg) => this.tell(msg),
          {
            capture: (on) => this.system.log(on ? 'capture-started' : 'capture-stopped', m.callId),
            recovering: (on) => this.system.log(on ? 'media-recovering' : 'media-recovered', m.callId),
            closed: (why) => this.mediaEnded(m.callId, why),
          },
          this.iceServers,
        );
        this.engines.set(m.callId, engine);
        engine.prepare();
        engine.setAudioEnabled(this.audioEnabledFor(m.callId));
        return;
      }
      case 'media.publisher-answer':
        this.engines.get(m.callId)?.publisherAnswer(m.sdp);
        return;
      case 'media.subscriber-offer':
        this.engines.get(m.callId)?.subscriberOffer(m.sdp);
        return;
      case 'media.start':
        this.engines.get(m.callId)?.start();
        return;
      case 'media.mute':
        this.engines.get(m.callId)?.setMuted(m.muted);
        return;
      case 'media.stats-request':
        void this.engines.get(m.callId)?.stats(m.requestId);
        return;
      case 'media.stop':
        this.engines.get(m.callId)?.stop();
        this.engines.delete(m.callId);
        return;
    }
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
        this.pushCalls.add(id);
        this.report(id, { handle: d.payload.caller.handle, name: d.payload.caller.displayName }, 'push');
        // A loaded page claims it now; one that is still loading gets it again on `bridge.ready`.
        this.tell({ type: 'callkit.reported', callId: id });
        return;
      }
      case 'report-duplicate':
        this.report(d.callId, { handle: '', name: '' }, 'duplicate push');
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
    call.answeredAt = Date.now();
    this.armWatchdog(callId);
    this.system.startFulfilled(callId);
    this.applyAudio();
  }

  performAnswer(callId: string): void {
    const call = this.calls.get(callId);
    if (call?.system !== 'reported') return;
    call.answeredAt = Date.now();
    this.armWatchdog(callId);
    this.tell({ type: 'callkit.answered', callId });
    // A2: fulfilled at once; CallKit activates audio only after that.
    this.system.answerFulfilled(callId);
    this.applyAudio();
  }

  performEnd(callId: string): void {
    if (!this.calls.has(callId)) return;
    this.finish(callId);
    this.tell({ type: 'callkit.ended', callId, reason: 'local' });
    this.system.endFulfilled(callId);
  }

  performSetHeld(callId: string, held: boolean): void {
    const call = this.calls.get(callId);
    if (!call) return;
    call.onHold = held;
    this.applyAudio();
    this.tell({ type: 'callkit.held', callId, held });
    this.system.heldFulfilled(callId, held);
    // A7: after an unhold, didActivate sometimes never comes: watch for it like after an answer.
    if (!held && !this.sessionActive) this.armWatchdog(callId);
  }

  didActivate(): void {
    this.sessionActive = true;
    for (const id of [...this.watchdogs.keys()]) this.disarm(id);
    const owner = this.audioOwner();
    if (owner) {
      this.lastAudioOwner = owner.id;
      this.tell({ type: 'audio.activated', callId: owner.id });
    }
    this.applyAudio();
  }

  didDeactivate(): void {
    this.sessionActive = false;
    this.applyAudio();
    if (this.lastAudioOwner) this.tell({ type: 'audio.deactivated', callId: this.lastAudioOwner });
  }

  providerDidReset(): void {
    this.sessionActive = false;
    for (const id of [...this.calls.keys()]) {
      this.finish(id);
      this.tell({ type: 'callkit.ended', callId: id, reason: 'failed' });
    }
  }

  // ---- internals ----

  /** A1 then the report; a duplicate gets "call UUID already exists" from CallKit (P2, S9). */
  private report(callId: string, caller: { handle: string; name: string }, source: string): void {
    if (!this.calls.has(callId)) this.calls.set(callId, newCall(callId, 'incoming', 'pending'));
    this.system.assignConfiguration('before reportNewIncomingCall (A1)');
    this.system.reportNewIncomingCall(callId, caller, (error) => {
      const call = this.calls.get(callId);
      if (error === 'call-uuid-already-exists') return;
      if (!call) return;
      call.system = 'reported';
      this.system.log('reported', callId, source);
      if (call.endWhenReported) this.end(callId, call.endWhenReported);
    });
  }

  private end(callId: string, reason: CallKitEndReason): void {
    if (reason === 'local') {
      this.system.requestEnd(callId);
      return;
    }
    this.system.reportCallEnded(callId, reason);
    this.finish(callId);
    this.tell({ type: 'callkit.ended', callId, reason });
  }

  /** A8: the media connection closed while the page may be asleep: end the CallKit call. */
  private mediaEnded(callId: string, why: string): void {
    if (!this.calls.has(callId)) return;
    this.system.log('media-ended', callId, why);
    this.end(callId, 'remote-ended');
  }

  private finish(callId: string): void {
    this.disarm(callId);
    this.pushCalls.delete(callId);
    this.calls.delete(callId);
    this.ended.set(callId, Date.now());
    this.engines.get(callId)?.setAudioEnabled(false);
    this.applyAudio();
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
      }, this.knobs.activationWatchdogMs),
    );
  }

  private disarm(callId: string): void {
    clearTimeout(this.watchdogs.get(callId));
    this.watchdogs.delete(callId);
  }

  private audioOwner(): AppCall | undefined {
    return [...this.calls.values()].find((c) => c.answeredAt !== null && !c.onHold);
  }

  private audioEnabledFor(callId: string): boolean {
    return this.sessionActive && this.audioOwner()?.id === callId;
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
    this.toPage({ v: 1, ...message } as NativeToWeb);
  }
}

function newCall(id: string, direction: AppCall['direction'], system: AppCall['system']): AppCall {
  return { id, direction, system, answeredAt: null, onHold: false, endWhenReported: null };
}

/**
 * The native engine's part: the two peer connections, driven by page messages, with capture gated
 * by the audio session (`useManualAudio` + `isAudioEnabled` in the Swift shell).
 */
class NativeEngineSimulator {
  private readonly engine: NativePeerConnections;
  private resolvePublisherAnswer: ((sdp: string) => void) | null = null;
  private readonly publisherAnswerSdp: Promise<string>;
  private started = false;
  private audioEnabled = false;
  private applying: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly callId: string,
    private readonly tell: (m: Outgoing) => void,
    private readonly notify: {
      capture(on: boolean): void;
      recovering(on: boolean): void;
      closed(why: string): void;
    },
    iceServers: RTCIceServer[],
  ) {
    this.engine = new NativePeerConnections(
      {
        failed: (why) => notify.closed(why),
        recovering: (on) => notify.recovering(on),
        lost: () => notify.closed('media connection lost'),
      },
      iceServers,
    );
    this.publisherAnswerSdp = new Promise((resolve) => (this.resolvePublisherAnswer = resolve));
  }

  prepare(): void {
    this.engine
      .prepare({
        publish: (sdp) => {
          this.tell({ type: 'media.local-offer', callId: this.callId, sdp });
          return this.publisherAnswerSdp;
        },
        answerSubscription: (sdp) => {
          this.tell({ type: 'media.local-answer', callId: this.callId, sdp });
          return Promise.resolve();
        },
        trickle: (leg: MediaLeg, candidate: IceCandidate | null) => {
          this.tell({ type: 'media.candidate', callId: this.callId, leg, candidate });
          return Promise.resolve();
        },
      })
      .catch((err: unknown) =>
        this.tell({ type: 'media.failed', callId: this.callId, why: String(err).slice(0, 500) }),
      );
  }

  publisherAnswer(sdp: string): void {
    this.resolvePublisherAnswer?.(sdp);
  }

  subscriberOffer(sdp: string): void {
    this.engine
      .acceptRemoteOffer(sdp)
      .catch((err: unknown) =>
        this.tell({ type: 'media.failed', callId: this.callId, why: String(err).slice(0, 500) }),
      );
  }

  start(): void {
    this.started = true;
    this.apply();
  }

  setAudioEnabled(on: boolean): void {
    this.audioEnabled = on;
    this.apply();
  }

  setMuted(muted: boolean): void {
    this.engine.setMuted(muted);
  }

  async stats(requestId: number): Promise<void> {
    const stats = await this.engine.stats();
    this.tell({ type: 'media.stats', callId: this.callId, requestId, stats });
  }

  stop(): void {
    this.stopped = true;
    this.apply();
    this.engine.stop();
  }

  /** Serialised, so that a quick on/off/on never leaves a stray microphone running. */
  private apply(): void {
    this.applying = this.applying
      .then(async () => {
        const want = this.started && this.audioEnabled && !this.stopped;
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
      .catch((err: unknown) =>
        this.tell({ type: 'media.failed', callId: this.callId, why: String(err).slice(0, 500) }),
      );
  }
}
