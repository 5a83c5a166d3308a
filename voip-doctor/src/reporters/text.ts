/** The terminal report: what went wrong first, with evidence lines, then the time line around it. */
import type { Diagnosis } from '../model.ts';
import type { Report, TimelineEvent } from '../report.ts';

const MAX_TIMELINE_LINES = 200;
const CONTEXT_MS = 60_000;

const MARK: Readonly<Record<string, string>> = { fail: 'FAIL', warn: 'WARN', event: '    ' };

function clip(s: string, n: number): string {
  const one = s.replace(/\s*\n\s*/g, ' ⏎ ');
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

function diagnosis(d: Diagnosis): string[] {
  const out = [
    `${MARK[d.severity]} ${d.id}  ${d.title}`,
    `     ${d.summary}`,
    `     window: ${d.window.start} → ${d.window.end}${d.count > 1 ? `  (${d.count}×)` : ''}`,
  ];
  for (const e of d.evidence)
    out.push(`       ${e.file}:${e.line}  ${e.time}  ${e.process ?? ''}  ${clip(e.message, 120)}`);
  out.push(`     why: ${d.meaning}`, `     fix: ${d.fix}`, `     see: ${d.sources.join(' ')}`, '');
  return out;
}

/** Timeline entries worth printing: all of them when few, else those near a diagnosis. */
function selectTimeline(report: Report): TimelineEvent[] {
  if (report.timeline.length <= MAX_TIMELINE_LINES) return report.timeline;
  const windows = report.diagnoses.map((d) => [
    Date.parse(d.window.start) - CONTEXT_MS,
    Date.parse(d.window.end) + CONTEXT_MS,
  ]);
  return report.timeline
    .filter((e) =>
      windows.some(([a, b]) => Date.parse(e.time) >= (a as number) && Date.parse(e.time) <= (b as number)),
    )
    .slice(0, MAX_TIMELINE_LINES);
}

export function renderText(report: Report): string {
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
  out.push(
    report.diagnoses.length
      ? `Diagnosis: ${fails} failure(s), ${warns} warning(s)`
      : 'Diagnosis: nothing wrong found.',
    '',
  );
  for (const d of report.diagnoses) out.push(...diagnosis(d));

  if (report.correlation) {
    out.push('Pushes (server log × phone):');
    for (const c of report.correlation) {
      const got = (['received', 'delivered', 'reported', 'answered', 'activated'] as const)
        .map((k) => (c.stages[k] ? k : `¬${k}`))
        .join(' ');
      const latency = c.latencyMs === null ? '' : ` ${c.latencyMs < 0 ? '' : '+'}${c.latencyMs} ms`;
      out.push(`  ${c.sent}  ${c.apnsId ?? c.callId ?? '?'}  ${c.verdict}${latency}  ${got}`);
    }
    out.push('');
  }

  const shown = selectTimeline(report);
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
