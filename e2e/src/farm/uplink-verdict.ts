/**
 * The iPhone's uplink, judged where it can be seen: no farm injects a signal into a VoiceProcessingIO
 * microphone, so nobody speaks into the phone and "heard" can't mean a signal. What tells a working
 * uplink from a broken one is the far end's inbound level: a live microphone delivers its noise floor
 * (room and self-noise after echo cancellation and noise suppression), a broken capture path
 * delivers digital silence (zeros, or one quantisation step) or no packets at all. The method, its
 * thresholds and why: docs/one-way-audio-on-iphone.md.
 */
import { HEARD_LEVEL, type AudioWindow } from '@softphone/web/audio-monitor';
import { MIN_HEARD_RUN_MS } from '../audio/verdict.ts';

/**
 * ≈ −80 dBFS. Below it is digital silence: a zero-gain or disabled sender measures ~3e-5 (one
 * quantisation step of 16-bit audio, shared/docs/one-way-audio-method.md); a microphone in a quiet
 * room after the voice-processing unit stays well above it.
 */
export const DIGITAL_SILENCE_LEVEL = 1e-4;

/**
 * A live microphone's noise floor must last this long. A capture start makes a 200–300 ms burst
 * even from a dead microphone (comfort noise while the echo canceller converges), so a short run
 * proves nothing.
 */
export const MIN_NOISE_FLOOR_RUN_MS = 2_000;

export type UplinkClass = 'no-media' | 'no-playout' | 'digital-silence' | 'noise-floor' | 'signal';

export function uplinkClass(w: AudioWindow): UplinkClass {
  if (w.class === 'no-media' || w.class === 'no-playout') return w.class;
  if (w.level < DIGITAL_SILENCE_LEVEL) return 'digital-silence';
  return w.level < HEARD_LEVEL ? 'noise-floor' : 'signal';
}

export interface UplinkVerdict {
  /** The uplink works: a signal, or (no known signal) a live microphone's noise floor long enough. */
  heard: boolean;
  /** What most of the call's windows were, for the report: why a direction failed. */
  seen: UplinkClass;
  /** Answer → the start of the run that proved the uplink, in ms; null when never. */
  timeToFirstAudioMs: number | null;
  /** Janus's talking verdict on the phone's producer during the call, when the SFU reported one. */
  sfuTalking: boolean | null;
}

/**
 * The uplink from the far end's audio windows (its browser's inbound stats). With `knownSignal`
 * (the QA tone) only a signal counts; otherwise a sustained noise floor counts as a live microphone.
 */
export function judgeUplink(
  farEnd: AudioWindow[],
  answeredAt: number,
  endAt: number,
  opts: { knownSignal: boolean; sfuTalking?: boolean | null },
): UplinkVerdict {
  const inCall = farEnd.filter((w) => w.at > answeredAt && w.at <= endAt);
  const counts = new Map<UplinkClass, number>();
  let runStart: AudioWindow | null = null;
  let runMs = 0;
  let signalMs = 0;
  let provedAt: number | null = null;
  for (const w of inCall) {
    const c = uplinkClass(w);
    counts.set(c, (counts.get(c) ?? 0) + 1);
    const live = c === 'signal' || (!opts.knownSignal && c === 'noise-floor');
    if (!live) {
      runStart = null;
      runMs = 0;
      signalMs = 0;
      continue;
    }
    runStart ??= w;
    runMs += w.ms;
    if (c === 'signal') signalMs += w.ms;
    // A signal proves itself as fast as in a browser; a noise floor needs the longer run.
    if (provedAt === null && (signalMs >= MIN_HEARD_RUN_MS || runMs >= MIN_NOISE_FLOOR_RUN_MS))
      provedAt = runStart.at - runStart.ms;
  }
  let seen: UplinkClass = 'no-media';
  let most = -1;
  for (const [c, n] of counts)
    if (n > most) {
      seen = c;
      most = n;
    }
  return {
    heard: provedAt !== null,
    seen,
    timeToFirstAudioMs: provedAt === null ? null : Math.max(0, provedAt - answeredAt),
    sfuTalking: opts.sfuTalking ?? null,
  };
}
