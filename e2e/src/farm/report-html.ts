/**
 * A farm run as one self-contained HTML page (inline CSS and SVG, no external asset, so it can be
 * mailed or attached to a ticket): the not-two-way rate (and the one-way rate beside it) per scenario ×
 * iOS version × engine with its interval, what the devices were (simulated or real), native vs page, time to first audio per direction, and every call that was not two-way with
 * its diagnosis.
 */
import { percentile } from '../rig/percentile.ts';
import { devicesSaid, outcomeOf } from './results.ts';
import type { FarmCall, FarmResults } from './results.ts';
import {
  callsNeeded,
  compareEngines,
  matrix,
  rateStats,
  zeroFailureUpperBound,
} from '@softphone/sfu/quality/stats.ts';
import type { CellStats, Interval, RateStats } from '@softphone/sfu/quality/stats.ts';

/** Why the silent direction was silent: no packets, no playout, or digital silence. */
const cause = (c: FarmCall): string | null =>
  (c.uplink?.heard === false ? c.uplink.unheardCause : c.downlink?.unheardCause) ?? null;

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A rate as a percentage with enough digits to tell 0.01 % from 0 %. */
export function pct(x: number): string {
  const v = x * 100;
  if (v === 0) return '0 %';
  const digits = Math.abs(v) >= 10 ? 1 : Math.abs(v) >= 1 ? 2 : Math.abs(v) >= 0.1 ? 3 : 4;
  return `${v.toFixed(digits)} %`;
}

const interval = (i: Interval): string => `${pct(i.rate)} [${pct(i.lower)}, ${pct(i.upper)}]`;

/** Tick step of about `count` ticks over [0, max]: 1, 2 or 5 times a power of ten. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

const cellLabel = (c: Pick<CellStats, 'scenario' | 'iosVersion' | 'engine'>): string =>
  `${c.scenario} · iOS ${c.iosVersion} · ${c.engine}`;

/**
 * Dot at the not-two-way rate, bar over its Wilson 95 % interval: a heading row per scenario, then one row
 * per iOS version × engine (scenario ids are too long to repeat on every row).
 */
function rateChart(cells: CellStats[]): string {
  const rowH = 22;
  const labelW = 150;
  const plotW = 640;
  const top = 30;
  const rows: ({ heading: string } | { cell: CellStats })[] = [];
  for (const c of cells) {
    const last = rows[rows.length - 1];
    const previous = last && 'cell' in last ? last.cell.scenario : null;
    if (previous !== c.scenario) rows.push({ heading: c.scenario });
    rows.push({ cell: c });
  }
  const height = top + rowH * rows.length + 10;
  const maxUpper = Math.max(...cells.map((c) => c.notTwoWayRate.upper), 0.001);
  const step = niceStep(maxUpper, 5);
  const max = Math.ceil(maxUpper / step) * step;
  const x = (v: number): number => labelW + (v / max) * plotW;
  const parts: string[] = [];
  for (let t = 0; t <= max + step / 2; t += step) {
    parts.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${top - 6}" y2="${height - 8}" class="grid"/>`,
      `<text x="${x(t)}" y="${top - 10}" class="tick" text-anchor="middle">${esc(pct(t))}</text>`,
    );
  }
  rows.forEach((row, i) => {
    const y = top + i * rowH + rowH / 2;
    if ('heading' in row) {
      parts.push(`<text x="4" y="${y + 4}" class="heading">${esc(row.heading)}</text>`);
      return;
    }
    const c = row.cell;
    const r = c.notTwoWayRate;
    parts.push(
      `<text x="${labelW - 10}" y="${y + 4}" text-anchor="end" class="label">iOS ${esc(c.iosVersion)} · ${esc(c.engine)}</text>`,
      `<line x1="${x(r.lower)}" x2="${x(r.upper)}" y1="${y}" y2="${y}" class="ci ${c.engine}"/>`,
      `<line x1="${x(r.lower)}" x2="${x(r.lower)}" y1="${y - 5}" y2="${y + 5}" class="ci ${c.engine}"/>`,
      `<line x1="${x(r.upper)}" x2="${x(r.upper)}" y1="${y - 5}" y2="${y + 5}" class="ci ${c.engine}"/>`,
      `<circle cx="${x(r.rate)}" cy="${y}" r="4.5" class="dot ${c.engine}"><title>${esc(
        `${cellLabel(c)}: ${c.notTwoWay} of ${c.calls} not two-way, ${interval(r)}`,
      )}</title></circle>`,
      `<text x="${x(r.upper) + 8}" y="${y + 4}" class="note">${c.notTwoWay}/${c.calls}</text>`,
    );
  });
  const width = labelW + plotW + 50;
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Not-two-way rate per scenario with 95 % intervals">${parts.join('')}</svg>`;
}

/** Histogram of time to first audio, one panel per direction, on a shared axis. */
function ttfaChart(calls: FarmCall[]): string {
  const series = (['uplink', 'downlink'] as const).map((d) => ({
    d,
    values: calls.flatMap((c) => {
      const v = c[d]?.timeToFirstAudioMs;
      return v === null || v === undefined ? [] : [v];
    }),
  }));
  const all = series.flatMap((s) => s.values);
  if (all.length === 0) return '<p>No call had audio in either direction.</p>';
  const top = Math.max(percentile(all, 99) ?? 0, 1);
  const step = niceStep(top, 24);
  const bins = Math.max(1, Math.ceil(top / step));
  const panelW = 420;
  const panelH = 190;
  const left = 44;
  const parts: string[] = [];
  series.forEach((s, k) => {
    const ox = k * (panelW + 40);
    const counts = new Array<number>(bins + 1).fill(0);
    for (const v of s.values) {
      const i = Math.min(bins, Math.floor(v / step));
      counts[i] = (counts[i] ?? 0) + 1;
    }
    const maxCount = Math.max(...counts, 1);
    const bw = (panelW - left) / (bins + 1);
    const y = (n: number): number => 38 + (panelH - 68) * (1 - n / maxCount);
    const median = percentile(s.values, 50);
    const p95 = percentile(s.values, 95);
    const figures = `${s.values.length} calls${median === null ? '' : ` · median ${Math.round(median)} ms · p95 ${Math.round(p95 ?? 0)} ms`}`;
    parts.push(
      `<text x="${ox + left}" y="12" class="heading">${s.d === 'uplink' ? 'uplink (iPhone → far end)' : 'downlink (far end → iPhone)'}</text>`,
      `<text x="${ox + left}" y="27" class="note">${esc(figures)}</text>`,
      `<line x1="${ox + left}" x2="${ox + panelW}" y1="${y(0)}" y2="${y(0)}" class="axis"/>`,
      `<text x="${ox + left - 6}" y="${y(maxCount) + 4}" class="tick" text-anchor="end">${maxCount}</text>`,
      `<text x="${ox + left - 6}" y="${y(0) + 4}" class="tick" text-anchor="end">0</text>`,
    );
    counts.forEach((n, i) => {
      if (n === 0) return;
      const bx = ox + left + i * bw;
      const label =
        i === bins
          ? `≥ ${Math.round(i * step)} ms`
          : `${Math.round(i * step)}–${Math.round((i + 1) * step)} ms`;
      parts.push(
        `<rect x="${bx + 1}" y="${y(n)}" width="${bw - 2}" height="${y(0) - y(n)}" class="bar ${s.d}"><title>${esc(label)}: ${n}</title></rect>`,
      );
    });
    const tickEvery = Math.ceil((bins + 1) / 6);
    for (let i = 0; i <= bins; i += tickEvery)
      parts.push(
        `<text x="${ox + left + i * bw}" y="${y(0) + 16}" class="tick" text-anchor="middle">${i === bins ? '≥' : ''}${Math.round(i * step)}</text>`,
      );
    parts.push(
      `<text x="${ox + left + (panelW - left) / 2}" y="${panelH - 2}" class="tick" text-anchor="middle">answer → first audio (ms)</text>`,
    );
  });
  const width = 2 * panelW + 40;
  return `<svg viewBox="0 0 ${width} ${panelH + 6}" width="${width}" height="${panelH + 6}" role="img" aria-label="Time to first audio per direction">${parts.join('')}</svg>`;
}

/**
 * The run's headline, said with what it was measured on: the not-two-way rate over every call placed,
 * what those calls were, and the one-way rate beside it. The CLI prints the same sentence.
 */
export function ratesClaim(all: RateStats, on: string): string {
  if (all.calls === 0) return 'No call was placed.';
  if (all.notTwoWay === 0)
    return `On ${on}: all ${all.calls} calls two-way; the not-two-way rate is below ${pct(zeroFailureUpperBound(all.calls))} (one-sided 95 %, ≈ 3/n).`;
  const other = all.notTwoWay - all.oneWay - all.noAudio - all.misrouted - all.failed;
  const kinds = [
    `${all.oneWay} one-way`,
    `${all.noAudio} no audio`,
    `${all.misrouted} misrouted`,
    `${all.failed} failed`,
    ...(other ? [`${other} other`] : []),
  ];
  return (
    `On ${on}: ${all.notTwoWay} of ${all.calls} calls not two-way (${kinds.join(', ')}): ${interval(all.notTwoWayRate)} (Wilson 95 %); ` +
    `one-way ${all.oneWay} of ${all.oneWay + all.twoWay} calls with audio: ${interval(all.oneWayRate)}.`
  );
}

function matrixTable(cells: CellStats[]): string {
  const rows = cells.map((c) => {
    const bound =
      c.zeroFailureUpper95 === null ? '' : `≤ ${pct(c.zeroFailureUpper95)} (one-sided, 0 of ${c.calls})`;
    return `<tr><td>${esc(c.scenario)}</td><td>${esc(c.iosVersion)}</td><td>${esc(c.engine)}</td><td>${c.calls}</td><td>${c.twoWay}</td><td>${c.oneWay}${
      c.oneWay
        ? ` <small>(uplink ${c.oneWayBySilent.uplink}, downlink ${c.oneWayBySilent.downlink})</small>`
        : ''
    }</td><td>${c.noAudio}</td><td>${c.misrouted}</td><td>${c.failed}</td><td>${esc(interval(c.notTwoWayRate))}</td><td>${esc(interval(c.oneWayRate))}</td><td>${esc(bound)}</td></tr>`;
  });
  return `<table><thead><tr><th>scenario</th><th>iOS</th><th>engine</th><th>calls</th><th>two-way</th><th>one-way</th><th>no audio</th><th>misrouted</th><th>failed</th><th>not two-way / calls [Wilson 95 %]</th><th>one-way / calls with audio [Wilson 95 %]</th><th>zero-failure bound</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function enginesTable(cells: CellStats[]): string {
  const cmp = compareEngines(cells);
  if (cmp.length === 0) return '<p>No scenario ran on both engines.</p>';
  const rows = cmp.map(
    (c) =>
      `<tr><td>${esc(c.scenario)}</td><td>${esc(c.iosVersion)}</td><td>${c.native.notTwoWay}/${c.native.calls}</td><td>${c.page.notTwoWay}/${c.page.calls}</td><td>${esc(interval(c.difference))}</td><td>${
        c.difference.lower > 0
          ? 'native worse'
          : c.difference.upper < 0
            ? 'page worse'
            : 'no difference shown'
      }</td></tr>`,
  );
  return `<table><thead><tr><th>scenario</th><th>iOS</th><th>native not two-way</th><th>page not two-way</th><th>native − page [Newcombe 95 %]</th><th>reading</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function failedTable(calls: FarmCall[]): string {
  const bad = calls.filter((c) => c.verdict !== 'two-way');
  if (bad.length === 0) return '<p>Every call was two-way.</p>';
  const rows = bad.map((c) => {
    const o = outcomeOf(c);
    const what =
      c.outcome === 'failed'
        ? `failed${c.error ? `: ${c.error}` : ''}`
        : c.verdict === 'one-way'
          ? `one-way, ${o.silent ?? '?'} silent${cause(c) ? ` (${cause(c)})` : ''}`
          : (c.verdict ?? '?');
    const diagnosis = c.diagnosis
      ? `<b>${c.diagnosis.scenarioIds.map(esc).join(', ') || 'nothing found'}</b>${
          c.diagnosis.evidence.length
            ? `<pre>${c.diagnosis.evidence
                .map((e) =>
                  esc(
                    `${e.time}  ${e.process ?? ''}  ${e.message}${e.file ? `  (${e.file}:${e.line ?? '?'})` : ''}`,
                  ),
                )
                .join('\n')}</pre>`
            : ''
        }`
      : '<i>no diagnosis</i>';
    // Beside the results file, as the report is: the phone's log the evidence lines point into.
    const log = c.deviceLog ? ` <a href="${esc(c.deviceLog)}">device log</a>` : '';
    return `<tr><td>${c.index}</td><td>${esc(c.startedAt)}</td><td>${esc(c.scenario)}</td><td>${esc(c.device)}</td><td>${esc(c.iosVersion)}</td><td>${esc(c.engine)}</td><td>${esc(c.faults.join(', ') || '—')}</td><td>${esc(what)}</td><td>${diagnosis}${log}</td></tr>`;
  });
  return `<table class="failed"><thead><tr><th>#</th><th>started</th><th>scenario</th><th>device</th><th>iOS</th><th>engine</th><th>faults</th><th>result</th><th>diagnosis</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1b1f24;max-width:1160px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.meta{color:#57606a}.claim{background:#f6f8fa;border-left:4px solid #0969da;padding:8px 12px}
table{border-collapse:collapse;margin:6px 0;font-size:13px}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td:nth-child(n+4){font-variant-numeric:tabular-nums}
pre{margin:4px 0 0;font-size:11px;white-space:pre-wrap;max-width:560px}
svg{display:block;margin:6px 0}.grid{stroke:#eaeef2}.axis{stroke:#8c959f}.tick{font-size:11px;fill:#57606a}.label{font-size:12px;fill:#1b1f24}
.note{font-size:11px;fill:#57606a}.heading{font-size:12px;font-weight:600;fill:#1b1f24}.ci{stroke-width:2}.ci.native,.dot.native{stroke:#0969da;fill:#0969da}.ci.page,.dot.page{stroke:#bf3989;fill:#bf3989}
.bar.uplink{fill:#1a7f37}.bar.downlink{fill:#9a6700}.legend span{display:inline-block;margin-right:14px}
.sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
`;

export function renderFarmReport(results: FarmResults): string {
  const { run, calls } = results;
  const cells = matrix(calls.map(outcomeOf));
  const all = rateStats(calls.map(outcomeOf));
  const needed = callsNeeded(1e-4);
  const on = devicesSaid(calls.length ? calls.map((c) => c.device) : run.devices);
  const claim = ratesClaim(all, on);
  const title = `Farm run ${run.startedAt}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${CSS}</style></head><body>
<h1>${esc(title)}</h1>
<p class="meta">${esc(run.schema)} · devices ${esc(run.devices.join(', '))} · ${run.totalCalls !== undefined ? `${run.totalCalls} call(s) over ${run.scenarios.length} scenario(s)` : `${run.scenarios.length} scenario(s) × ${run.callsPerScenario} call(s)`} · seed ${run.seed ?? '—'} · ${calls.length} call(s) recorded${
    results.truncatedLastLine
      ? ' · <b>the last line was cut short (run killed mid-write) and is not counted</b>'
      : ''
  }</p>
<p class="claim">${esc(claim)} A claim of a rate below 0.01 % at 95 % needs ${needed.toLocaleString('en')} calls all two-way (${callsNeeded(1e-4, { failures: 1 }).toLocaleString('en')} with one), assuming independent calls.</p>
<h2>Not-two-way rate per scenario, iOS version and engine (${esc(on)})</h2>
<p class="legend"><span><i class="sw" style="background:#0969da"></i>native</span><span><i class="sw" style="background:#bf3989"></i>page</span>dot: calls not two-way (one-way, no audio, failed) / calls placed; bar: Wilson 95 % interval</p>
${cells.length ? rateChart(cells) : '<p>No calls.</p>'}
${matrixTable(cells)}
<h2>Native vs page engine</h2>
${enginesTable(cells)}
<h2>Time to first audio</h2>
${ttfaChart(calls)}
<h2>Calls that were not two-way (${calls.filter((c) => c.verdict !== 'two-way').length})</h2>
${failedTable(calls)}
</body></html>
`;
}
