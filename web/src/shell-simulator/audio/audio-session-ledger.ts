/**
 * Models `ios-shell/Shell/Audio/AudioSessionLedger.swift`: what the shell knows about CallKit's
 * audio session, and the one libwebrtc call per event that keeps libwebrtc's activation count
 * equal to `sessionActive` (made here at once, where the Swift returns it to CallAudioService).
 * The faults put back the shell's v1 behaviour per event.
 */
import type { AppFaults } from '../app-faults.ts';
import type { LibWebRTCAudioSession } from './rtc-audio-session.ts';

export type LedgerEvent =
  | 'didActivate'
  | 'didDeactivate'
  | 'interruptionBegan'
  | 'interruptionEnded'
  | 'callHeld'
  | 'callsEnded'
  | 'providerDidReset'
  | 'mediaServicesReset';

export class AudioSessionLedger {
  private active = false;
  private interruptedNow = false;

  constructor(
    private readonly rtc: LibWebRTCAudioSession,
    private readonly faults: AppFaults,
  ) {}

  get sessionActive(): boolean {
    return this.active;
  }

  get interrupted(): boolean {
    return this.interruptedNow;
  }

  /** The `unbalancedLibWebRTC` fault only: v1's unhold resumed audio without CallKit's `didActivate`. */
  resumeWithoutDidActivate(): void {
    this.active = true;
  }

  apply(event: LedgerEvent): void {
    const faulty = this.faults.unbalancedLibWebRTC;
    const spend = () => {
      if (!this.active) return;
      this.active = false;
      this.rtc.audioSessionDidDeactivate();
    };
    switch (event) {
      case 'didActivate':
        if (!this.faults.stuckInterruption) this.interruptedNow = false;
        if (this.active) return;
        this.active = true;
        this.rtc.audioSessionDidActivate();
        return;
      case 'interruptionBegan':
        this.interruptedNow = true;
        if (!faulty) spend();
        return;
      case 'interruptionEnded':
        this.interruptedNow = false;
        return;
      case 'callHeld':
        if (faulty) this.active = false;
        else spend();
        return;
      case 'didDeactivate':
        if (!this.faults.stuckInterruption) this.interruptedNow = false;
        spend();
        return;
      case 'callsEnded':
      case 'mediaServicesReset':
        if (!this.faults.stuckInterruption) this.interruptedNow = false;
        spend();
        return;
      case 'providerDidReset':
        if (!this.faults.stuckInterruption) this.interruptedNow = false;
        // v1: providerDidReset never told libwebrtc the session was gone.
        if (faulty) this.active = false;
        else spend();
        return;
    }
  }
}
