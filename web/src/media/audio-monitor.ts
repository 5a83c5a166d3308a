/**
 * Classifies received audio in short windows from the media engine's cumulative stats, the way
 * `shared/docs/one-way-audio-method.md` defines it: no media → no playout → silent → heard.
 */
import type { MediaStats } from './media-engine.ts';

export type WindowClass = 'no-media' | 'no-playout' | 'silent' | 'heard';

export interface AudioWindow {
  /** Epoch ms at the end of the window. */
  at: number;
  ms: number;
  packetsPerSecond: number;
  /** RMS level over the window, 0..1: √(ΔtotalAudioEnergy / ΔtotalSamplesDuration). */
  level: number;
  concealedRatio: number;
  class: WindowClass;
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

export function classifyWindow(prev: MediaStats, cur: MediaStats): AudioWindow | null {
  const a = prev.inbound;
  const b = cur.inbound;
  const ms = cur.at - prev.at;
  if (!b || ms <= 0) return null;
  const packets = b.packetsReceived - (a?.packetsReceived ?? 0);
  const samples = b.totalSamplesReceived - (a?.totalSamplesReceived ?? 0);
  const dEnergy = b.totalAudioEnergy - (a?.totalAudioEnergy ?? 0);
  const dDuration = b.totalSamplesDuration - (a?.totalSamplesDuration ?? 0);
  const level = dDuration > 0 ? Math.sqrt(Math.max(0, dEnergy) / dDuration) : 0;
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

/** Polls a stats source and keeps the windows of the current call. */
export class AudioMonitor {
  readonly windows: AudioWindow[] = [];
  firstHeardAt: number | null = null;
  /** The most recent window's end sample (the call's totals when it ends). */
  private prev: MediaStats | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private polling = false;

  constructor(
    private readonly source: () => Promise<MediaStats>,
    private readonly intervalMs = 100,
  ) {}

  get latest(): MediaStats | null {
    return this.prev;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.poll(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One stats sample: it closes a window once {@link MIN_WINDOW_MS} have passed since the last. */
  add(cur: MediaStats): void {
    if (this.prev && cur.at - this.prev.at < MIN_WINDOW_MS) return;
    const w = this.prev ? classifyWindow(this.prev, cur) : null;
    this.prev = cur;
    if (!w) return;
    if (w.class === 'heard' && this.firstHeardAt === null) this.firstHeardAt = w.at;
    this.windows.push(w);
    if (this.windows.length > MAX_WINDOWS) this.windows.shift();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      this.add(await this.source());
    } finally {
      this.polling = false;
    }
  }
}
