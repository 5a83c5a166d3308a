/**
 * One direction of an impaired link, as a pure function of time: for each packet, whether it is
 * dropped and when it comes out. The relay (impairment-relay.ts) owns the sockets and timers.
 */
import type { LinkImpairment } from './network-profiles.ts';

/** Past this much queueing behind the rate cap, packets are tail-dropped (a router's buffer). */
const MAX_QUEUE_MS = 300;

export class ImpairedLink {
  private busyUntil = 0;
  private lastRelease = 0;
  private outageUntil = 0;

  constructor(
    private config: LinkImpairment,
    private readonly random: () => number = Math.random,
  ) {}

  set(config: LinkImpairment): void {
    this.config = config;
  }

  /** Everything is dropped until `until` (epoch ms). */
  outage(until: number): void {
    this.outageUntil = until;
  }

  /** When the packet leaves the link (ms, same clock as `now`), or null when it is lost. */
  schedule(now: number, bytes: number): number | null {
    const c = this.config;
    if (now < this.outageUntil) return null;
    if (c.lossPercent > 0 && this.random() * 100 < c.lossPercent) return null;
    let departs = now;
    if (c.rateKbps !== null) {
      const start = Math.max(now, this.busyUntil);
      if (start - now > MAX_QUEUE_MS) return null;
      departs = start + (bytes * 8) / c.rateKbps;
      this.busyUntil = departs;
    }
    let release = departs + c.delayMs + (c.jitterMs > 0 ? (this.random() * 2 - 1) * c.jitterMs : 0);
    if (!c.reorder) release = Math.max(release, this.lastRelease);
    this.lastRelease = Math.max(this.lastRelease, release);
    return Math.max(release, now);
  }
}
