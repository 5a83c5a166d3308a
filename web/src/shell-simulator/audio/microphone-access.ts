/**
 * Models `ios-shell/Shell/Audio/MicrophoneAccess.swift`: the microphone is asked for when the page
 * links to the shell (its `signalling.identity`), before any call can reach the device, and only
 * while the app is on screen, where the system's prompt can show; otherwise the next time it is.
 * Without the permission iOS records only silence (the native engine's track carries nothing).
 */
import type { MicPermission } from '@softphone/sfu/protocol';
import type { CallKitSimulator } from '../callkit-simulator.ts';

export class MicrophoneAccess {
  /** The page is up: an undetermined permission is asked for as soon as a prompt can show. */
  private wanted = false;
  private asking = false;
  private lastTold: MicPermission | null = null;

  constructor(
    private readonly system: CallKitSimulator,
    private readonly onChange: (state: MicPermission) => void,
  ) {}

  get current(): MicPermission {
    return this.system.recordPermission;
  }

  /** `MicrophoneAccess.shouldAsk`: only undetermined, only in the foreground. */
  static shouldAsk(state: MicPermission, appActive: boolean): boolean {
    return state === 'undetermined' && appActive;
  }

  pageLinked(): void {
    this.wanted = true;
    this.askIfNeeded();
  }

  /** `UIApplication.didBecomeActiveNotification`. */
  appBecameActive(): void {
    this.tellIfChanged(this.current);
    this.askIfNeeded();
  }

  private askIfNeeded(): void {
    if (!this.wanted || this.asking) return;
    if (!MicrophoneAccess.shouldAsk(this.current, this.system.device === 'foreground')) return;
    this.asking = true;
    this.system.requestRecordPermission((granted) => {
      this.asking = false;
      this.tellIfChanged(granted ? 'granted' : 'denied');
    });
  }

  private tellIfChanged(state: MicPermission): void {
    if (state === this.lastTold) return;
    this.lastTold = state;
    this.onChange(state);
  }
}
