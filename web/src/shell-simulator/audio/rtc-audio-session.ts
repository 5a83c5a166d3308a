/**
 * libwebrtc's `RTCAudioSession`, as far as it matters here (webrtc sdk/objc/components/audio/
 * RTCAudioSession.mm): an activation count, and `setActive(true)` called by itself whenever the
 * count is above zero and an event says the session should be back — an interruption's end, a
 * media-services reset, the app becoming active (its own observers), an audio-unit restart while
 * it believes the session inactive. `observing` is what `ios-shell/Shell/Audio/RTCAudioSession+Manual.swift`
 * (`adoptCallKitActivation`) turns off.
 */
import type { CallKitSimulator } from '../callkit-simulator.ts';

export type LibWebRTCEvent =
  'interruption-ended' | 'media-services-reset' | 'became-active' | 'audio-unit-restart';

export class LibWebRTCAudioSession {
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
  event(kind: LibWebRTCEvent): void {
    if (kind !== 'audio-unit-restart' && !this.observing) return;
    if (this.activationCount > 0 && !this.system.sessionIsActive) {
      this.system.appActivatedAudio(
        `libwebrtc setActive(true) on ${kind}, activation count ${this.activationCount}`,
      );
    }
  }
}
