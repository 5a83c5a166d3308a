/**
 * The load bench's arithmetic, kept apart from mediasoup and sockets so it can be tested: what a
 * measuring window's counters say about loss and jitter, and when the ramp stops (issue 20: a call
 * fails, loss passes 0.5 %, p95 jitter passes 20 ms or SFU worker CPU passes 80 %).
 */
import { percentile } from '../percentile.ts';

export interface Limits {
  maxLossPct: number;
  maxJitterP95Ms: number;
  /** Of one core, for the busiest SFU worker. */
  maxWorkerCpu: number;
}

export const ISSUE_LIMITS: Limits = { maxLossPct: 0.5, maxJitterP95Ms: 20, maxWorkerCpu: 0.8 };

/** One received stream's counters, as mediasoup's inbound-rtp stats give them. */
export interface StreamCounters {
  packetCount: number;
  packetsLost: number;
  /** The interarrival jitter, in ms. */
  jitterMs: number;
}

export interface MediaFigures {
  /** Streams counted: those present at both ends of the window. */
  streams: number;
  /** Lost of expected, in %, over every counted stream. */
  lossPct: number;
  jitterP95Ms: number;
  /** Counted streams that received nothing in the window: a call whose audio stopped. */
  silent: number;
}

/** Loss and jitter over a window, from each stream's counters at its start and at its end. */
export function windowMedia(
  start: ReadonlyMap<string, StreamCounters>,
  end: ReadonlyMap<string, StreamCounters>,
): MediaFigures {
  let received = 0;
  let lost = 0;
  let silent = 0;
  const jitters: number[] = [];
  for (const [id, e] of end) {
    const s = start.get(id);
    if (!s) continue;
    const got = e.packetCount - s.packetCount;
    // mediasoup's count can step back when late packets arrive: never a negative loss.
    const missed = Math.max(0, e.packetsLost - s.packetsLost);
    received += got;
    lost += missed;
    if (got === 0) silent += 1;
    jitters.push(e.jitterMs);
  }
  jitters.sort((a, b) => a - b);
  const expected = received + lost;
  return {
    streams: jitters.length,
    lossPct: expected === 0 ? 0 : (100 * lost) / expected,
    jitterP95Ms: jitters.length === 0 ? 0 : percentile(jitters, 0.95),
    silent,
  };
}

/** What one step of the ramp measured. */
export interface StepFigures {
  calls: number;
  /** Calls that could not be set up, or ended, during the step. */
  failedCalls: number;
  media: MediaFigures;
  /** The busiest SFU worker, in cores. */
  busiestWorkerCpu: number;
}

/** Why the ramp stops after this step, or null to go on. */
export function stopReason(step: StepFigures, limits: Limits = ISSUE_LIMITS): string | null {
  if (step.failedCalls > 0) return `${step.failedCalls} call(s) failed`;
  if (step.media.silent > 0) return `${step.media.silent} stream(s) carried no audio`;
  if (step.media.lossPct > limits.maxLossPct)
    return `loss ${step.media.lossPct.toFixed(2)} % > ${limits.maxLossPct} %`;
  if (step.media.jitterP95Ms > limits.maxJitterP95Ms)
    return `p95 jitter ${step.media.jitterP95Ms.toFixed(1)} ms > ${limits.maxJitterP95Ms} ms`;
  if (step.busiestWorkerCpu > limits.maxWorkerCpu)
    return `SFU worker CPU ${pct(step.busiestWorkerCpu)} > ${pct(limits.maxWorkerCpu)}`;
  return null;
}

/** CPU time (µs, user + system) spent over a wall-clock window (ms), in cores. */
export function cores(cpuMicrosBefore: number, cpuMicrosAfter: number, wallMs: number): number {
  return wallMs <= 0 ? 0 : (cpuMicrosAfter - cpuMicrosBefore) / 1_000 / wallMs;
}

export const pct = (share: number) => `${(100 * share).toFixed(0)} %`;
