/** The terminal report: what went wrong first, with evidence lines, then the time line around it. */
import type { DiagnosisGroup } from '../explain.ts';
import type { Diagnosis } from '../model.ts';
import type { Report, TimelineEvent } from '../report.ts';

const MAX_TIMELINE_LINES = 200;
const MAX_TIMELINE_LINES_GROUPED = 40;
const CONTEXT_MS = 60_000;

const MARK: Readonly<Record<string, string>> = { fail: 'FAIL', warn: 'WARN', event: '    ' };

function clip(s: string, n: number): string {
  const one = s.replace(/\s*\n\s*/g, ' ⏎ ');
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/** Evidence lines printed for a group of repeated findings; the rest are behind --verbose and --json. */
const GROUP_EVIDENCE = 4;

function evidenceLine(e: Diagnosis['evidence'][number]): string {
  return `       ${e.file}:${e.line}  ${e.time}  ${e.process ?? ''}  ${clip(e.message, 120)}`;
}

/** One block per kind of finding: the count and window of its repeats, why and fix once. */
function group(g: DiagnosisGroup, report: Report, verbose: boolean): string[] {
  const ds = g.diagnoses.map((i) => report.diagnoses[i] as Diagnosis);
  const first = ds[0] as Diagnosis;
  const n = ds.length;
  const role = g.rootCause
    ? '  ← likely root cause'
    : g.explainedBy
      ? `  (explained by ${g.explainedBy.id})`
      : '';
  const out = [`${MARK[g.severity]} ${g.id}  ${g.title}${n > 1 ? `  ×${n}` : ''}${role}`];
  if (n === 1) out.push(`     ${first.summary}`);
  else out.push(`     ${n} occurrences; first: ${first.summary}`);
  out.push(`     window: ${g.window.start} → ${g.window.end}${g.count > 1 ? `  (${g.count} lines)` : ''}`);
  if (verbose && n > 1) {
    for (const d of ds) {
      out.push(`     - ${d.window.start}  ${d.summary}`);
      for (const e of d.evidence) out.push(`  ${evidenceLine(e)}`);
    }
  } else {
    const evidence = ds.flatMap((d) => d.evidence);
    const shown = n > 1 ? evidence.slice(0, GROUP_EVIDENCE) : evidence;
    for (const e of shown) out.push(evidenceLine(e));
    if (evidence.length > shown.length)
      out.push(
        `       … ${evidence.length - shown.length} more evidence line(s): --verbose or --json lists them`,
      );
  }
  if (g.explainedBy) {
    const of = g.explainedBy.occurrences < n ? ` (${g.explainedBy.occurrences} of ${n})` : '';
    out.push(`     cause: ${g.explainedBy.id}${of}: ${g.explainedBy.because}`);
  }
  if (g.explains.length) out.push(`     explains: ${g.explains.join(', ')}`);
  out.push(
    `     why: ${first.meaning}`,
    `     fix: ${first.fix}`,
    `     see: ${first.sources.join(' ')}`,
    '',
  );
  return out;
}

/** Timeline entries worth printing: all of them when few, else those near each kind of finding's first. */
function selectTimeline(report: Report, verbose: boolean): TimelineEvent[] {
  const max = verbose ? MAX_TIMELINE_LINES : MAX_TIMELINE_LINES_GROUPED;
  if (report.timeline.length <= max) return report.timeline;
  const picked = verbose
    ? report.diagnoses
    : report.groups.map((g) => report.diagnoses[g.diagnoses[0] as number] as Diagnosis);
  const windows = picked.map((d) => [
    Date.parse(d.window.start) - CONTEXT_MS,
    Date.parse(d.window.start) +
      (verbose ? Date.parse(d.window.end) - Date.parse(d.window.start) : 0) +
      CONTEXT_MS,
  ]);
  return report.timeline
    .filter((e) =>
      windows.some(([a, b]) => Date.parse(e.time) >= (a as number) && Date.parse(e.time) <= (b as number)),
    )
    .slice(0, max);
}

/** Pushes listed one per line up to this many; beyond, one line per verdict unless --verbose. */
const MAX_PUSH_ROWS = 10;

function pushes(correlation: NonNullable<Report['correlation']>, verbose: boolean): string[] {
  const out = ['Pushes (server log × phone):'];
  if (verbose || correlation.length <= MAX_PUSH_ROWS) {
    for (const c of correlation) {
      const got = (['received', 'delivered', 'reported', 'answered', 'activated'] as const)
        .map((k) => (c.stages[k] ? k : `¬${k}`))
        .join(' ');
      const latency = c.latencyMs === null ? '' : ` ${c.latencyMs < 0 ? '' : '+'}${c.latencyMs} ms`;
      out.push(`  ${c.sent}  ${c.apnsId ?? c.callId ?? '?'}  ${c.verdict}${latency}  ${got}`);
    }
  } else {
    const byVerdict = new Map<string, typeof correlation>();
    for (const c of correlation) byVerdict.set(c.verdict, [...(byVerdict.get(c.verdict) ?? []), c]);
    for (const [verdict, rows] of byVerdict) {
      const first = rows[0] as (typeof rows)[number];
      const last = rows[rows.length - 1] as (typeof rows)[number];
      out.push(`  ${String(rows.length).padStart(4)} ${verdict.padEnd(18)} ${first.sent} → ${last.sent}`);
    }
    out.push(`  (${correlation.length} pushes; --verbose lists each)`);
  }
  out.push('');
  return out;
}

export function renderText(report: Report, opts: { verbose?: boolean } = {}): string {
  const out: string[] = [];
  const s = report.stats;
  out.push(
    `voip-doctor: ${s.files} input(s), ${s.entries} entries, ${s.hits} signature hits, ${s.first ?? '?'} → ${s.last ?? '?'}`,
  );
  for (const i of report.inputs) {
    const status = i.status === 'ok' ? '' : `  ${i.status.toUpperCase()}${i.error ? ` (${i.error})` : ''}`;
    const unknown = i.unknownLines
      ? `, ${i.unknownLines} unknown line(s) e.g. line ${i.unknownSamples[0]?.line}`
      : '';
    const trailer =
      i.role === 'device' && i.forms['ndjson'] && !i.trailer ? ', no ndjson trailer (export cut short?)' : '';
    out.push(
      `  ${i.path} [${i.role}] ${i.format}: ${i.lines} lines, ${i.entries} entries${unknown}${trailer}${status}`,
    );
    if (i.coverage === 'excerpt')
      out.push(
        `    an excerpt, not a full log: ${i.coverageReason}; its silences are not reported as log gaps`,
      );
  }
  for (const l of report.serverLogs) {
    out.push(
      `  ${l.path} [server] ${l.pushes} push(es), ${l.unknownLines} unknown line(s)${l.status === 'ok' ? '' : `  ${l.status.toUpperCase()}`}`,
    );
  }
  if (s.assumedDate)
    out.push(`  note: ${s.assumedDate} entries had no date; pass --date YYYY-MM-DD to place them.`);
  if (s.assumedZone)
    out.push(`  note: ${s.assumedZone} entries had no UTC offset; --tz was assumed for them.`);
  const noise = Object.values(s.noise).reduce((a, b) => a + b, 0);
  if (noise) out.push(`  benign noise recognised: ${noise} line(s) (${Object.keys(s.noise).join(', ')})`);
  out.push('');

  const fails = report.diagnoses.filter((d) => d.severity === 'fail').length;
  const warns = report.diagnoses.length - fails;
  const roots = report.groups.filter((g) => g.rootCause).map((g) => g.id);
  out.push(
    report.diagnoses.length
      ? `Diagnosis: ${fails} failure(s), ${warns} warning(s) of ${report.groups.length} kind(s)` +
          (roots.length ? `; likely root cause: ${roots.join(', ')}` : '')
      : 'Diagnosis: nothing wrong found.',
    '',
  );
  for (const g of report.groups) out.push(...group(g, report, opts.verbose ?? false));

  if (report.correlation) out.push(...pushes(report.correlation, opts.verbose ?? false));

  const shown = selectTimeline(report, opts.verbose ?? false);
  if (shown.length) {
    const all = shown.length === report.timeline.length && !report.timelineTruncated;
    out.push(
      all
        ? 'Timeline:'
        : `Timeline (${shown.length} of ${report.timeline.length + report.timelineTruncated} events, near the diagnoses; --json has them all):`,
    );
    for (const e of shown)
      out.push(
        `  ${e.time}  ${MARK[e.severity]}  ${e.rule.padEnd(32)} ${e.process}  ${clip(e.message, 100)}`,
      );
  }
  return `${out.join('\n')}\n`;
}
