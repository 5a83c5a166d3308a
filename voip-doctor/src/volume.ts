/**
 * How many lines each minute holds and which busy daemons spoke in it. This is what tells a purged log
 * (volume collapses, chatty daemons vanish: only long-TTL lines survived) from a silent one (log-gap).
 * Memory grows with the number of distinct minutes, not with the number of lines.
 */
import type { LineRef } from './model.ts';

/** Daemons that log every minute on any iPhone; their absence means lines were purged, not unwritten. */
const BUSY_DAEMONS = [
  'kernel',
  'SpringBoard',
  'runningboardd',
  'backboardd',
  'locationd',
  'symptomsd',
  'wifid',
  'mDNSResponder',
  'CommCenter',
  'apsd',
  'powerd',
  'identityservicesd',
  'bluetoothd',
  'trustd',
  'assertiond',
  'mediaserverd',
  'audiomxd',
  'callservicesd',
  'dasd',
  'UserEventAgent',
  'configd',
  'nsurlsessiond',
  'rapportd',
  'sharingd',
  'WirelessRadioManagerd',
  'thermalmonitord',
  'cloudd',
  'searchd',
  'duetexpertd',
  'coreduetd',
] as const;
const BUSY_BIT = new Map<string, number>(BUSY_DAEMONS.map((name, i) => [name, 1 << i]));

interface Bucket {
  n: number;
  mask: number;
  first: LineRef;
  last: LineRef;
}

export interface Window {
  start: LineRef;
  end: LineRef;
  /** Line that follows the window, when there is one. */
  next?: LineRef;
  lines: number;
}

export interface PurgeWindow extends Window {
  normalPerMinute: number;
  perMinute: number;
  missing: string[];
}

export interface VolumeSummary {
  first: LineRef | null;
  last: LineRef | null;
  gaps: Window[];
  purged: PurgeWindow[];
  /** Whether any line was logged in [from, to]: a push cannot be missing from a log that does not cover it. */
  covers(from: number, to: number): boolean;
}

const MINUTE = 60_000;
const MAX_GAP_CANDIDATES = 1000;
/** Minutes of span beyond which the per-minute scan is skipped (a bogus timestamp can span decades). */
const MAX_SCAN_MINUTES = 2_000_000;

export class Volume {
  private readonly buckets = new Map<number, Bucket>();
  private current: Bucket | undefined;
  private currentMinute = NaN;
  private readonly previous: (LineRef | undefined)[] = [];
  private readonly gapCandidates: Window[] = [];

  constructor(private readonly gapMs: number) {}

  add(file: number, line: number, time: number, offset: number, process: string): void {
    const minute = Math.floor(time / MINUTE);
    let b = this.current;
    if (minute !== this.currentMinute || b === undefined) {
      b = this.buckets.get(minute);
      if (b === undefined) {
        b = { n: 0, mask: 0, first: { file, line, time, offset }, last: { file, line, time, offset } };
        this.buckets.set(minute, b);
      }
      this.current = b;
      this.currentMinute = minute;
    }
    b.n++;
    const bit = BUSY_BIT.get(process);
    if (bit !== undefined) b.mask |= bit;
    if (time < b.first.time) set(b.first, file, line, time, offset);
    if (time >= b.last.time) set(b.last, file, line, time, offset);
    const prev = this.previous[file];
    if (prev === undefined) {
      this.previous[file] = { file, line, time, offset };
      return;
    }
    if (time - prev.time >= this.gapMs && this.gapCandidates.length < MAX_GAP_CANDIDATES) {
      this.gapCandidates.push({ start: { ...prev }, end: { file, line, time, offset }, lines: 0 });
    }
    if (time >= prev.time) set(prev, file, line, time, offset);
  }

  /** [minute start (epoch ms), lines] for every minute from the first line to the last, empty ones included. */
  perMinute(): [number, number][] {
    if (this.buckets.size === 0) return [];
    let first = Infinity;
    let last = -Infinity;
    for (const m of this.buckets.keys()) {
      first = Math.min(first, m);
      last = Math.max(last, m);
    }
    if (last - first > MAX_SCAN_MINUTES) return [];
    const out: [number, number][] = [];
    for (let m = first; m <= last; m++) out.push([m * MINUTE, this.buckets.get(m)?.n ?? 0]);
    return out;
  }

  summary(): VolumeSummary {
    const minutes = [...this.buckets.keys()].sort((a, b) => a - b);
    const buckets = this.buckets;
    const covers = (from: number, to: number): boolean => {
      for (let m = Math.floor(from / MINUTE); m <= Math.floor(to / MINUTE); m++) {
        const b = buckets.get(m);
        if (b && b.last.time >= from && b.first.time <= to) return true;
        if (m - Math.floor(from / MINUTE) > 10_000) return false;
      }
      return false;
    };
    if (minutes.length === 0) return { first: null, last: null, gaps: [], purged: [], covers };
    const firstB = buckets.get(minutes[0] as number) as Bucket;
    const lastB = buckets.get(minutes[minutes.length - 1] as number) as Bucket;
    return {
      first: firstB.first,
      last: lastB.last,
      gaps: this.gaps(minutes),
      purged: this.purged(minutes),
      covers,
    };
  }

  /** Per-file silences that no other input fills. */
  private gaps(minutes: number[]): Window[] {
    const out: Window[] = [];
    for (const g of this.gapCandidates) {
      const from = Math.floor(g.start.time / MINUTE) + 1;
      const to = Math.floor(g.end.time / MINUTE) - 1;
      const i = lowerBound(minutes, from);
      const filled = i < minutes.length && (minutes[i] as number) <= to;
      if (!filled) out.push(g);
    }
    return out;
  }

  private purged(minutes: number[]): PurgeWindow[] {
    const first = minutes[0] as number;
    const last = minutes[minutes.length - 1] as number;
    if (minutes.length < 10 || last - first > MAX_SCAN_MINUTES) return [];
    const normal = weightedMedian(minutes.map((m) => (this.buckets.get(m) as Bucket).n));
    if (normal < 20) return [];
    const low = normal / 10;
    // A daemon is busy when it speaks in most of the minutes that have normal volume.
    const seen = new Array<number>(BUSY_DAEMONS.length).fill(0);
    let normalMinutes = 0;
    for (const m of minutes) {
      const b = this.buckets.get(m) as Bucket;
      if (b.n < low) continue;
      normalMinutes++;
      for (let i = 0; i < BUSY_DAEMONS.length; i++) if (b.mask & (1 << i)) (seen[i] as number)++;
    }
    let busyMask = 0;
    seen.forEach((count, i) => {
      if (count >= normalMinutes / 2) busyMask |= 1 << i;
    });
    if (popcount(busyMask) < 2) return [];
    const out: PurgeWindow[] = [];
    let run: Bucket[] = [];
    let runMask = 0;
    const close = (next: Bucket | undefined): void => {
      const populated = run.filter((b) => b.n > 0);
      if (populated.length >= 5 && (runMask & busyMask) === 0) {
        const lines = populated.reduce((s, b) => s + b.n, 0);
        const w: PurgeWindow = {
          start: (populated[0] as Bucket).first,
          end: (populated[populated.length - 1] as Bucket).last,
          lines,
          normalPerMinute: normal,
          perMinute: lines / run.length,
          missing: BUSY_DAEMONS.filter((_, i) => busyMask & (1 << i)),
        };
        if (next) w.next = next.first;
        out.push(w);
      }
      run = [];
      runMask = 0;
    };
    for (let m = first; m <= last; m++) {
      const b = this.buckets.get(m);
      if (b && b.n >= low) {
        if (run.length) close(b);
        continue;
      }
      run.push(b ?? EMPTY);
      if (b) runMask |= b.mask;
    }
    if (run.length) close(undefined);
    return out;
  }
}

const EMPTY: Bucket = Object.freeze({
  n: 0,
  mask: 0,
  first: { file: 0, line: 0, time: 0, offset: 0 },
  last: { file: 0, line: 0, time: 0, offset: 0 },
});

function set(ref: LineRef, file: number, line: number, time: number, offset: number): void {
  ref.file = file;
  ref.line = line;
  ref.time = time;
  ref.offset = offset;
}

function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The per-minute volume under which half of all lines were logged: the sparse part cannot drag it down. */
function weightedMedian(counts: number[]): number {
  const sorted = [...counts].sort((a, b) => a - b);
  const total = sorted.reduce((s, n) => s + n, 0);
  let acc = 0;
  for (const n of sorted) {
    acc += n;
    if (acc >= total / 2) return n;
  }
  return 0;
}

function popcount(v: number): number {
  let c = 0;
  for (let x = v; x; x &= x - 1) c++;
  return c;
}
