/// <reference types="vite/client" />
/**
 * QA builds only (web/src/main.ts): a read-only window onto the phone for the test rig
 * (`window.softphone.snapshot()`), the way Jitsi's tests read `APP.conference`. It exposes figures
 * and what to measure them for, never actions: the rig drives the UI. It also reads the capture
 * watch, and has one fault switch (`setCaptureAtRing`, {@link captureAtRing})
 * that proves the capture-before-activation check can fail. A production page has none of it: the
 * snapshot holds the whole state, TURN credentials included.
 */
import type { CallFigures } from '../call/call-controller.ts';
import type { Phone } from '../call/phone.ts';
import { screenOf } from '../call/phone-state.ts';
import type { AudioWindow } from '../media/audio-monitor.ts';
import type { ToneSignatures } from '../media/tone-signature.ts';
import { capturedBeforeActivation, type CaptureWatch } from './capture-watch.ts';
import type { RingProbe, RingReport } from './ring-probe.ts';

export interface PhoneSnapshot {
  screen: ReturnType<typeof screenOf>;
  state: Phone['state'];
  marks: CallFigures['marks'] | null;
  capturing: boolean;
  /** Epoch-ms times the page asked for the microphone since this call began. */
  captureStarts: number[];
  /** The first of `captureStarts` came before `marks.activatedAt` (or with no activation at all). */
  capturedBeforeActivation: boolean;
  firstHeardAt: number | null;
  windows: AudioWindow[];
  link: CallFigures['link'];
  /** What the ringer plays, measured on its output. */
  ring: RingReport | null;
}

declare global {
  interface Window {
    /** QA builds only. */
    softphone?: {
      snapshot(sinceWindow?: number): PhoneSnapshot;
      /**
       * The rig's signatures (which tones each party's microphone carries): from the next poll on,
       * each audio window records the share of each in what was received. Null stops it.
       */
      listenFor(signatures: ToneSignatures | null): Promise<void>;
      /**
       * A planted fault — the page asks for the microphone as soon as a call rings (in or out),
       * before audio activation, as a regression would. The capture check must see it.
       */
      setCaptureAtRing(on: boolean): void;
    };
  }
}

export function installTestHooks(phone: Phone, captures: CaptureWatch | null, ring: RingProbe | null): void {
  ring?.follow(phone);
  const since = (marks: CallFigures['marks']): number[] =>
    captures?.since(marks.dialedAt ?? marks.incomingAt ?? 0) ?? [];
  window.softphone = {
    snapshot(sinceWindow = 0) {
      const f = phone.calls.figures;
      const captureStarts = f ? since(f.marks) : [];
      return {
        screen: screenOf(phone.state),
        state: phone.state,
        marks: f ? { ...f.marks } : null,
        capturing: f?.capturing ?? false,
        captureStarts,
        capturedBeforeActivation: capturedBeforeActivation(captureStarts, f?.marks.activatedAt),
        firstHeardAt: f?.firstHeardAt ?? null,
        windows: f ? f.windows.slice(sinceWindow) : [],
        link: f?.link ?? null,
        ring: ring?.report(phone) ?? null,
      };
    },
    async listenFor(signatures: ToneSignatures | null) {
      if (!signatures) return phone.calls.listenFor(null);
      const { ToneProbe } = await import('../media/tone-probe.ts');
      phone.calls.listenFor((engine) => new ToneProbe(() => engine.receivedAudio?.() ?? null, signatures));
    },
    setCaptureAtRing: captureAtRing(phone),
  };
}

/**
 * QA builds: the fault switch. While on, every call that rings (in or out) gets a microphone stream
 * until it ends, before audio activation.
 */
function captureAtRing(phone: Phone): (on: boolean) => void {
  let unsubscribe: (() => void) | null = null;
  return (on) => {
    unsubscribe?.();
    unsubscribe = null;
    if (!on) return;
    let ringing: Promise<MediaStream | null> | null = null;
    unsubscribe = phone.subscribe((state) => {
      const call = state.call;
      if (call && call.answeredAt === null && !ringing) {
        ringing = navigator.mediaDevices.getUserMedia({ audio: true }).catch(() => null);
      } else if (!call && ringing) {
        void ringing.then((s) => s?.getTracks().forEach((t) => t.stop()));
        ringing = null;
      }
    });
  };
}
