/**
 * The operator page `/quality` in real Chromium, built as the product is, under the server's CSP for
 * scripts and styles. Its API (`/api/quality`, `/api/quality/recent-one-way`) is served here from
 * fixtures checked against the protocol's zod schemas, whose figures come from the shared statistics
 * module, so the page is tested against the contract rather than a particular server: figures at a
 * field's scale (bars, the zero-failure bound, a significant comparison, a farm run beside the
 * field). The page against the real server, with real calls, and its screenshots:
 * quality-field.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  QualityReportSchema,
  RecentOneWayReplySchema,
  type QualityReport,
  type QualityRow,
  type RecentOneWayReply,
} from '@softphone/sfu/protocol';
import { newcombeDifference, wilson, zeroFailureUpperBound } from '@softphone/sfu/quality/stats';
import type CDP from 'chrome-remote-interface';
import { DevToolsBrowser } from '../../src/stack/devtools-browser.ts';
import { REPO_ROOT } from '../../src/stack/softphone-server.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-quality-'));
const webDir = path.join(dir, 'dist');

/** A group's row as the server computes it: one-way over calls that carried audio. */
function row(
  key: string,
  counts: { twoWay: number; c2e: number; e2c: number; noAudio: number; failed: number },
): QualityRow {
  const oneWay = counts.c2e + counts.e2c;
  const carried = counts.twoWay + oneWay;
  const w = wilson(oneWay, carried);
  return {
    key,
    calls: carried + counts.noAudio + counts.failed,
    twoWay: counts.twoWay,
    oneWayC2e: counts.c2e,
    oneWayE2c: counts.e2c,
    noAudio: counts.noAudio,
    failed: counts.failed,
    oneWayRate: w.rate,
    wilson: { lo: w.lower, hi: w.upper },
    zeroFailureUpper: oneWay === 0 && carried > 0 ? zeroFailureUpperBound(carried) : null,
  };
}

const ROWS: Record<string, QualityRow[]> = {
  'ios-version': [
    row('17.7', { twoWay: 300, c2e: 0, e2c: 0, noAudio: 1, failed: 2 }),
    row('18.3.2', { twoWay: 1491, c2e: 3, e2c: 6, noAudio: 2, failed: 5 }),
    row('18.4.1', { twoWay: 1170, c2e: 4, e2c: 26, noAudio: 3, failed: 6 }),
  ],
  'app-version': [
    row('2.3.0', { twoWay: 1800, c2e: 5, e2c: 12, noAudio: 3, failed: 7 }),
    row('2.4.0', { twoWay: 1161, c2e: 2, e2c: 20, noAudio: 3, failed: 6 }),
  ],
  day: Array.from({ length: 7 }, (_, i) =>
    row(`2026-12-0${i + 1}`, { twoWay: 400 + 10 * i, c2e: i % 3, e2c: 2 + i, noAudio: 1, failed: 2 }),
  ),
};

function report(by: string, compare: string | null): QualityReport {
  const rows = ROWS[by] ?? [];
  const base = { by: by as QualityReport['by'], since: Date.UTC(2026, 11, 1), rows };
  if (!compare) return QualityReportSchema.parse(base);
  const [a, b] = compare.split(',');
  const ra = rows.find((r) => r.key === a);
  const rb = rows.find((r) => r.key === b);
  assert.ok(ra && rb, `compare ${compare}`);
  const oneWay = (r: QualityRow) => r.oneWayC2e + r.oneWayE2c;
  const carried = (r: QualityRow) => r.twoWay + oneWay(r);
  const d = newcombeDifference(oneWay(ra), carried(ra), oneWay(rb), carried(rb));
  return QualityReportSchema.parse({
    ...base,
    comparison: {
      a,
      b,
      difference: d.rate,
      interval: { lo: d.lower, hi: d.upper },
      significant: d.lower > 0 || d.upper < 0,
    },
  });
}

const iphone = {
  platform: 'ios-shell',
  os: 'iOS',
  osVersion: '18.4.1',
  model: 'iPhone15,2',
  appVersion: '2.4.0',
  engine: 'native',
  path: 'srflx',
  didActivateMs: null,
  activationFailed: true,
  watchdog: 'fired',
  pageFrozen: false,
} as const;
const browserParty = {
  platform: 'browser',
  os: 'Chrome',
  osVersion: '131',
  model: null,
  appVersion: '2.4.0',
  engine: 'browser',
  path: 'host',
  didActivateMs: null,
  activationFailed: false,
  watchdog: null,
  pageFrozen: false,
} as const;
const RECENT: RecentOneWayReply = RecentOneWayReplySchema.parse({
  calls: [
    {
      callId: 'c-2f9a',
      endedAt: Date.UTC(2026, 11, 7, 9, 14),
      verdict: 'one-way-e2c-silent',
      endReason: 'hung-up',
      caller: browserParty,
      callee: iphone,
      c2e: { firstRtpMs: 180, packets: 2950, stalls: 0, heard: true },
      e2c: { firstRtpMs: null, packets: 0, stalls: 1, heard: false },
      hint: 'callee (sending the silent direction): didActivate missing (CallKit never activated the audio session), activation-failed, watchdog fired',
    },
  ],
});

/** A farm run on iOS 18.4.1: 20 calls, 2 one-way (the iPhone's uplink silent). */
function farmJsonl(): string {
  const run = {
    type: 'run',
    schema: 'softphone-farm/1',
    startedAt: '2026-12-06T10:00:00Z',
    seed: 7,
    devices: ['simulated'],
    scenarios: ['locked/lock-screen/iphone-receives'],
    callsPerScenario: 20,
  };
  const dirn = (heard: boolean) => ({ heard, timeToFirstAudioMs: heard ? 250 : null });
  const calls = Array.from({ length: 20 }, (_, i) => ({
    type: 'call',
    index: i,
    startedAt: '2026-12-06T10:00:00Z',
    scenario: 'locked/lock-screen/iphone-receives',
    device: 'simulated',
    iosVersion: '18.4.1',
    engine: 'native',
    faults: [],
    iphoneRole: 'callee',
    outcome: 'measured',
    verdict: i < 2 ? 'one-way' : 'two-way',
    uplink: dirn(i >= 2),
    downlink: dirn(true),
    diagnosis: null,
  }));
  return [run, ...calls].map((l) => JSON.stringify(l)).join('\n') + '\n';
}

type Access = 'operator' | 'not-operator' | 'signed-out';

/** The built page and the API's fixtures, with the server's CSP for scripts and styles. */
function startFixtureServer(access: { now: Access }): Promise<http.Server> {
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.css': 'text/css',
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.setHeader('content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self'");
    if (url.pathname.startsWith('/api/quality')) {
      if (access.now !== 'operator') {
        res.writeHead(access.now === 'signed-out' ? 401 : 403, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: access.now === 'signed-out' ? 'unauthorized' : 'forbidden' }));
        return;
      }
      const body =
        url.pathname === '/api/quality/recent-one-way'
          ? RECENT
          : report(url.searchParams.get('by') ?? '', url.searchParams.get('compare'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      return;
    }
    const file = path.join(
      webDir,
      url.pathname === '/quality' ? 'quality.html' : path.normalize(url.pathname),
    );
    if (!file.startsWith(webDir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Waits, frame by frame, until `expression` is true in the page. */
async function until(browser: DevToolsBrowser, tab: CDP.Client, expression: string): Promise<void> {
  await browser.evaluate(
    tab,
    `new Promise((resolve) => { const poll = () => (${expression}) ? resolve(true) : requestAnimationFrame(poll); poll(); })`,
  );
}

const text = (selector: string) => `(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '')`;

describe('the operator page /quality', { timeout: 180_000 }, () => {
  const access: { now: Access } = { now: 'operator' };
  let server: http.Server;
  let url: string;
  let browser: DevToolsBrowser;
  before(async () => {
    execFileSync('npx', ['vite', 'build', '--outDir', webDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: path.join(REPO_ROOT, 'web'),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    [server, browser] = await Promise.all([startFixtureServer(access), DevToolsBrowser.launch()]);
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/quality`;
  });
  after(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('draws the rates per iOS and app version with intervals, the trend, the recent one-way calls; compares two groups; puts a farm run beside the field', async () => {
    access.now = 'operator';
    const { tab } = await browser.open(url, `document.querySelectorAll('figure svg').length >= 3`);
    try {
      // Each group's bar is labelled for a screen reader with its rate and interval.
      const labels = (await browser.evaluate(
        tab,
        `[...document.querySelectorAll('[data-test="chart-ios-version"] [aria-label]')].map((e) => e.getAttribute('aria-label'))`,
      )) as string[];
      assert.ok(
        labels.some((l) =>
          /^18\.4\.1, field: 2\.5 % one-way of 1209 calls, 95 % interval 1\.8 % to 3\.5 %$/.test(l),
        ),
        labels.join(' | '),
      );
      // Plot's inline <style> would be refused by the CSP: none is left in the page.
      assert.equal(await browser.evaluate(tab, `document.querySelectorAll('figure style').length`), 0);
      assert.match(
        (await browser.evaluate(tab, text('[data-test="rows-ios-version"] tr[data-key="17.7"]'))) as string,
        /none seen: below 0\.99 %/,
      );
      assert.match(
        (await browser.evaluate(tab, text('[data-test="hint"]'))) as string,
        /didActivate missing/,
      );

      await browser.evaluate(
        tab,
        `(() => { const f = document.querySelector('[data-test="compare"]');
          f.querySelector('[name="a"]').value = '18.4.1'; f.querySelector('[name="b"]').value = '18.3.2';
          f.requestSubmit(); })()`,
      );
      await until(browser, tab, `${text('[data-test="comparison"]')}.includes('18.4.1 − 18.3.2')`);
      assert.match(
        (await browser.evaluate(tab, text('[data-test="comparison"]'))) as string,
        /\+1\.90 pp .*a significant difference/s,
      );

      await browser.evaluate(
        tab,
        `(() => { const input = document.querySelector('[data-test="farm-file"]'); const dt = new DataTransfer();
          dt.items.add(new File([${JSON.stringify(farmJsonl())}], 'farm-results.jsonl'));
          input.files = dt.files; input.dispatchEvent(new Event('change', { bubbles: true })); })()`,
      );
      await until(browser, tab, `document.querySelector('tr[data-key="18.4.1"] [data-test="farm-rate"]')`);
      assert.match(
        (await browser.evaluate(tab, text('tr[data-key="18.4.1"] [data-test="farm-rate"]'))) as string,
        /10\.0 % \(2\.8 %–30\.1 %\) of 20/,
      );
      assert.match(
        (await browser.evaluate(tab, text('[data-test="farm-loaded"]'))) as string,
        /simulated iPhones/,
      );
      await until(
        browser,
        tab,
        `document.querySelector('[data-test="chart-ios-version"] [aria-label*="farm"]')`,
      );
    } finally {
      await tab.close();
    }
  });

  for (const [who, said] of [
    ['not-operator', /not an operator/],
    ['signed-out', /Sign in first/],
  ] as const) {
    it(`says why when the API refuses (${who})`, async () => {
      access.now = who;
      const { tab } = await browser.open(url, `document.querySelector('[data-test="error"]')`);
      try {
        assert.match((await browser.evaluate(tab, text('[data-test="error"]'))) as string, said);
        assert.equal(await browser.evaluate(tab, `document.querySelectorAll('table').length`), 0);
      } finally {
        await tab.close();
      }
    });
  }
});
