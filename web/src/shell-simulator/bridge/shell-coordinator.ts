/**
 * Models `ios-shell/Shell/Bridge/ShellCoordinator.swift`: the simulated app process's composition
 * root. It routes between the page ({@link WebBridge}), CallKit ({@link CallKitAdaptee}), PushKit
 * ({@link PushKitManager}), the shell's own socket ({@link NativeCallControl}), the call media
 * ({@link NativeMediaEngine}) and the audio session ({@link CallAudioService}); it decides nothing.
 * {@link CallKitSimulator} plays iOS. Each of those files names the Swift file it models, so the two
 * can be read side by side.
 *
 * {@link AppFaults} put back, one at a time, what the shell did before issue 12 on each failure path:
 * the rig switches one on to show that the path's scenario catches it.
 */
import type { CallKitRequest, NativeToWeb, WebToNative } from '@softphone/sfu/protocol';
import type { AudioWindow } from '../../media/audio-monitor.ts';
import type { ToneSignatures } from '../../media/tone-signature.ts';
import type { AppFaults, AppKnobs } from '../app-faults.ts';
import { CallAudioService } from '../audio/call-audio-service.ts';
import { MicrophoneAccess } from '../audio/microphone-access.ts';
import { ringTimeoutMs } from '../calls/call-deadline.ts';
import { CallKitAdaptee } from '../calls/call-kit-adaptee.ts';
import { CallQuality, deviceReport } from '../calls/call-quality.ts';
import { CallRegistry } from '../calls/call-registry.ts';
import type { CallKitSimulator, SimulatedApp } from '../callkit-simulator.ts';
import { NativeMediaEngine } from '../media/native-media-engine.ts';
import { PushKitManager, type SimulatedVoipToken } from '../push/push-kit-manager.ts';
import { NativeCallControl } from '../signalling/native-call-control.ts';
import { SessionCredentials } from '../signalling/session-credentials.ts';
import type { ShellSocketRoute } from '../signalling/signalling-client.ts';
import { WebBridge } from './web-bridge.ts';

export class ShellCoordinator implements SimulatedApp {
  private readonly registry = new CallRegistry();
  private readonly bridge: WebBridge;
  private readonly audio: CallAudioService;
  private readonly media: NativeMediaEngine;
  private readonly callControl: NativeCallControl;
  private readonly callKit: CallKitAdaptee;
  private readonly pushKit: PushKitManager;
  private readonly microphone: MicrophoneAccess;
  /** The page's choice of media engine. */
  private engine: 'native' | 'page' = 'native';
  /** Each live call's activation timeline, for its device reports (ShellCoordinator.swift `quality`). */
  private readonly quality = new Map<string, CallQuality>();

  constructor(
    private readonly system: CallKitSimulator,
    private readonly knobs: AppKnobs,
    private readonly faults: AppFaults,
    voip: SimulatedVoipToken | null,
    /** Delivers one message to the page (`window.__softphoneNative.receive`), if a page is loaded. */
    toPage: (message: NativeToWeb) => void,
    /** Where the shell's socket connects (the rig's Swift socket stand-in). */
    socketRoute: ShellSocketRoute,
  ) {
    this.bridge = new WebBridge(system, faults, (m) => this.received(m), toPage);
    const tellPage = this.bridge.send.bind(this.bridge);
    this.media = new NativeMediaEngine(system, (id) => this.registry.has(id), {
      tellPage,
      lostMedia: (callId, why) => this.mediaLost(callId, why),
      // ShellCoordinator.swift `media(_:pathOf:is:)`: reported once answered, and again when it changes.
      pathOf: (callId, path) => {
        if (this.quality.get(callId)?.pathSeen(path)) this.reportDevice(callId);
      },
    });
    this.audio = new CallAudioService(system, this.registry, faults, {
      audioEnabled: (enabledFor) => this.media.setAudioEnabled(enabledFor),
    });
    this.microphone = new MicrophoneAccess(system, (state) =>
      this.bridge.send({ type: 'microphone.permission', state }),
    );
    this.callControl = new NativeCallControl(
      system,
      new SessionCredentials(),
      socketRoute,
      {
        tellPage,
        claimed: (callId, peer) => {
          this.callKit.updatePeer(callId, peer);
          // The page learns who calls from the snapshot (a pushed call it has not heard of).
          this.tellState();
        },
        joined: (callId) => this.joined(callId),
        placed: (callId, callee) => this.callKit.startOutgoing(callId, callee),
        outgoingConnected: (callId) => {
          this.callKit.outgoingConnected(callId);
          this.answered(callId);
        },
        serverEnded: (callId, reason, why) => this.callKit.remoteEnded(callId, reason, why),
        subscriberOffer: (callId, sdp) => this.media.subscriberOffer(callId, sdp),
        welcome: (noAnswerTimeoutMs, iceServers) => {
          this.callKit.ringTimeoutMs = ringTimeoutMs(noAnswerTimeoutMs);
          this.media.setIceServers(iceServers);
        },
        iceServers: (iceServers) => this.media.setIceServers(iceServers),
      },
      () => knobs.claimAckDelayMs,
    );
    this.callKit = new CallKitAdaptee(system, this.registry, this.audio, knobs, faults, {
      tellPage,
      didReport: (callId, direction) => this.callControl.track(callId, direction),
      didAnswer: (callId) => {
        this.callControl.answer(callId);
        this.answered(callId);
      },
      stopMedia: (callId) => this.media.stop(callId),
      didEnd: (callId, server, settled) => {
        this.callControl.end(callId, server, settled);
        this.quality.delete(callId);
      },
      activationFailed: (callId) => {
        this.callControl.activationFailed(callId);
        this.quality.get(callId)?.watchdogFired();
        this.reportDevice(callId);
      },
      didActivate: (callId, at) => {
        this.quality.get(callId)?.activated(at);
        this.reportDevice(callId);
      },
      setMuted: (callId, muted) => this.media.setMuted(callId, muted),
      setHeldByUser: (callId, held) => this.callControl.hold(callId, held),
    });
    this.pushKit = new PushKitManager(system, this.registry, this.callKit, voip, {
      tokenChanged: (token) =>
        this.bridge.send({ type: 'push.voip-token', environment: 'sandbox', ...token }),
      tokenInvalidated: (lastToken) =>
        this.callControl.unregisterPush(this.faults.unregisterAllPush ? null : lastToken),
    });
  }

  /**
   * ShellCoordinator.swift `answered(_:)`: the call is answered (here, or by the callee for a call
   * placed here); its first report says no `didActivate` yet, the next ones follow the activation.
   */
  private answered(callId: string): void {
    const call = this.quality.get(callId) ?? new CallQuality();
    call.answered(Date.now());
    this.quality.set(callId, call);
    this.reportDevice(callId);
  }

  /** ShellCoordinator.swift `reportDevice(_:)`. */
  private reportDevice(callId: string): void {
    const call = this.quality.get(callId);
    if (call) this.callControl.deviceReport(callId, deviceReport(this.engine, call));
  }

  // ---- the page → shell (WebBridge) ----

  fromPage(raw: unknown): void {
    this.bridge.fromPage(raw);
  }

  /** What the native engine heard of the far end in a call (the rig's view while the page is frozen). */
  nativeAudio(callId: string): {
    windows: AudioWindow[];
    firstHeardAt: number | null;
    answeredAt: number | null;
  } {
    return { ...this.media.heardIn(callId), answeredAt: this.registry.answeredAt(callId) };
  }

  /** From the next call on, what the native engine hears is checked for these signatures. */
  listenFor(signatures: ToneSignatures | null): void {
    this.media.listenFor(signatures);
  }

  /** The process is killed: its socket and engines go with it. */
  terminate(): void {
    this.callKit.terminate();
    this.media.terminate();
    this.callControl.terminate();
  }

  private received(m: WebToNative): void {
    switch (m.type) {
      case 'bridge.ready':
        this.pageReady();
        return;
      case 'signalling.identity':
        this.callControl.setIdentity({ deviceId: m.deviceId, deviceLabel: m.deviceLabel });
        // Calls reach this device only once the page has registered its VoIP token: ask now (S4).
        this.microphone.pageLinked();
        return;
      case 'media.ice-servers':
        this.media.setIceServers(m.iceServers);
        return;
      case 'media.engine':
        this.engine = m.engine;
        return;
      case 'callkit.report-incoming':
        this.callKit.reportIncomingFromPage(m.callId, m.caller);
        return;
      case 'call.place':
        this.callControl.place(m.requestId, m.callee);
        return;
      case 'callkit.answer':
        this.callKit.answerFromPage(m.callId);
        return;
      case 'callkit.end':
        this.callKit.endFromPage(m.callId, m.reason);
        return;
      case 'callkit.hold':
        this.callKit.holdFromPage(m.callId, m.held);
        return;
      case 'media.mute':
        this.callKit.muteFromPage(m.callId, m.muted);
        return;
      case 'audio.output':
        this.audio.setOutput(m.callId, m.output);
        return;
      case 'media.stats-request':
        this.media.stats(m.callId, m.requestId);
        return;
    }
  }

  /**
   * A page that has just loaded knows nothing: the queue went out first (WebBridge), now the token
   * and every live call's state.
   */
  private pageReady(): void {
    this.bridge.pageIsReady();
    const voip = this.pushKit.token;
    if (this.faults.dropBeforeReady) {
      // v1: the token and `callkit.reported` again; everything else sent before ready is gone.
      if (voip) this.bridge.send({ type: 'push.voip-token', environment: 'sandbox', ...voip });
      for (const c of this.registry.values())
        if (c.fromPush) this.bridge.send({ type: 'callkit.reported', callId: c.id });
      return;
    }
    if (voip) this.bridge.send({ type: 'push.voip-token', environment: 'sandbox', ...voip });
    this.tellState();
    this.bridge.send({ type: 'microphone.permission', state: this.microphone.current });
  }

  private tellState(): void {
    this.bridge.send({ type: 'shell.state', calls: this.callKit.snapshot });
  }

  /** The server has this device in the call: the native engine negotiates on the shell's socket. */
  private joined(callId: string): void {
    // S9: declined (on the lock screen, say) while the claim was in flight: no media for it.
    if (!this.registry.has(callId) && !this.faults.joinAfterEnd) {
      this.system.log('joined-after-end', callId, 'no media');
      return;
    }
    const state = this.microphone.current;
    this.callControl.micPermission(callId, state);
    this.bridge.send({ type: 'microphone.permission', state });
    if (this.engine !== 'native') return;
    const negotiation = this.callControl.negotiation(callId);
    if (!negotiation) return;
    const knobs = this.knobs;
    const refused = knobs.refuseNextPublish;
    knobs.refuseNextPublish = false;
    const signalling = refused
      ? {
          ...negotiation,
          publish: () => Promise.reject(new Error('media:publish refused (knob refuseNextPublish)')),
        }
      : negotiation;
    this.media.join(callId, signalling, this.audio.audioEnabledFor(callId));
  }

  /** A8: the media connection closed while the page may be asleep: the call ends everywhere. */
  private mediaLost(callId: string, why: string): void {
    if (!this.registry.has(callId)) return;
    this.system.log('media-ended', callId, why);
    this.callControl.mediaLost(callId);
    this.callKit.remoteEnded(callId, 'failed', why);
  }

  // ---- iOS → the app (SimulatedApp): PushKit's and CallKit's delegates, AVAudioSession's notifications ----

  didBecomeActive(): void {
    this.microphone.appBecameActive();
  }

  /** PushKit invalidated the token and issued another (`didInvalidatePushToken`, then `didUpdate`). */
  voipTokenRotated(token: string): void {
    this.pushKit.rotate(token);
  }

  didReceiveIncomingPush(payload: unknown, mustReport: boolean): void {
    this.pushKit.didReceiveIncomingPush(payload, mustReport);
  }

  performStart(callId: string): void {
    this.callKit.performStart(callId);
  }

  performAnswer(callId: string): void {
    this.callKit.performAnswer(callId);
  }

  performEnd(callId: string): void {
    this.callKit.performEnd(callId);
  }

  performSetMuted(callId: string, muted: boolean): void {
    this.callKit.performSetMuted(callId, muted);
  }

  /** `CallAudioServiceDelegate.routeChanged`: the page shows where the call's audio goes. */
  routeChanged(): void {
    const owner = this.audio.audioOwner();
    if (owner) this.bridge.send({ type: 'audio.route', callId: owner.id, ...this.system.route });
  }

  performSetHeld(callId: string, held: boolean): void {
    this.callKit.performSetHeld(callId, held);
  }

  didActivate(): void {
    this.callKit.didActivate();
  }

  didDeactivate(): void {
    this.callKit.didDeactivate();
  }

  providerDidReset(): void {
    this.callKit.providerDidReset();
  }

  refused(callId: string, request: CallKitRequest, error: string): void {
    this.callKit.refused(callId, request, error);
  }

  interruption(began: boolean): void {
    this.audio.interruption(began);
  }

  libWebRTCEvent(kind: 'media-services-reset' | 'became-active' | 'audio-unit-restart'): void {
    this.audio.libWebRTCEvent(kind);
    // `audioMediaServicesWereReset`: the native engine rebuilds its connections.
    if (kind === 'media-services-reset') this.media.rebuildAfterMediaServicesReset();
  }
}
