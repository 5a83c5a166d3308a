/**
 * Per-direction network figures of a call, from both parties' receive-side WebRTC stats sampled
 * at the start and the end of a measurement: loss, jitter, concealment and the E-model's estimated
 * MOS. A direction A→B crosses A's uplink to the SFU and B's downlink from it, so its one-way
 * delay is estimated as half of each party's round trip to the SFU, plus B's jitter buffer, plus
 * Opus's framing and look-ahead.
 */
import type { MediaPath } from '@softphone/sfu/protocol';
import { estimateMos, OPUS_CODEC_DELAY_MS } from './e-model.ts';

/** The part of a page's latest stats the figures come from (the page's `MediaStats`). */
export interface LinkSample {
  inbound: {
    packetsReceived: number;
    packetsLost: number;
    jitter: number;
    jitterBufferDelay?: number;
    jitterBufferEmittedCount?: number;
  } | null;
  roundTripTime: number | null;
  roundTrips?: { total: number; responses: number };
  path?: MediaPath | null;
}

export interface LinkFigures {
  /** Lost / expected packets at the receiver during the measurement, %. */
  lossPercent: number;
  /** The receiver's interarrival jitter at the end, ms. */
  jitterMs: number;
  /** Share of played samples that were concealment (from the audio windows). */
  concealedRatio: number;
  /** Estimated mouth-to-ear delay, ms. */
  oneWayDelayMs: number;
  r: number;
  mos: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The mean STUN round trip between two samples, or the last one when no check completed between. */
function rttMs(s: { start: LinkSample | null; end: LinkSample | null }): number {
  const a = s.start?.roundTrips;
  const b = s.end?.roundTrips;
  if (a && b && b.responses > a.responses) return (1000 * (b.total - a.total)) / (b.responses - a.responses);
  return (s.end?.roundTripTime ?? 0) * 1000;
}

/**
 * `receiver` and `sender` are each party's samples at the start and end of the measurement;
 * `concealedRatio` is the direction's, as the verdict measured it.
 */
export function linkFigures(
  receiver: { start: LinkSample | null; end: LinkSample | null },
  sender: { start: LinkSample | null; end: LinkSample | null },
  concealedRatio: number,
): LinkFigures {
  const a = receiver.start?.inbound;
  const b = receiver.end?.inbound;
  const received = (b?.packetsReceived ?? 0) - (a?.packetsReceived ?? 0);
  const lost = Math.max(0, (b?.packetsLost ?? 0) - (a?.packetsLost ?? 0));
  // Nothing arrived and nothing was counted lost: the receiver knows of no packets at all, which
  // is total loss from where the listener sits.
  const lossPercent = received + lost > 0 ? (100 * lost) / (received + lost) : 100;
  const emitted = (b?.jitterBufferEmittedCount ?? 0) - (a?.jitterBufferEmittedCount ?? 0);
  const buffered = (b?.jitterBufferDelay ?? 0) - (a?.jitterBufferDelay ?? 0);
  const jitterBufferMs = emitted > 0 ? (1000 * buffered) / emitted : 0;
  const oneWayDelayMs = rttMs(sender) / 2 + rttMs(receiver) / 2 + jitterBufferMs + OPUS_CODEC_DELAY_MS;
  const { r, mos } = estimateMos({ oneWayDelayMs, lossPercent });
  return {
    lossPercent: round1(lossPercent),
    jitterMs: round1((b?.jitter ?? 0) * 1000),
    concealedRatio,
    oneWayDelayMs: Math.round(oneWayDelayMs),
    r,
    mos,
  };
}
