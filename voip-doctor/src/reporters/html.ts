/**
 * `--html`: one self-contained page (no scripts, no external assets) with an inline SVG picture of the
 * time line: one lane per subsystem, diagnosis windows shaded across the lanes, log volume underneath.
 */
import type { DiagnosisGroup } from '../explain.ts';
import type { Diagnosis } from '../model.ts';
import type { Lane, Report } from '../report.ts';

const LANES: readonly (Lane | 'server')[] = [
  'server',
  'push',
  'callkit',
  'audio',
  'app',
  'process',
  'device',
];
const COLOR: Readonly<Record<string, string>> = { fail: '#d62728', warn: '#ff7f0e', event: '#1f77b4' };
/** Width of one character of an 11 px monospace label. */
const LABEL_CHAR_W = 6.7;
/** Rows of diagnosis labels: a label takes the first row where it does not run into the one before. */
const LABEL_ROWS = 6;
const WIDTH = 1100;
const LEFT = 80;
const LANE_H = 28;
const VOLUME_H = 50;

const esc = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

function picture(report: Report): string {
  const times = [
    ...report.timeline.map((e) => Date.parse(e.time)),
    ...report.diagnoses.flatMap((d) => [Date.parse(d.window.start), Date.parse(d.window.end)]),
    ...report.volume.map((v) => Date.parse(v.time)),
  ].filter(Number.isFinite);
  if (times.length === 0) return '<p>No timed events.</p>';
  for (const c of report.correlation ?? []) times.push(Date.parse(c.sent));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1000);
  const plotW = WIDTH - LEFT - 20;
  const x = (t: number): number => LEFT + ((t - t0) / (t1 - t0)) * plotW;
  // Room for the rows of diagnosis labels above the lanes.
  const lanesTop = 8 + 12 * LABEL_ROWS;
  const volumeTop = lanesTop + LANES.length * LANE_H + 10;
  const height = volumeTop + VOLUME_H + 30;
  const parts: string[] = [];
  LANES.forEach((lane, i) => {
    const y = lanesTop + i * LANE_H;
    parts.push(
      `<text x="${LEFT - 8}" y="${y + 18}" text-anchor="end" class="lane">${lane}</text>`,
      `<line x1="${LEFT}" x2="${WIDTH - 20}" y1="${y + 14}" y2="${y + 14}" stroke="#ddd"/>`,
    );
  });
  // Every occurrence is shaded; only the first of each id is labelled (27 repeats would overprint), each
  // label in a row of its own where it would run into the one before it (LABEL_ROWS).
  const firsts = new Map<string, Diagnosis>();
  for (const d of report.diagnoses) {
    const a = x(Date.parse(d.window.start));
    const w = Math.max(x(Date.parse(d.window.end)) - a, 3);
    parts.push(
      `<rect x="${a.toFixed(1)}" y="${lanesTop}" width="${w.toFixed(1)}" height="${LANES.length * LANE_H}" fill="${COLOR[d.severity]}" fill-opacity="0.15" stroke="${COLOR[d.severity]}"><title>${esc(`${d.id}: ${d.summary}`)}</title></rect>`,
    );
    const seen = firsts.get(d.id);
    if (!seen || Date.parse(d.window.start) < Date.parse(seen.window.start)) firsts.set(d.id, d);
  }
  const rowEnds = new Array<number>(LABEL_ROWS).fill(-Infinity);
  for (const d of [...firsts.values()].sort(
    (p, q) => Date.parse(p.window.start) - Date.parse(q.window.start),
  )) {
    const a = x(Date.parse(d.window.start));
    const free = rowEnds.findIndex((end) => end < a);
    const row = free === -1 ? rowEnds.indexOf(Math.min(...rowEnds)) : free;
    rowEnds[row] = a + d.id.length * LABEL_CHAR_W + 8;
    parts.push(
      `<text x="${a.toFixed(1)}" y="${lanesTop - 6 - 12 * row}" class="diag" fill="${COLOR[d.severity]}">${esc(d.id)}</text>`,
    );
  }
  for (const e of report.timeline) {
    const y = lanesTop + LANES.indexOf(e.lane) * LANE_H + 14;
    parts.push(
      `<circle cx="${x(Date.parse(e.time)).toFixed(1)}" cy="${y}" r="${e.severity === 'event' ? 3.5 : 5}" fill="${COLOR[e.severity]}"><title>${esc(`${e.time} ${e.rule}\n${e.process}: ${e.message}`)}</title></circle>`,
    );
  }
  for (const c of report.correlation ?? []) {
    const y = lanesTop + 14;
    const color =
      c.verdict === 'ok' ? COLOR['event'] : c.verdict === 'unanswered' ? COLOR['warn'] : COLOR['fail'];
    const cx = x(Date.parse(c.sent));
    parts.push(
      `<path d="M${(cx - 6).toFixed(1)} ${y} l6 -6 l6 6 l-6 6 z" fill="${color}"><title>${esc(`${c.sent} push ${c.apnsId ?? c.callId ?? ''}: ${c.verdict}`)}</title></path>`,
    );
  }
  const peak = Math.max(1, ...report.volume.map((v) => v.lines));
  const stepMs =
    report.volume.length > 1
      ? Date.parse((report.volume[1] as { time: string }).time) -
        Date.parse((report.volume[0] as { time: string }).time)
      : 60_000;
  const barW = Math.max(1, x(t0 + stepMs) - x(t0) - 1);
  parts.push(
    `<text x="${LEFT - 8}" y="${volumeTop + VOLUME_H / 2}" text-anchor="end" class="lane">lines/min</text>`,
  );
  for (const v of report.volume) {
    const h = (v.lines / peak) * VOLUME_H;
    parts.push(
      `<rect x="${x(Date.parse(v.time)).toFixed(1)}" y="${(volumeTop + VOLUME_H - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="#888"><title>${esc(`${v.time}: ${v.lines} lines`)}</title></rect>`,
    );
  }
  for (let k = 0; k <= 4; k++) {
    const t = t0 + ((t1 - t0) * k) / 4;
    const iso = new Date(t).toISOString();
    const label = t1 - t0 > 86_400_000 ? iso.slice(0, 16).replace('T', ' ') : iso.slice(11, 19);
    parts.push(
      `<text x="${x(t).toFixed(1)}" y="${height - 8}" text-anchor="${k === 0 ? 'start' : k === 4 ? 'end' : 'middle'}" class="tick">${label}Z</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="timeline">${parts.join('')}</svg>`;
}

/** One block per kind of finding: root cause first, its repeats folded into a count (details open on click). */
function groupBlock(g: DiagnosisGroup, report: Report): string {
  const ds = g.diagnoses.map((i) => report.diagnoses[i] as Diagnosis);
  const first = ds[0] as Diagnosis;
  const rows = (d: Diagnosis): string =>
    d.evidence
      .map(
        (e) =>
          `<tr><td>${esc(e.file)}:${e.line}</td><td>${esc(e.time)}</td><td>${esc(e.process ?? '')}</td><td><code>${esc(e.message)}</code></td></tr>`,
      )
      .join('');
  const role = g.rootCause
    ? ' <b>likely root cause</b>'
    : g.explainedBy
      ? ` <span class="window">explained by <code>${esc(g.explainedBy.id)}</code></span>`
      : '';
  const links = first.sources.map((s) => `<a href="${esc(s)}">${esc(s)}</a>`).join('<br>');
  const cause = g.explainedBy ? `<p><b>Cause:</b> ${esc(g.explainedBy.because)}</p>` : '';
  const explains = g.explains.length
    ? `<p><b>Explains:</b> ${g.explains.map((id) => `<code>${esc(id)}</code>`).join(', ')}</p>`
    : '';
  const body =
    ds.length === 1
      ? `<p>${esc(first.summary)}</p><table>${rows(first)}</table>`
      : `<p>${ds.length} occurrences; first: ${esc(first.summary)}</p><details><summary>every occurrence</summary>${ds
          .map(
            (d) => `<p class="window">${esc(d.window.start)}: ${esc(d.summary)}</p><table>${rows(d)}</table>`,
          )
          .join('')}</details>`;
  return `<section class="${g.severity}"><h3>${g.severity.toUpperCase()} <code>${esc(g.id)}</code> ${esc(g.title)}${ds.length > 1 ? ` ×${ds.length}` : ''}${role}</h3>
<p class="window">${esc(g.window.start)} → ${esc(g.window.end)}${g.count > 1 ? ` (${g.count} lines)` : ''}</p>
${body}${cause}${explains}<p><b>Why:</b> ${esc(first.meaning)}</p><p><b>Fix:</b> ${esc(first.fix)}</p><p class="src">${links}</p></section>`;
}

export function renderHtml(report: Report): string {
  const s = report.stats;
  const inputs = report.inputs
    .map(
      (i) =>
        `<tr><td>${esc(i.path)}</td><td>${i.role}</td><td>${esc(i.format)}</td><td>${i.lines}</td><td>${i.entries}</td><td>${i.unknownLines}</td><td>${i.status}</td></tr>`,
    )
    .join('');
  const correlation = report.correlation
    ? `<h2>Pushes</h2><table><tr><th>sent</th><th>push</th><th>verdict</th><th>latency</th><th>received</th><th>delivered</th><th>reported</th><th>answered</th><th>activated</th></tr>${report.correlation
        .map(
          (c) =>
            `<tr><td>${esc(c.sent)}</td><td>${esc(c.apnsId ?? c.callId ?? '')}</td><td>${c.verdict}</td><td>${c.latencyMs ?? ''}</td>${(
              ['received', 'delivered', 'reported', 'answered', 'activated'] as const
            )
              .map((k) => `<td>${c.stages[k] ? `${esc(c.stages[k].file)}:${c.stages[k].line}` : '—'}</td>`)
              .join('')}</tr>`,
        )
        .join('')}</table>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>voip-doctor report</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222}code{font:12px ui-monospace,monospace}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
section{border-left:6px solid #1f77b4;padding:4px 12px;margin:12px 0}section.fail{border-color:#d62728}section.warn{border-color:#ff7f0e}
td code,.src{word-break:break-all}.lane{font:12px system-ui}.diag{font:11px ui-monospace,monospace}.tick{font:11px system-ui;fill:#555}.window,.src{color:#555}
</style></head><body>
<h1>voip-doctor</h1>
<p>${s.files} input(s), ${s.entries} entries, ${s.hits} signature hits, ${esc(s.first ?? '?')} → ${esc(s.last ?? '?')}</p>
<h2>Timeline</h2>
${picture(report)}
<h2>Diagnosis</h2>
${report.groups.length ? report.groups.map((g) => groupBlock(g, report)).join('\n') : '<p>Nothing wrong found.</p>'}
${correlation}
<h2>Inputs</h2><table><tr><th>file</th><th>role</th><th>format</th><th>lines</th><th>entries</th><th>unknown</th><th>status</th></tr>${inputs}</table>
</body></html>
`;
}
