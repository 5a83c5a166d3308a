/**
 * Models `ios-shell/Shell/Audio/CallAudioService.swift`: the audio session's events go through the
 * {@link AudioSessionLedger}, and the one gate, like `RTCAudioSession.isAudioEnabled`, opens the
 * native engine's capture only while CallKit's session is ours and the call that owns the audio is
 * answered and not held.
 */
import type { AppFaults } from '../app-faults.ts';
import type { CallKitSimulator } from '../callkit-simulator.ts';
import type { AppCall, CallRegistry } from '../calls/call-registry.ts';
import { AudioSessionLedger, type LedgerEvent } from './audio-session-ledger.ts';
import { LibWebRTCAudioSession } from './rtc-audio-session.ts';

export interface CallAudioServiceDelegate {
  /** The gate changed (or may have): each call's engine captures only if `enabledFor` it. */
  audioEnabled(enabledFor: (callId: string) => boolean): void;
}

export class CallAudioService {
  private readonly rtc: LibWebRTCAudioSession;
  private readonly ledger: AudioSessionLedger;

  constructor(
    private readonly system: CallKitSimulator,
    private readonly registry: CallRegistry,
    faults: AppFaults,
    private readonly delegate: CallAudioServiceDelegate,
  ) {
    this.rtc = new LibWebRTCAudioSession(system);
    // RTCAudioSession+Manual: libwebrtc's self-activating observers removed at launch.
    if (!faults.unbalancedLibWebRTC) this.rtc.observing = false;
    this.ledger = new AudioSessionLedger(this.rtc, faults);
  }

  get sessionActive(): boolean {
    return this.ledger.sessionActive;
  }

  record(event: LedgerEvent): void {
    this.ledger.apply(event);
  }

  /** See {@link AudioSessionLedger.resumeWithoutDidActivate}. */
  resumeWithoutDidActivate(): void {
    this.ledger.resumeWithoutDidActivate();
  }

  /** AVAudioSession's interruption notifications (a cellular call, an alarm, Siri). */
  interruption(began: boolean): void {
    this.record(began ? 'interruptionBegan' : 'interruptionEnded');
    this.apply();
    if (!began) this.rtc.event('interruption-ended');
  }

  /** What else makes libwebrtc act on its own: a media-services reset, the app becoming active, an audio-unit restart. */
  libWebRTCEvent(kind: 'media-services-reset' | 'became-active' | 'audio-unit-restart'): void {
    if (kind === 'media-services-reset') this.record('mediaServicesReset');
    this.rtc.event(kind);
  }

  /** `overrideOutputAudioPort`: the route changes, and the route-change notification follows. */
  setOutput(callId: string, output: 'receiver' | 'speaker'): void {
    this.system.log('audio-output', callId, output);
    this.system.changeRoute(
      output === 'speaker' ? { kind: 'speaker', name: 'Speaker' } : { kind: 'receiver', name: 'Receiver' },
    );
  }

  /** The answered call that CallKit has not put on hold. */
  audioOwner(): AppCall | undefined {
    return this.registry.values().find((c) => c.answeredAt !== null && !c.systemHeld);
  }

  audioEnabledFor(callId: string): boolean {
    const owner = this.audioOwner();
    return this.ledger.sessionActive && !this.ledger.interrupted && owner?.id === callId && !owner.heldByUser;
  }

  /** The one gate, like `RTCAudioSession.isAudioEnabled`. */
  apply(): void {
    this.delegate.audioEnabled((id) => this.audioEnabledFor(id));
  }
}
