/**
 * Watches both directions of one answered call for a *media stall*: a direction whose audio stopped
 * reaching the listener although the call goes on (issue 17). Pure logic: the packet counters come
 * from a {@link DirectionStats} source and the time from a clock, both passed in, so it is tested
 * without mediasoup (media-room.ts binds it to the producers and consumers).
 *
 * Per direction, each {@link DirectionWatch.tick} reads two counters: the packets the SFU received
 * from the sender (its producer) and the packets it sent on to the listener (the listener's
 * consumer). A direction whose listener got no packet for `stallAfterMs` (counted from the answer, or
 * from its last packet) is stalled, with the cause the counters point at:
 * - `no-rtp-from-sender`: the producer receives nothing (the sender's path or capture is gone);
 * - `not-forwarded`: the producer receives but the consumer sends nothing on (the SFU side);
 * - `producer-gone`: the listener's consumer lost its producer (at once: no packet can come).
 * It recovers when packets reach the listener again. A held direction is not judged: on hold the
 * sender's engine sends nothing on purpose (`replaceTrack(null)`); its clock starts again on resume,
 * since capture restarts through the audio-activation step. A muted sender still sends (silence).
 */
import type { StallCause } from '../protocol/index.ts';

/** caller->callee: what the callee hears; callee->caller: what the caller hears. */
export type Direction = 'caller->callee' | 'callee->caller';
const DIRECTIONS: readonly Direction[] = ['caller->callee', 'callee->caller'];

/** One direction's cumulative counters as the SFU sees them right now. */
export interface DirectionCounters {
  /** RTP packets the SFU received from the sender's producer; null while it has none. */
  received: number | null;
  /** RTP packets the SFU sent to the listener on its consumer; null while it has none. */
  forwarded: number | null;
  /** The listener's consumer was closed because its producer went away. */
  producerGone: boolean;
}

export interface DirectionStats {
  read(direction: Direction): Promise<DirectionCounters>;
}

/** What is kept with the call, per direction (sfu/src/store/calls.repo.ts). */
export interface DirectionRecord {
  direction: Direction;
  /** Packets forwarded to the listener since the answer. */
  packets: number;
  /** Answer → first packet forwarded to the listener, ms, to within one read; null if none ever was. */
  firstRtpMs: number | null;
  stalls: number;
  /** Time spent stalled, ms (an ongoing stall counts up to now). */
  stalledMs: number;
  /** The cause of the last stall, if any. */
  lastCause: StallCause | null;
}

export interface DirectionWatchEvents {
  stall(direction: Direction, cause: StallCause): void;
  recovered(direction: Direction, cause: StallCause, stalledMs: number): void;
}

export interface DirectionWatchOptions {
  /** How long a direction may carry nothing before it is a stall (the server's `MEDIA_STALL_MS`). */
  stallAfterMs: number;
  now: () => number;
}

interface Track {
  /** The counters last read (null before the first read after the answer). */
  last: { received: number; forwarded: number } | null;
  /** Packets forwarded to the listener since the answer. */
  packets: number;
  /** When the listener last got a packet (or the answer, or the resume from hold). */
  lastForwardedAt: number;
  /** When the sender's producer last received a packet (or the answer). */
  lastReceivedAt: number;
  firstRtpAt: number | null;
  held: boolean;
  stall: { cause: StallCause; since: number } | null;
  stalls: number;
  stalledMs: number;
  lastCause: StallCause | null;
}

/** Growth of a cumulative counter; one that went down belongs to a new stream (a replaced consumer). */
const growth = (now: number, before: number): number => (now >= before ? now - before : now);

export class DirectionWatch {
  private answeredAt: number | null = null;
  private readonly tracks = new Map<Direction, Track>();
  private ticking = false;

  constructor(
    private readonly stats: DirectionStats,
    private readonly events: DirectionWatchEvents,
    private readonly opts: DirectionWatchOptions,
  ) {
    for (const d of DIRECTIONS) {
      this.tracks.set(d, {
        last: null,
        packets: 0,
        lastForwardedAt: 0,
        lastReceivedAt: 0,
        firstRtpAt: null,
        held: false,
        stall: null,
        stalls: 0,
        stalledMs: 0,
        lastCause: null,
      });
    }
  }

  /** The call was answered: from now on both directions must carry audio. Before it, nothing is judged. */
  answered(): void {
    if (this.answeredAt !== null) return;
    this.answeredAt = this.opts.now();
    for (const t of this.tracks.values()) {
      t.lastForwardedAt = this.answeredAt;
      t.lastReceivedAt = this.answeredAt;
    }
  }

  /** The sender of `direction` put the call on hold (it sends nothing) or resumed it. */
  setHeld(direction: Direction, held: boolean): void {
    const t = this.track(direction);
    if (t.held === held) return;
    t.held = held;
    // Resuming restarts capture (the audio-activation step): the direction gets a full period again.
    if (!held) t.lastForwardedAt = t.lastReceivedAt = this.opts.now();
  }

  /** Reads the counters once and reports what changed. A tick still reading makes this one a no-op. */
  async tick(): Promise<void> {
    if (this.answeredAt === null || this.ticking) return;
    this.ticking = true;
    try {
      const read = await Promise.all(DIRECTIONS.map((d) => this.stats.read(d)));
      const now = this.opts.now();
      DIRECTIONS.forEach((d, i) => this.judge(d, read[i] as DirectionCounters, now));
    } finally {
      this.ticking = false;
    }
  }

  /** Each direction's figures so far. */
  record(): DirectionRecord[] {
    const now = this.opts.now();
    return DIRECTIONS.map((direction) => {
      const t = this.track(direction);
      return {
        direction,
        packets: t.packets,
        firstRtpMs: t.firstRtpAt !== null && this.answeredAt !== null ? t.firstRtpAt - this.answeredAt : null,
        stalls: t.stalls,
        stalledMs: t.stalledMs + (t.stall ? now - t.stall.since : 0),
        lastCause: t.lastCause,
      };
    });
  }

  private judge(direction: Direction, c: DirectionCounters, now: number): void {
    const t = this.track(direction);
    const read = { received: c.received ?? 0, forwarded: c.forwarded ?? 0 };
    const prev = t.last;
    t.last = read;
    // The first read after the answer is the baseline: packets from before it are not counted.
    const forwarded = prev ? growth(read.forwarded, prev.forwarded) : 0;
    if (prev && growth(read.received, prev.received) > 0) t.lastReceivedAt = now;
    if (forwarded > 0) {
      t.packets += forwarded;
      t.lastForwardedAt = now;
      t.firstRtpAt ??= now;
      this.recover(direction, t, now);
      return;
    }
    if (t.stall || t.held || now - t.lastForwardedAt < this.opts.stallAfterMs) return;
    // A consumer whose producer went is replaced when another device takes over (the one that
    // answered): only one still missing after the threshold is a stall, not every hand-over.
    const receiving = now - t.lastReceivedAt < this.opts.stallAfterMs;
    const cause = c.producerGone ? 'producer-gone' : receiving ? 'not-forwarded' : 'no-rtp-from-sender';
    this.stall(direction, t, cause, now);
  }

  private stall(direction: Direction, t: Track, cause: StallCause, now: number): void {
    t.stall = { cause, since: now };
    t.stalls += 1;
    t.lastCause = cause;
    this.events.stall(direction, cause);
  }

  private recover(direction: Direction, t: Track, now: number): void {
    const stall = t.stall;
    if (!stall) return;
    t.stall = null;
    const ms = now - stall.since;
    t.stalledMs += ms;
    this.events.recovered(direction, stall.cause, ms);
  }

  private track(d: Direction): Track {
    const t = this.tracks.get(d);
    if (!t) throw new Error(`no such direction: ${d}`);
    return t;
  }
}
