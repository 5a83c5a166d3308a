/**
 * How good the call's connection is right now: what the in-call screen's indicator shows and the
 * announcer says. Measured and put in words by `quality-meter.ts`, which loads with a call.
 */

export type QualityLevel = 'good' | 'fair' | 'poor';

/** The figure that made the level what it is (the worst one), for the words said about it. */
export type QualityCause = 'loss' | 'jitter' | 'delay';

export interface CallQuality {
  level: QualityLevel;
  /** Why it is not good (null when it is). */
  cause: QualityCause | null;
  /** The media goes through a TURN relay (one more hop; shown, never judged by itself). */
  relayed: boolean;
}

/** The one sentence a screen reader hears when the connection turns poor (whatever the cause, so a changing cause is not said again). */
export const WEAK_CONNECTION = 'Your connection is weak';
