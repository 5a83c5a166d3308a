import { LitElement, html, nothing, type TemplateResult } from 'lit';
import {
  QualityReportSchema,
  RecentOneWayReplySchema,
  type QualityDimension,
  type QualityParty,
  type QualityReport,
  type QualityRow,
  type OneWayCall,
} from '@softphone/sfu/protocol';
import type { z } from 'zod/mini';
import { farmSummary, type FarmSummary } from './farm.ts';

type Charts = typeof import('./quality-charts.ts');

const percent = (p: number): string => `${(100 * p).toFixed(p > 0 && p < 0.01 ? 2 : 1)} %`;
const points = (d: number): string => `${d >= 0 ? '+' : '−'}${(100 * Math.abs(d)).toFixed(2)} pp`;

/** Why the API said no, in words an operator can act on. */
class QualityApiError extends Error {}

async function getJson<T>(url: string, schema: z.ZodMiniType<T>): Promise<T> {
  const res = await fetch(url, { credentials: 'same-origin' });
  if (res.status === 401) throw new QualityApiError('Sign in first (on the phone page), then come back.');
  if (res.status === 403)
    throw new QualityApiError('This account is not an operator: operators are named in QUALITY_OPERATORS.');
  if (!res.ok) throw new QualityApiError(`${url}: HTTP ${res.status}`);
  return schema.parse(await res.json());
}

function party(p: QualityParty): string {
  if (p.platform === null) return 'device sent no report';
  const device = p.model ? ` ${p.model}` : '';
  const frozen = p.pageFrozen ? ' · page frozen' : '';
  return `${p.os ?? '?'} ${p.osVersion ?? '?'}${device} · app ${p.appVersion ?? '?'} · ${p.engine ?? '?'} · ${p.path ?? 'no path'}${frozen}`;
}

/**
 * The operator page: one-way audio in the field per iOS version and app version with intervals, the
 * daily trend, a comparison of two groups, the recent one-way calls, and a farm run beside the field.
 */
export class SpQuality extends LitElement {
  static override properties = {
    since: { state: true },
    reports: { state: true },
    recent: { state: true },
    error: { state: true },
    charts: { state: true },
    chartWidth: { state: true },
    farm: { state: true },
    farmError: { state: true },
    compareBy: { state: true },
    comparison: { state: true },
  };

  declare since: string;
  declare reports: Partial<Record<QualityDimension, QualityReport>>;
  declare recent: OneWayCall[] | null;
  declare error: string | null;
  declare charts: Charts | null;
  /** The charts' width: the page's, up to Plot's default 640 px (scaled down, their text was unreadable on a phone). */
  declare chartWidth: number;
  declare farm: FarmSummary | null;
  declare farmError: string | null;
  declare compareBy: QualityDimension;
  declare comparison: QualityReport | null;

  constructor() {
    super();
    this.since = '7d';
    this.reports = {};
    this.recent = null;
    this.error = null;
    this.charts = null;
    this.chartWidth = 640;
    this.farm = null;
    this.farmError = null;
    this.compareBy = 'ios-version';
    this.comparison = null;
  }

  // Light DOM: a page of its own, styled by quality.css, with nothing to encapsulate from.
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  private readonly resized = new ResizeObserver(() => {
    this.chartWidth = Math.min(640, Math.max(280, this.clientWidth));
  });

  override connectedCallback(): void {
    super.connectedCallback();
    this.resized.observe(this);
    void import('./quality-charts.ts').then((c) => (this.charts = c));
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resized.disconnect();
  }

  private async load(): Promise<void> {
    try {
      const report = (by: QualityDimension): Promise<QualityReport> =>
        getJson(`/api/quality?by=${by}&since=${encodeURIComponent(this.since)}`, QualityReportSchema);
      const [ios, app, day, recent] = await Promise.all([
        report('ios-version'),
        report('app-version'),
        report('day'),
        getJson('/api/quality/recent-one-way', RecentOneWayReplySchema),
      ]);
      this.reports = { 'ios-version': ios, 'app-version': app, day };
      this.recent = recent.calls;
      this.error = null;
    } catch (e) {
      this.error = e instanceof QualityApiError ? e.message : `Could not load the figures: ${String(e)}`;
    }
  }

  private async compare(form: HTMLFormElement): Promise<void> {
    const data = new FormData(form);
    const a = String(data.get('a') ?? '');
    const b = String(data.get('b') ?? '');
    if (!a || !b || a === b) return;
    try {
      this.comparison = await getJson(
        `/api/quality?by=${this.compareBy}&since=${encodeURIComponent(this.since)}&compare=${encodeURIComponent(`${a},${b}`)}`,
        QualityReportSchema,
      );
    } catch (e) {
      this.error = e instanceof QualityApiError ? e.message : String(e);
    }
  }

  private async loadFarm(input: HTMLInputElement): Promise<void> {
    const file = input.files?.[0];
    if (!file) return;
    try {
      this.farm = farmSummary(await file.text(), file.name);
      this.farmError = null;
    } catch (e) {
      this.farm = null;
      this.farmError = e instanceof Error ? e.message : String(e);
    }
  }

  private chart(render: (c: Charts) => Element): Element | TemplateResult {
    return this.charts ? render(this.charts) : html`<p class="muted">Loading the chart…</p>`;
  }

  private table(report: QualityReport, withFarm: boolean): TemplateResult {
    // Its own scroll box: on a phone the columns scroll, not the page (focusable, so a keyboard can).
    return html`<div
      class="table-scroll"
      role="region"
      aria-label="One-way audio by ${report.by}"
      tabindex="0"
    >
      <table data-test="rows-${report.by}">
        <caption class="visually-hidden">
          One-way audio by ${report.by}
        </caption>
        <thead>
          <tr>
            <th scope="col">${report.by}</th>
            <th scope="col">calls</th>
            <th scope="col">two-way</th>
            <th scope="col">one-way, caller unheard</th>
            <th scope="col">one-way, callee unheard</th>
            <th scope="col">no audio</th>
            <th scope="col">failed</th>
            <th scope="col">one-way rate (95 %)</th>
            ${withFarm && this.farm ? html`<th scope="col">farm (95 %)</th>` : nothing}
          </tr>
        </thead>
        <tbody>
          ${report.rows.map((r) => this.row(r, withFarm))}
        </tbody>
      </table>
    </div>`;
  }

  private row(r: QualityRow, withFarm: boolean): TemplateResult {
    const lab = withFarm ? this.farm?.byIosVersion.get(r.key) : undefined;
    const bound =
      r.zeroFailureUpper === null
        ? nothing
        : html`<br /><small>none seen: below ${percent(r.zeroFailureUpper)}</small>`;
    return html`<tr data-key=${r.key}>
      <th scope="row">${r.key}</th>
      <td>${r.calls}</td>
      <td>${r.twoWay}</td>
      <td>${r.oneWayC2e}</td>
      <td>${r.oneWayE2c}</td>
      <td>${r.noAudio}</td>
      <td>${r.failed}</td>
      <td data-test="rate">
        ${percent(r.oneWayRate)} (${percent(r.wilson.lo)}–${percent(r.wilson.hi)})${bound}
      </td>
      ${
        withFarm && this.farm
          ? html`<td data-test="farm-rate">
              ${lab ? `${percent(lab.rate)} (${percent(lab.lo)}–${percent(lab.hi)}) of ${lab.calls}` : '—'}
            </td>`
          : nothing
      }
    </tr>`;
  }

  private section(by: QualityDimension, title: string, withFarm: boolean): TemplateResult {
    const report = this.reports[by];
    if (!report) return html``;
    const farm = withFarm ? (this.farm?.byIosVersion ?? null) : null;
    return html`<section aria-labelledby="h-${by}">
      <h2 id="h-${by}">${title}</h2>
      ${
        report.rows.length === 0
          ? html`<p class="muted">No calls in this period.</p>`
          : html`<figure data-test="chart-${by}">
                ${this.chart((c) => c.rateChart(title, report.rows, farm, this.chartWidth))}
                <figcaption class="muted">
                  ● field one-way rate, bar: its 95 %
                  interval${farm ? ' · ◆ the farm run’s rate, line: its interval' : ''}
                </figcaption>
              </figure>
              ${this.table(report, withFarm)}`
      }
    </section>`;
  }

  private comparisonView(): TemplateResult {
    const keys = this.reports[this.compareBy]?.rows.map((r) => r.key) ?? [];
    const c = this.comparison?.comparison;
    return html`<section aria-labelledby="h-compare">
      <h2 id="h-compare">Compare two groups</h2>
      <form
        data-test="compare"
        @submit=${(e: Event) => {
          e.preventDefault();
          void this.compare(e.target as HTMLFormElement);
        }}
      >
        <label
          >By
          <select
            name="by"
            @change=${(e: Event) => {
              this.compareBy = (e.target as HTMLSelectElement).value as QualityDimension;
              this.comparison = null;
            }}
          >
            <option value="ios-version" ?selected=${this.compareBy === 'ios-version'}>iOS version</option>
            <option value="app-version" ?selected=${this.compareBy === 'app-version'}>app version</option>
          </select></label
        >
        <label
          >A
          <select name="a">
            ${keys.map((k, i) => html`<option ?selected=${i === 0}>${k}</option>`)}
          </select></label
        >
        <label
          >B
          <select name="b">
            ${keys.map((k, i) => html`<option ?selected=${i === 1}>${k}</option>`)}
          </select></label
        >
        <button type="submit">Compare</button>
      </form>
      ${
        c
          ? html`<p data-test="comparison" role="status" class=${c.significant ? 'significant' : ''}>
              ${c.a} − ${c.b}: <strong>${points(c.difference)}</strong> (95 % ${points(c.interval.lo)} to
              ${points(c.interval.hi)}) —
              ${c.significant ? 'a significant difference' : 'not significant: the interval includes no change'}
            </p>`
          : nothing
      }
    </section>`;
  }

  private recentView(): TemplateResult {
    const calls = this.recent;
    if (!calls) return html``;
    const dir = (d: OneWayCall['c2e']): string =>
      `${d.heard ? 'heard' : 'silent'} · ${d.packets} packets · first RTP ${d.firstRtpMs === null ? 'never' : `${d.firstRtpMs} ms`} · ${d.stalls} stalls`;
    return html`<section aria-labelledby="h-recent">
      <h2 id="h-recent">Recent one-way calls</h2>
      ${
        calls.length === 0
          ? html`<p class="muted">None.</p>`
          : html`<table data-test="recent" class="stacked">
              <thead>
                <tr>
                  <th scope="col">ended</th>
                  <th scope="col">silent</th>
                  <th scope="col">caller → callee</th>
                  <th scope="col">callee → caller</th>
                  <th scope="col">caller</th>
                  <th scope="col">callee</th>
                  <th scope="col">iPhone diagnosis</th>
                </tr>
              </thead>
              <tbody>
                ${calls.map(
                  (c) =>
                    html`<tr data-call=${c.callId}>
                      <td data-label="ended">
                        ${new Date(c.endedAt).toISOString().replace('T', ' ').slice(0, 16)}
                      </td>
                      <td data-label="silent">
                        ${c.verdict === 'one-way-c2e-silent' ? 'caller unheard' : 'callee unheard'}
                      </td>
                      <td data-label="caller → callee">${dir(c.c2e)}</td>
                      <td data-label="callee → caller">${dir(c.e2c)}</td>
                      <td data-label="caller">${party(c.caller)}</td>
                      <td data-label="callee">${party(c.callee)}</td>
                      <td data-label="iPhone diagnosis" data-test="hint">${c.hint ?? '—'}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
    </section>`;
  }

  override render(): TemplateResult {
    return html`<header>
        <h1>One-way audio in the field</h1>
        <label
          >Period
          <select
            @change=${(e: Event) => {
              this.since = (e.target as HTMLSelectElement).value;
              this.comparison = null;
              void this.load();
            }}
          >
            ${['1d', '7d', '30d', '90d'].map((s) => html`<option ?selected=${s === this.since}>${s}</option>`)}
          </select></label
        >
        <label
          >Farm results (.jsonl)
          <input
            type="file"
            accept=".jsonl,application/jsonl,text/plain"
            data-test="farm-file"
            @change=${(e: Event) => void this.loadFarm(e.target as HTMLInputElement)}
        /></label>
      </header>
      ${this.error ? html`<p role="alert" data-test="error">${this.error}</p>` : nothing}
      ${this.farmError ? html`<p role="alert" data-test="farm-error">${this.farmError}</p>` : nothing}
      ${
        this.farm
          ? html`<p data-test="farm-loaded">
              Farm: ${this.farm.name},
              ${this.farm.devices}${this.farm.truncatedLastLine ? ' (last line cut short, dropped)' : ''}
            </p>`
          : nothing
      }
      ${this.section('ios-version', 'One-way rate by iOS version', true)}
      ${this.section('app-version', 'One-way rate by app version', false)}
      ${
        this.reports.day && this.reports.day.rows.length > 0
          ? html`<section aria-labelledby="h-day">
              <h2 id="h-day">Daily trend</h2>
              <figure data-test="chart-day">
                ${this.chart((c) => c.trendChart(this.reports.day?.rows ?? [], this.chartWidth))}
              </figure>
            </section>`
          : nothing
      }
      ${this.comparisonView()} ${this.recentView()}`;
  }
}

customElements.define('sp-quality', SpQuality);

declare global {
  interface HTMLElementTagNameMap {
    'sp-quality': SpQuality;
  }
}
