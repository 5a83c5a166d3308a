/// <reference types="vite/client" />
/**
 * A read-only window onto the phone for the test rig (`window.softphone.snapshot()`), the way
 * Jitsi's tests read `APP.conference`. It exposes figures, and (QA builds) what to measure them
 * for, never actions: the rig drives the UI.
 */
import type { CallFigures } from '../call/call-controller.ts';
import type { Phone } from '../call/phone.ts';
import { screenOf } from '../call/phone-state.ts';
import type { AudioWindow } from '../media/audio-monitor.ts';
import type { ToneSignatures } from '../media/tone-signature.ts';

export interface PhoneSnapshot {
  screen: ReturnType<typeof screenOf>;
  state: Phone['state'];
  marks: CallFigures['marks'] | null;
  capturing: boolean;
  capturedBeforeActivation: boolean;
  firstHeardAt: number | null;
  windows: AudioWindow[];
  link: CallFigures['link'];
}

declare global {
  interface Window {
    softphone: {
      snapshot(sinceWindow?: number): PhoneSnapshot;
      /**
       * QA builds only. The rig's signatures (which tones each party's microphone carries): from
       * the next poll on, each audio window records the share of each in what was received. Null
       * stops it.
       */
      listenFor?(signatures: ToneSignatures | null): Promise<void>;
    };
  }
}

export function installTestHooks(phone: Phone): void {
  window.softphone = {
    snapshot(sinceWindow = 0) {
      const f = phone.calls.figures;
      return {
        screen: screenOf(phone.state),
        state: phone.state,
        marks: f ? { ...f.marks } : null,
        capturing: f?.capturing ?? false,
        capturedBeforeActivation: f?.capturedBeforeActivation ?? false,
        firstHeardAt: f?.firstHeardAt ?? null,
        windows: f ? f.windows.slice(sinceWindow) : [],
        link: f?.link ?? null,
      };
    },
    // Not in the production page (it stays within its size budget): a rig against a production
    // build judges by level.
    ...(import.meta.env.MODE === 'qa' && {
      async listenFor(signatures: ToneSignatures | null) {
        if (!signatures) return phone.calls.listenFor(null);
        const { ToneProbe } = await import('../media/tone-probe.ts');
        phone.calls.listenFor((engine) => new ToneProbe(() => engine.receivedAudio?.() ?? null, signatures));
      },
    }),
  };
}
