/** Shared vocabulary of voip-doctor: what a log entry, a rule hit and a diagnosis are. */

export type Severity = 'fail' | 'warn' | 'event' | 'noise';

/** How much of an entry's instant the log itself stated; the rest came from --tz / --date. */
export type TimeBasis = 'absolute' | 'assumed-zone' | 'assumed-date';

export interface LogEntry {
  /** Index into the list of inputs; the reporters turn it back into a path. */
  file: number;
  /** 1-based line where the entry starts (multi-line messages keep their first line). */
  line: number;
  /** Epoch milliseconds, fractional part keeps the microseconds Apple prints. */
  time: number;
  /** UTC offset the log showed (or was assumed), in minutes, so times print as the device saw them. */
  offset: number;
  basis: TimeBasis;
  process: string;
  pid?: number;
  type?: string;
  subsystem?: string;
  category?: string;
  message: string;
}

/** What a reader takes from one record, before it knows the record's file and line. */
export type EntryFields = Omit<LogEntry, 'file' | 'line'>;

export interface Rule {
  id: string;
  /** Entry number in shared/docs/voip-log-signatures.md, section 1 (0 when the rule is ours). */
  catalog: number;
  severity: Severity;
  title: string;
  /** Plain ASCII literals, one of which must occur in the raw line; see rules/prefilter.ts. */
  needles: readonly string[];
  pattern: RegExp;
  /** Context-only signals (idle radio, one link change) are cited by detectors but not reported alone. */
  standalone: boolean;
  meaning: string;
  fix: string;
  source: string;
}

export interface Hit {
  entry: LogEntry;
  rule: Rule;
  /** Named groups of the rule's pattern (bundle id, error code, UUID …). */
  fields: Readonly<Record<string, string>>;
}

export interface LineRef {
  file: number;
  line: number;
  time: number;
  offset: number;
}

export interface Evidence {
  file: string;
  line: number;
  time: string;
  process?: string;
  message: string;
  rule?: string;
}

export interface Diagnosis {
  id: string;
  kind: 'scenario' | 'signature';
  severity: 'fail' | 'warn';
  title: string;
  summary: string;
  window: { start: string; end: string };
  evidence: Evidence[];
  /** How many matching lines there were; evidence lists at most a few of them. */
  count: number;
  meaning: string;
  fix: string;
  sources: string[];
}
