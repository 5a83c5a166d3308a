/**
 * QA builds only: what the ringer really plays, measured on its output with an AnalyserNode rather
 * than inferred from its calls, and how long after the phone state said "stop" the signal went
 * silent. The state changes in the same task as the event that stops the ringing (the answer click,
 * `call:state`, `call:ended`), so that interval is the one from the event reaching the page.
 */
import type { Phone } from '../call/phone.ts';
import { ringSoundOf, type RingSound } from '../call/phone-state.ts';
import type { Ringer } from '../media/ringer.ts';

/** Above any rounding noise, far below the ringer's level (0.2–0.24 peak). */
const AUDIBLE = 0.01;
/** How often the output is measured; the analyser's window (512 samples) is about as long. */
const POLL_MS = 10;

export interface RingStop {
  sound: RingSound;
  /** Epoch ms when the state stopped asking for it. */
  at: number;
  /** Whether it was audible then (a stop in a pattern's pause proves nothing). */
  audible: boolean;
  /** Milliseconds from `at` to the first measure of silence (null: still heard). */
  silentAfterMs: number | null;
}

export interface RingReport {
  /** What the state asks to sound now. */
  sound: RingSound | null;
  /** The ringer's AudioContext (null: no ringer made, as in the iOS shell). */
  context: AudioContextState | null;
  /** Peak of the last measure, 0..1. */
  peak: number;
  /** Milliseconds the signal has been audible without a break (0: silent now). */
  audibleForMs: number;
  stops: RingStop[];
}

export class RingProbe {
  private ctx: AudioContext | null = null;
  private analyser: AnalyserNode | null = null;
  private readonly samples = new Float32Array(512);
  private peak = 0;
  private audibleSince: number | null = null;
  private readonly stops: (RingStop & { t: number })[] = [];

  /** Taps a ringer as it is made (its output feeds the analyser too). */
  readonly attach = (ringer: Ringer): void => {
    this.ctx = ringer.ctx;
    this.analyser = ringer.ctx.createAnalyser();
    this.analyser.fftSize = this.samples.length;
    ringer.output.connect(this.analyser);
    setInterval(() => this.measure(), POLL_MS);
  };

  /** Records each time the phone's state stops asking for a sound. */
  follow(phone: Phone): void {
    let sound: RingSound | null = null;
    phone.subscribe((s) => {
      const next = ringSoundOf(s);
      if (sound && next !== sound)
        this.stops.push({
          sound,
          at: Date.now(),
          t: performance.now(),
          audible: this.audibleSince !== null,
          silentAfterMs: null,
        });
      sound = next;
    });
  }

  report(phone: Phone): RingReport {
    return {
      sound: ringSoundOf(phone.state),
      context: this.ctx?.state ?? null,
      peak: this.peak,
      audibleForMs: this.audibleSince === null ? 0 : performance.now() - this.audibleSince,
      stops: this.stops.map(({ t: _t, ...stop }) => stop),
    };
  }

  private measure(): void {
    if (!this.analyser || !this.ctx) return;
    this.analyser.getFloatTimeDomainData(this.samples);
    let peak = 0;
    for (const v of this.samples) peak = Math.max(peak, Math.abs(v));
    // A context that is not running plays nothing, whatever its analyser last held.
    this.peak = this.ctx.state === 'running' ? peak : 0;
    const now = performance.now();
    if (this.peak >= AUDIBLE) {
      this.audibleSince ??= now;
      return;
    }
    this.audibleSince = null;
    for (const stop of this.stops) stop.silentAfterMs ??= Math.round(now - stop.t);
  }
}
