/** The report every output format renders: this is the `--json` schema (documented in README.md). */
import type { Stage, Verdict } from './correlate.ts';
import type { DiagnosisGroup } from './explain.ts';
import type { Diagnosis, Severity } from './model.ts';
import type { InputStats } from './reader.ts';
import type { ServerLogStats } from './server-log.ts';

export type Lane = 'push' | 'callkit' | 'audio' | 'process' | 'device' | 'app';

export interface TimelineEvent {
  time: string;
  file: string;
  line: number;
  rule: string;
  severity: Exclude<Severity, 'noise'>;
  lane: Lane;
  title: string;
  process: string;
  message: string;
}

export interface StageRef {
  time: string;
  file: string;
  line: number;
}

export interface CorrelationRow {
  apnsId: string | null;
  callId: string | null;
  sent: string;
  status: number | null;
  reason: string | null;
  verdict: Verdict;
  latencyMs: number | null;
  stages: Record<Stage, StageRef | null>;
}

export interface Stats {
  files: number;
  bytes: number;
  lines: number;
  entries: number;
  hits: number;
  unknownLines: number;
  continuationLines: number;
  assumedZone: number;
  assumedDate: number;
  rules: Record<string, number>;
  noise: Record<string, number>;
  first: string | null;
  last: string | null;
  elapsedMs: number;
  mbPerSecond: number;
}

export interface Report {
  tool: 'voip-doctor';
  schemaVersion: 2;
  inputs: InputStats[];
  serverLogs: ServerLogStats[];
  stats: Stats;
  /** Every finding, failures first, then by time. */
  diagnoses: Diagnosis[];
  /** The same findings grouped by id, root causes first, each followed by what it explains. */
  groups: DiagnosisGroup[];
  timeline: TimelineEvent[];
  timelineTruncated: number;
  correlation: CorrelationRow[] | null;
  /** Lines per minute, for the volume strip of the HTML picture (at most 1440 points, merged when longer). */
  volume: { time: string; lines: number }[];
}
