/**
 * Classifies received audio in short windows from the media engine's cumulative stats, the way
 * `shared/docs/one-way-audio-method.md` defines it: no media → no playout → silent → heard.
 */
import type { MediaStats } from './media-engine.ts';
import type { ToneShares } from './tone-signature.ts';

export type WindowClass = 'no-media' | 'no-playout' | 'silent' | 'heard';

export interface AudioWindow {
  /** Epoch ms at the end of the window (it starts `ms` earlier). */
  at: number;
  ms: number;
  packetsPerSecond: number;
  /** RMS level over the window, 0..1: √(ΔtotalAudioEnergy / ΔtotalSamplesDuration). */
  level: number;
  concealedRatio: number;
  class: WindowClass;
  /**
   * In a heard window, when its audio began: the middle of the first poll-to-poll interval inside
   * the window that was itself at {@link HEARD_LEVEL}, so within `onsetSpanMs / 2` of the truth.
   */
  onsetAt?: number;
  onsetSpanMs?: number;
  /**
   * Whose audio it was, when the rig asked ({@link AudioMonitor.listen}): per signature, the mean
   * share of the received energy its tones carried over the window's probe readings that were not
   * silence (absent when all were).
   */
  tones?: ToneShares;
}

/** Reads whose signature the received audio carries (`tone-probe.ts`, QA builds only). */
export interface TonesProbe {
  /** Reads the audio playing now: called at every poll. */
  read(): void;
  /** The mean shares of the reads since the last take that were not silence (undefined: none). */
  take(): ToneShares | undefined;
  close(): void;
}

/**
 * ≈ −34 dBFS. The method's −40 dBFS (0.01) has no margin here: a digitally silent microphone
 * still delivers a 200–300 ms burst at 0.010–0.014 when its capture starts (echo-canceller comfort
 * noise while it converges), measured on Chromium 156. Real speech and tones arrive at 0.05–0.8; a
 * disabled or zero-gain sender measures ~3e-5.
 */
export const HEARD_LEVEL = 0.02;
/** Opus at 20 ms gives ~50 packets/s; below this the transport is not delivering. */
export const MIN_PACKETS_PER_SECOND = 40;

/** RMS level, 0..1, of the audio played between two samples: √(ΔtotalAudioEnergy / ΔtotalSamplesDuration). */
function levelBetween(prev: MediaStats, cur: MediaStats): number {
  const a = prev.inbound;
  const b = cur.inbound;
  if (!b) return 0;
  const dEnergy = b.totalAudioEnergy - (a?.totalAudioEnergy ?? 0);
  const dDuration = b.totalSamplesDuration - (a?.totalSamplesDuration ?? 0);
  return dDuration > 0 ? Math.sqrt(Math.max(0, dEnergy) / dDuration) : 0;
}

export function classifyWindow(prev: MediaStats, cur: MediaStats): AudioWindow | null {
  const a = prev.inbound;
  const b = cur.inbound;
  const ms = cur.at - prev.at;
  if (!b || ms <= 0) return null;
  const packets = b.packetsReceived - (a?.packetsReceived ?? 0);
  const samples = b.totalSamplesReceived - (a?.totalSamplesReceived ?? 0);
  const level = levelBetween(prev, cur);
  const concealedRatio = samples > 0 ? (b.concealedSamples - (a?.concealedSamples ?? 0)) / samples : 0;
  const packetsPerSecond = (packets * 1000) / ms;
  let cls: WindowClass;
  if (packetsPerSecond < MIN_PACKETS_PER_SECOND) cls = 'no-media';
  else if (samples <= 0) cls = 'no-playout';
  else if (level < HEARD_LEVEL) cls = 'silent';
  else cls = 'heard';
  return { at: cur.at, ms, packetsPerSecond, level, concealedRatio, class: cls };
}

/**
 * A window spans at least this long: the method's 200–500 ms. At 20 ms packets a 50–100 ms window
 * holds 2–5 packets, and the scheduling jitter of a busy page (getStats answered late, packets
 * handed over in bursts) moved such windows between 30 and 80 packets/s: a steady stream read as
 * no-media every few windows, which broke every heard run for seconds (farm downlinks first heard
 * after 5–12 s, and one call judged one-way). A shorter sample is also often Chromium's cached
 * report (it reuses one for 50 ms), not a window at all.
 */
export const MIN_WINDOW_MS = 200;

const MAX_WINDOWS = 3_000;

/**
 * The poll until audio is first heard: Chromium refreshes its stats report every 50 ms at most,
 * so onset intervals are ~50 ms and the onset is known within ~25 ms. Afterwards the windows
 * alone matter, and {@link AudioMonitor}'s own interval (100 ms) halves the getStats load.
 */
export const ONSET_POLL_MS = 50;

/** Polls a stats source and keeps the windows of the current call. */
export class AudioMonitor {
  readonly windows: AudioWindow[] = [];
  /** When audio was first heard: the first heard window's onset (set once). */
  firstHeardAt: number | null = null;
  /** The most recent window's end sample (the call's totals when it ends). */
  private prev: MediaStats | null = null;
  /** The most recent sample, inside the open window or closing it. */
  private last: MediaStats | null = null;
  /** The open window's first poll-to-poll interval at the heard level. */
  private onset: { from: number; to: number } | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private polling = false;
  private probe: TonesProbe | null = null;

  constructor(
    private readonly source: () => Promise<MediaStats>,
    private readonly intervalMs = 100,
  ) {}

  get latest(): MediaStats | null {
    return this.prev;
  }

  start(): void {
    this.timer ??= setInterval(
      () => void this.poll(),
      this.firstHeardAt === null ? Math.min(ONSET_POLL_MS, this.intervalMs) : this.intervalMs,
    );
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.listen(null);
  }

  /** From now on, each window records whose signature it carried (the QA rig's check). */
  listen(probe: TonesProbe | null): void {
    this.probe?.close();
    this.probe = probe;
  }

  /** One stats sample: it closes a window once {@link MIN_WINDOW_MS} have passed since the last. */
  add(cur: MediaStats): void {
    const last = this.last;
    if (last && cur.at <= last.at) return;
    this.last = cur;
    if (last && !this.onset && levelBetween(last, cur) >= HEARD_LEVEL)
      this.onset = { from: last.at, to: cur.at };
    if (this.prev && cur.at - this.prev.at < MIN_WINDOW_MS) return;
    const w = this.prev ? classifyWindow(this.prev, cur) : null;
    this.prev = cur;
    const onset = this.onset;
    const tones = this.probe?.take();
    this.onset = null;
    if (!w) return;
    if (tones) w.tones = tones;
    if (w.class === 'heard' && onset) {
      w.onsetAt = Math.round((onset.from + onset.to) / 2);
      w.onsetSpanMs = onset.to - onset.from;
    }
    if (w.class === 'heard' && this.firstHeardAt === null) {
      this.firstHeardAt = w.onsetAt ?? w.at;
      this.slowDown();
    }
    this.windows.push(w);
    if (this.windows.length > MAX_WINDOWS) this.windows.shift();
  }

  /** Audio was heard: the windows need no finer poll than the monitor's own interval. */
  private slowDown(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    this.start();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const cur = await this.source();
      this.probe?.read();
      this.add(cur);
    } catch {
      // No sample this time (engine not loaded yet, transport closing): the next poll's window
      // spans the gap.
    } finally {
      this.polling = false;
    }
  }
}
