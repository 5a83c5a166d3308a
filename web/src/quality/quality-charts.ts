/**
 * The page's plots, loaded on demand (a dynamic import) so the tables are on screen before the
 * charting library arrives. Observable Plot: SVG (its text is text, each mark can carry an
 * `aria-label`, the figure an `aria-label` and `aria-description`), interval marks without plugins,
 * maintained by Observable. The tables beside the charts carry every figure too.
 */
import * as Plot from '@observablehq/plot';
import type { QualityRow } from '@softphone/sfu/protocol';
import type { FarmRate } from './farm.ts';

export const percent = (p: number): string => `${(100 * p).toFixed(p > 0 && p < 0.01 ? 2 : 1)} %`;

/**
 * Plot writes a <style> element into each chart; the server's CSP (style-src 'self') refuses inline
 * styles, so it is dropped before the chart enters the page and quality.css has its rules.
 */
function withoutInlineStyle(chart: SVGSVGElement | HTMLElement): Element {
  chart.querySelectorAll('style').forEach((s) => s.remove());
  return chart;
}

/** One-way rate per group with its Wilson interval as a bar; the farm's rate for the same key beside it. */
export function rateChart(
  title: string,
  rows: QualityRow[],
  farm: Map<string, FarmRate> | null,
  width: number,
): Element {
  const keys = rows.map((r) => r.key);
  const lab = farm ? [...farm.values()].filter((f) => keys.includes(f.iosVersion)) : [];
  const marks: Plot.Markish[] = [
    Plot.ruleX([0]),
    Plot.link(rows, {
      x1: (r: QualityRow) => r.wilson.lo,
      x2: (r: QualityRow) => r.wilson.hi,
      y1: 'key',
      y2: 'key',
      stroke: '#1f7a4d',
      strokeWidth: 6,
      strokeOpacity: 0.35,
      ariaLabel: (r: QualityRow) =>
        `${r.key}, field: ${percent(r.oneWayRate)} one-way of ${r.calls} calls, 95 % interval ${percent(r.wilson.lo)} to ${percent(r.wilson.hi)}`,
    }),
    Plot.dot(rows, { x: 'oneWayRate', y: 'key', fill: '#1f7a4d', r: 4, ariaHidden: 'true' }),
  ];
  if (lab.length > 0)
    marks.push(
      Plot.link(lab, {
        x1: 'lo',
        x2: 'hi',
        y1: 'iosVersion',
        y2: 'iosVersion',
        stroke: '#8a4baf',
        strokeWidth: 2,
        dy: 8,
        ariaLabel: (f: FarmRate) =>
          `${f.iosVersion}, farm: ${percent(f.rate)} one-way of ${f.calls} calls, 95 % interval ${percent(f.lo)} to ${percent(f.hi)}`,
      }),
      Plot.dot(lab, {
        x: 'rate',
        y: 'iosVersion',
        dy: 8,
        symbol: 'diamond',
        fill: '#8a4baf',
        ariaHidden: 'true',
      }),
    );
  return withoutInlineStyle(
    Plot.plot({
      className: 'quality-plot',
      ariaLabel: title,
      ariaDescription:
        'One-way rate per group, dot at the rate, bar across its 95 % Wilson interval' +
        (lab.length > 0 ? '; the farm’s rate as a diamond below.' : '.'),
      // Room for the longest key at Plot's 10 px sans-serif (~6 px a character): a build's name
      // (`shell-simulator (qa)`, `web 1a2b3c4d5e6f`) was cut at a fixed 90 px.
      marginLeft: Math.max(40, 12 + 6 * Math.max(...keys.map((k) => k.length))),
      width,
      height: 40 + 34 * Math.max(1, keys.length),
      x: {
        label: 'one-way calls (95 % interval)',
        tickFormat: '.1%',
        domain: [0, Math.max(0.02, ...rows.map((r) => r.wilson.hi), ...lab.map((f) => f.hi))],
        grid: true,
      },
      y: { label: null, domain: keys },
      marks,
    }),
  );
}

/** The daily one-way rate, its interval as a band. */
export function trendChart(rows: QualityRow[], width: number): Element {
  const days = rows.map((r) => ({ ...r, date: new Date(`${r.key}T00:00:00Z`) }));
  return withoutInlineStyle(
    Plot.plot({
      className: 'quality-plot',
      ariaLabel: 'One-way rate per day',
      ariaDescription: 'Daily one-way rate as a line, its 95 % Wilson interval as a shaded band.',
      height: 220,
      width,
      x: { type: 'utc', label: null },
      y: {
        label: 'one-way',
        tickFormat: '.1%',
        grid: true,
        domain: [0, Math.max(0.02, ...rows.map((r) => r.wilson.hi))],
      },
      marks: [
        Plot.areaY(days, {
          x: 'date',
          y1: (d: QualityRow) => d.wilson.lo,
          y2: (d: QualityRow) => d.wilson.hi,
          fill: '#1f7a4d',
          fillOpacity: 0.15,
          ariaHidden: 'true',
        }),
        Plot.lineY(days, { x: 'date', y: 'oneWayRate', stroke: '#1f7a4d', ariaHidden: 'true' }),
        Plot.dot(days, {
          x: 'date',
          y: 'oneWayRate',
          fill: '#1f7a4d',
          r: 3,
          ariaLabel: (d: QualityRow) => `${d.key}: ${percent(d.oneWayRate)} one-way of ${d.calls} calls`,
        }),
      ],
    }),
  );
}
