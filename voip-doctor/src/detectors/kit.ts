/**
 * What every scenario detector shares: the finding it produces, evidence references, clustering of
 * repeated lines into one finding, and a short look-back buffer. Detectors see hits in time order.
 */
import type { Hit, LineRef } from '../model.ts';
import type { PushTrace, ServerPush } from '../correlate.ts';
import type { VolumeSummary } from '../volume.ts';

export interface ScenarioSpec {
  id: string;
  title: string;
  meaning: string;
  fix: string;
  sources: string[];
  /** Rules whose every hit this detector reports, so they are not reported again as bare signatures. */
  covers: string[];
}

export interface EvidenceRef extends LineRef {
  process?: string;
  message: string;
  rule?: string;
}

export interface Finding {
  id: string;
  severity: 'fail' | 'warn';
  summary: string;
  start: number;
  end: number;
  offset: number;
  evidence: EvidenceRef[];
  count: number;
}

export interface DetectorOptions {
  /** Silence (ms) that counts as a log gap. */
  gapMs: number;
}

export interface FinishInput {
  volume: VolumeSummary;
  traces: PushTrace[];
  pushes: ServerPush[];
  /** Time of the last line read: a deadline after it cannot be judged. */
  lastTime: number;
  /** Inputs that are excerpts (lines picked out of a log), whose silences mean nothing. */
  excerpts: ReadonlySet<number>;
}

export interface Detector {
  onHit(hit: Hit): void;
  finish(input: FinishInput): Finding[];
}

export interface Shared {
  recent: Recent;
  options: DetectorOptions;
}

export const MAX_EVIDENCE = 8;

export function ref(hit: Hit): EvidenceRef {
  const e = hit.entry;
  return {
    file: e.file,
    line: e.line,
    time: e.time,
    offset: e.offset,
    process: e.process,
    message: e.message,
    rule: hit.rule.id,
  };
}

export function lineRef(r: LineRef, message: string): EvidenceRef {
  return { file: r.file, line: r.line, time: r.time, offset: r.offset, message };
}

export function finding(
  id: string,
  severity: Finding['severity'],
  summary: string,
  evidence: EvidenceRef[],
): Finding {
  const times = evidence.map((e) => e.time);
  return {
    id,
    severity,
    summary,
    start: Math.min(...times),
    end: Math.max(...times),
    offset: evidence[0]?.offset ?? 0,
    evidence: evidence.slice(0, MAX_EVIDENCE),
    count: evidence.length,
  };
}

/** Repeated lines of one problem (a kill logged three ways, a push dropped every minute) become one finding. */
export class Clusters {
  readonly all: Finding[] = [];
  private open: Finding | null = null;

  constructor(
    private readonly id: string,
    private readonly gapMs: number,
  ) {}

  /** Whether a hit at `time` would join the open finding. */
  joins(time: number): boolean {
    return this.open !== null && time - this.open.end <= this.gapMs;
  }

  /** Adds `evidence` to the open finding when within the gap, else starts one; says which happened. */
  add(time: number, severity: Finding['severity'], evidence: EvidenceRef[]): { f: Finding; fresh: boolean } {
    const open = this.open;
    if (open && open.severity === severity && time - open.end <= this.gapMs) {
      open.start = Math.min(open.start, ...evidence.map((e) => e.time));
      open.end = Math.max(open.end, time);
      open.count++;
      for (const e of evidence) {
        if (open.evidence.length >= MAX_EVIDENCE) break;
        if (!open.evidence.some((x) => x.file === e.file && x.line === e.line)) open.evidence.push(e);
      }
      return { f: open, fresh: false };
    }
    const f = finding(this.id, severity, '', evidence);
    f.count = 1;
    f.end = Math.max(f.end, time);
    this.open = f;
    this.all.push(f);
    return { f, fresh: true };
  }
}

const RECENT_MAX = 2000;

/** The hits of the last two minutes, for detectors that explain a failure by what led to it. */
export class Recent {
  private hits: Hit[] = [];

  push(hit: Hit): void {
    this.hits.push(hit);
    if (this.hits.length > RECENT_MAX * 2) this.hits = this.hits.slice(-RECENT_MAX);
  }

  /** Latest hit of one of `rules` at or after `since`, excluding `except`. */
  last(rules: readonly string[], since: number, except?: Hit): Hit | undefined {
    for (let i = this.hits.length - 1; i >= 0; i--) {
      const h = this.hits[i] as Hit;
      if (h.entry.time < since) return undefined;
      if (h !== except && rules.includes(h.rule.id)) return h;
    }
    return undefined;
  }

  /** All hits of `rules` in [since, now], oldest first. */
  since(rules: readonly string[], since: number): Hit[] {
    const out: Hit[] = [];
    for (let i = this.hits.length - 1; i >= 0; i--) {
      const h = this.hits[i] as Hit;
      if (h.entry.time < since) break;
      if (rules.includes(h.rule.id)) out.unshift(h);
    }
    return out;
  }

  get latest(): number {
    return this.hits.length ? (this.hits[this.hits.length - 1] as Hit).entry.time : -Infinity;
  }
}
