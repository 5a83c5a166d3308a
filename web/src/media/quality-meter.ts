/**
 * Judges the call's connection from the stats the page already reads ({@link MediaStats}): loss
 * and jitter of the received audio, the round trip to the server, and whether the media goes
 * through a TURN relay. Loaded with a call (`call-media.ts`), not before the page is interactive.
 */
import { WEAK_CONNECTION, type CallQuality, type QualityCause, type QualityLevel } from './call-quality.ts';
import type { MediaStats } from './media-engine.ts';

export interface QualityFigures {
  /** Share of the audio packets expected over the span that never arrived, 0..1. */
  loss: number;
  /** RFC 3550 interarrival jitter of the received audio, ms. */
  jitterMs: number;
  /** Round trip to the server over the span, ms (null: the engine does not say). */
  roundTripMs: number | null;
}

/**
 * Bounds per figure: at or under `fair` it is good, over `poor` it is poor, fair in between.
 * - Loss: common VoIP guidance keeps loss under 1 % for good voice (Cisco's voice QoS design
 *   guide; ITU-T Y.1541's voice classes aim far lower); with the E-model (ITU-T G.107/G.113) a
 *   codec with concealment drops into "many users dissatisfied" (R < 70) at roughly 5 % random loss.
 * - Jitter: the same guidance keeps it under 30 ms; past ~50 ms the jitter buffer has to add that
 *   much delay again, or audio is dropped as late.
 * - Delay: ITU-T G.114 — one-way mouth-to-ear delay up to 150 ms is transparent to most users,
 *   over 400 ms is unacceptable for general network planning. The page measures the round trip
 *   of its own leg to the server (STUN), so half of it is this leg's one-way delay: 300 / 800 ms.
 */
export const QUALITY_BOUNDS = {
  loss: { fair: 0.01, poor: 0.05 },
  jitterMs: { fair: 30, poor: 50 },
  roundTripMs: { fair: 300, poor: 800 },
} as const;

const RANK: Record<QualityLevel, number> = { good: 0, fair: 1, poor: 2 };

function levelOf(value: number, bounds: { fair: number; poor: number }): QualityLevel {
  if (value > bounds.poor) return 'poor';
  return value > bounds.fair ? 'fair' : 'good';
}

/** The worst of the three figures' levels, and which figure it was (loss first on a tie: it is heard most). */
export function classifyQuality(f: QualityFigures): { level: QualityLevel; cause: QualityCause | null } {
  const levels: [QualityCause, QualityLevel][] = [
    ['loss', levelOf(f.loss, QUALITY_BOUNDS.loss)],
    ['jitter', levelOf(f.jitterMs, QUALITY_BOUNDS.jitterMs)],
    ['delay', f.roundTripMs === null ? 'good' : levelOf(f.roundTripMs, QUALITY_BOUNDS.roundTripMs)],
  ];
  let worst: { level: QualityLevel; cause: QualityCause | null } = { level: 'good', cause: null };
  for (const [cause, level] of levels) if (RANK[level] > RANK[worst.level]) worst = { level, cause };
  return worst;
}

/**
 * Figures are judged over this span: one lost burst or one late STUN answer is not a weak
 * connection, and a level that follows each 100 ms sample would flicker.
 */
export const QUALITY_SPAN_MS = 5_000;

/** Fewer audio packets than this expected over the span (~1 s of Opus at 20 ms) say nothing. */
export const MIN_EXPECTED_PACKETS = 50;

/** The figures between two cumulative samples, or null when too few packets were expected to judge loss. */
export function figuresBetween(from: MediaStats, to: MediaStats): QualityFigures | null {
  const a = from.inbound;
  const b = to.inbound;
  if (!b) return null;
  const received = b.packetsReceived - (a?.packetsReceived ?? 0);
  const lost = Math.max(0, b.packetsLost - (a?.packetsLost ?? 0));
  if (received + lost < MIN_EXPECTED_PACKETS) return null;
  const trips =
    from.roundTrips && to.roundTrips
      ? {
          total: to.roundTrips.total - from.roundTrips.total,
          responses: to.roundTrips.responses - from.roundTrips.responses,
        }
      : null;
  // The mean over the span when the engine counts its STUN round trips, else the latest one.
  const roundTrip = trips && trips.responses > 0 ? trips.total / trips.responses : to.roundTripTime;
  return {
    loss: lost / (received + lost),
    jitterMs: b.jitter * 1000,
    roundTripMs: roundTrip === null ? null : roundTrip * 1000,
  };
}

/** Keeps the samples of the last {@link QUALITY_SPAN_MS} and judges the connection over them. */
export class QualityMeter {
  private samples: MediaStats[] = [];

  /** One cumulative sample; the quality over the span it closes, or null when there is nothing to judge. */
  add(cur: MediaStats): CallQuality | null {
    const samples = this.samples;
    const last = samples.at(-1);
    if (last && cur.at <= last.at) return null;
    samples.push(cur);
    // Keep one sample at least a span old as the reference, none older.
    while (samples.length > 2 && cur.at - (samples[1]?.at ?? cur.at) >= QUALITY_SPAN_MS) samples.shift();
    const figures = figuresBetween(samples[0] ?? cur, cur);
    if (!figures) return null;
    const path = cur.path;
    return {
      ...classifyQuality(figures),
      relayed: path ? path.local === 'relay' || path.remote === 'relay' : false,
    };
  }
}

const CAUSE_WORDS: Record<QualityCause, string> = {
  loss: 'some of the sound is being lost',
  jitter: 'the sound arrives unevenly',
  delay: 'the sound arrives late',
};

/** What the indicator says: a level in words, what is wrong when it is poor or fair. */
export function qualityWords(q: CallQuality): string {
  if (q.level === 'poor') return `${WEAK_CONNECTION}: ${CAUSE_WORDS[q.cause ?? 'loss']}`;
  if (q.level === 'fair') return `Connection fair: ${CAUSE_WORDS[q.cause ?? 'loss']}`;
  return 'Connection good';
}
