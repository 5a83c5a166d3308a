/**
 * A read-only window onto the phone for the test rig (`window.softphone.snapshot()`), the way
 * Jitsi's tests read `APP.conference`. It exposes figures, never actions: the rig drives the UI.
 */
import type { Phone } from '../call/phone.ts';
import { screenOf } from '../call/phone-state.ts';

export interface PhoneSnapshot {
  screen: ReturnType<typeof screenOf>;
  state: Phone['state'];
  marks: NonNullable<Phone['media']>['marks'] | null;
  capturing: boolean;
  capturedBeforeActivation: boolean;
  firstHeardAt: number | null;
  windows: NonNullable<Phone['media']>['monitor']['windows'];
}

declare global {
  interface Window {
    softphone: { snapshot(sinceWindow?: number): PhoneSnapshot };
  }
}

export function installTestHooks(phone: Phone): void {
  window.softphone = {
    snapshot(sinceWindow = 0) {
      const m = phone.media;
      return {
        screen: screenOf(phone.state),
        state: phone.state,
        marks: m ? { ...m.marks } : null,
        capturing: m?.engine.capturing ?? false,
        capturedBeforeActivation: m?.capturedBeforeActivation ?? false,
        firstHeardAt: m?.monitor.firstHeardAt ?? null,
        windows: m ? m.monitor.windows.slice(sinceWindow) : [],
      };
    },
  };
}
