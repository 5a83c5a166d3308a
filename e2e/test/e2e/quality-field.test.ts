/**
 * Issue 21's acceptance through the real server: calls with real media between real Chromium
 * parties (two two-way, one whose callee's microphone is silent, one to the simulated iPhone whose
 * `didActivate` never comes) each leave a quality record, and the API, the operator page `/quality`
 * (served by the server, under its CSP, past the phone's service worker) and `npm run quality` show
 * them in the right rows with the right counts. Writes the page's screenshots at laptop and phone
 * sizes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  QualityReportSchema,
  RecentOneWayReplySchema,
  type QualityDimension,
  type QualityReport,
  type QualityRow,
  type RecentOneWayReply,
} from '@softphone/sfu/protocol';
import type CDP from 'chrome-remote-interface';
import { SIGNATURES, writeSignatureWav } from '../../src/audio/wav.ts';
import { DevTools } from '../../src/rig/devtools.ts';
import { IphoneParty } from '../../src/rig/iphone-party.ts';
import { placeCall, type PlaceCallOptions } from '../../src/rig/place-call.ts';
import { Rig } from '../../src/rig/rig.ts';
import { DevToolsBrowser } from '../../src/stack/devtools-browser.ts';
import { REPO_ROOT, startSoftphoneServer, type SoftphoneServer } from '../../src/stack/softphone-server.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-quality-field-'));
const SCREENSHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');
const wav = (name: string, sig: (typeof SIGNATURES)[keyof typeof SIGNATURES] | null) => {
  const f = path.join(dir, `${name}.wav`);
  writeSignatureWav(f, sig);
  return f;
};
const CALL: PlaceCallOptions = { holdMs: 1_500, heardTimeoutMs: 8_000 };
const WATCHDOG_MS = 2_500;
const tag = crypto.randomBytes(2).toString('hex');
/** The operator is the first rig's caller (usernames are display names lower-cased). */
const OPERATOR = `Ops-${tag}`;
const PEER = `Peer-${tag}`;

/** A group's counts, as the tables and the CLI show them. */
type Counts = Pick<QualityRow, 'calls' | 'twoWay' | 'oneWayC2e' | 'oneWayE2c' | 'noAudio' | 'failed'>;
const counts = (calls: number, twoWay: number, oneWayE2c: number): Counts => ({
  calls,
  twoWay,
  oneWayC2e: 0,
  oneWayE2c,
  noAudio: 0,
  failed: 0,
});
const countsOf = (r: QualityRow): Counts => ({
  calls: r.calls,
  twoWay: r.twoWay,
  oneWayC2e: r.oneWayC2e,
  oneWayE2c: r.oneWayE2c,
  noAudio: r.noAudio,
  failed: r.failed,
});
const byKey = (rows: QualityRow[]): Record<string, Counts> =>
  Object.fromEntries(rows.map((r) => [r.key, countsOf(r)]));

/**
 * Each call counts once under each distinct value its parties have: every call has a browser
 * party (the four callers), one has the simulated iPhone (iOS 18.5, native engine). Two-way: the
 * two tone calls; the callee's direction silent: the silent microphone and the iPhone.
 */
const EXPECTED: Partial<Record<QualityDimension, Record<string, Counts>>> = {
  platform: { browser: counts(4, 2, 2), 'ios-shell': counts(1, 0, 1) },
  engine: { browser: counts(4, 2, 2), native: counts(1, 0, 1) },
  'ios-version': { '18.5': counts(1, 0, 1) },
};

describe(
  'calls through the real server show up in /api/quality, on /quality and in npm run quality',
  { timeout: 600_000 },
  () => {
    let server: SoftphoneServer;
    let browser: DevToolsBrowser;
    let password = '';
    const callIds: Record<'twoWay1' | 'twoWay2' | 'silent' | 'iphone', string | null> = {
      twoWay1: null,
      twoWay2: null,
      silent: null,
      iphone: null,
    };

    /** Starts a rig of two parties on the server, runs `calls`, and stops the rig. */
    async function withRig(
      opts: Omit<Parameters<typeof Rig.start>[0], 'profile' | 'serverUrl'>,
      calls: (rig: Rig) => Promise<void>,
    ): Promise<void> {
      const rig = await Rig.start({ profile: 'linux-chromium', serverUrl: server.url, ...opts });
      try {
        await calls(rig);
      } finally {
        await rig.stop();
      }
    }

    before(async () => {
      fs.mkdirSync(path.join(dir, 'server'));
      server = await startSoftphoneServer({
        env: { QUALITY_OPERATORS: OPERATOR.toLowerCase() },
        logDir: path.join(dir, 'server'),
      });
      const tones = { caller: wav('caller', SIGNATURES.caller), callee: wav('callee', SIGNATURES.callee) };
      await withRig(
        { wav: tones, names: { caller: OPERATOR, callee: PEER }, logDir: path.join(dir, 'two-way') },
        async (rig) => {
          password = rig.caller.password;
          for (const k of ['twoWay1', 'twoWay2'] as const) {
            const r = await placeCall(0, rig.caller, rig.callee, CALL);
            assert.equal(r.verdict, 'two-way', r.error ?? JSON.stringify(r.directions));
            callIds[k] = r.callId;
          }
        },
      );
      await withRig(
        { wav: { caller: tones.caller, callee: wav('silent', null) }, logDir: path.join(dir, 'silent') },
        async (rig) => {
          const tools = await DevTools.attach(rig.callee.driver);
          try {
            const r = await placeCall(0, rig.caller, rig.callee, {
              ...CALL,
              // The callee's tab frozen and resumed mid-call (Page Lifecycle): its report says so.
              midCall: async () => {
                const page = (url: string) => url.startsWith(rig.url);
                await tools.setPageLifecycle(page, 'frozen');
                await tools.setPageLifecycle(page, 'active');
              },
            });
            assert.equal(r.verdict, 'one-way', r.error ?? JSON.stringify(r.directions));
            assert.deepEqual(r.silentDirections, ['callee->caller']);
            callIds.silent = r.callId;
          } finally {
            await tools.close();
          }
        },
      );
      await withRig(
        {
          wav: tones,
          logDir: path.join(dir, 'iphone'),
          calleeOnIphone: { query: `activationWatchdogMs=${WATCHDOG_MS}` },
        },
        async (rig) => {
          const phone = rig.callee;
          assert.ok(phone instanceof IphoneParty);
          // CallKit's audio session left in the `SessionID 0x0` state: didActivate never comes.
          await phone.setKnobs({ loseSessionAfterNextReport: true });
          const r = await placeCall(0, rig.caller, phone, {
            ...CALL,
            // The call ends once the shell's watchdog has given up on didActivate (and said so).
            midCall: async () => {
              await phone.driver.waitUntil(
                async () => (await phone.snapshot(1e9)).state.call?.audio === 'not-activated',
                { timeout: WATCHDOG_MS + 5_000, timeoutMsg: 'the phone never flagged the call' },
              );
            },
          });
          assert.equal(r.verdict, 'one-way', r.error ?? JSON.stringify(r.directions));
          assert.deepEqual(r.silentDirections, ['callee->caller']);
          callIds.iphone = r.callId;
        },
      );
      browser = await DevToolsBrowser.launch();
    });
    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    /**
     * One request on a connection of its own: the server closes idle keep-alive connections after
     * 5 s, and fetch's pool handed a request one the server was closing ("other side closed", after
     * the CLI's seconds).
     */
    function request(
      pathname: string,
      o: { method?: string; headers?: Record<string, string>; body?: string } = {},
    ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
      return new Promise((resolve, reject) => {
        const req = http.request(
          new URL(pathname, server.url),
          { method: o.method ?? 'GET', headers: o.headers ?? {}, agent: false },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          },
        );
        req.on('error', reject);
        req.end(o.body);
      });
    }

    /** The user's session cookie, for the API from here. */
    async function signIn(username: string): Promise<string> {
      const res = await request('/api/signin', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: new URL(server.url).origin },
        body: JSON.stringify({ username, password }),
      });
      assert.equal(res.status, 200, res.body);
      const cookie = res.headers['set-cookie']?.[0];
      assert.ok(cookie);
      return cookie.split(';')[0] ?? '';
    }

    async function api<T>(cookie: string, url: string, parse: (v: unknown) => T): Promise<T> {
      const res = await request(url, { headers: { cookie } });
      assert.equal(res.status, 200, `${url}: ${res.body}`);
      return parse(JSON.parse(res.body));
    }

    /** The records are written after each call ends: waits until all four are counted. */
    async function settledReport(cookie: string, by: QualityDimension): Promise<QualityReport> {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const report = await api(cookie, `/api/quality?by=${by}&since=1d`, (v) =>
          QualityReportSchema.parse(v),
        );
        const calls = report.rows.reduce((n, r) => n + r.calls, 0);
        const expected = Object.values(EXPECTED[by] ?? {}).reduce((n, c) => n + c.calls, 0);
        if (calls >= expected || Date.now() > deadline) return report;
        await new Promise((r) => setTimeout(r, 200));
      }
    }

    it('the API counts each call in its rows, and lists the two one-way calls with their directions and the iPhone hint', async () => {
      const cookie = await signIn(OPERATOR.toLowerCase());
      for (const [by, rows] of Object.entries(EXPECTED) as [QualityDimension, Record<string, Counts>][])
        assert.deepEqual(byKey((await settledReport(cookie, by)).rows), rows, `by ${by}`);
      const recent: RecentOneWayReply = await api(cookie, '/api/quality/recent-one-way', (v) =>
        RecentOneWayReplySchema.parse(v),
      );
      const silent = recent.calls.find((c) => c.callId === callIds.silent);
      const iphone = recent.calls.find((c) => c.callId === callIds.iphone);
      assert.equal(recent.calls.length, 2, JSON.stringify(recent));
      assert.ok(silent && iphone, JSON.stringify(recent));
      for (const c of [silent, iphone]) {
        assert.equal(c.verdict, 'one-way-e2c-silent');
        assert.equal(c.c2e.heard, true);
        assert.ok(c.c2e.packets > 0 && c.c2e.firstRtpMs !== null, JSON.stringify(c.c2e));
        assert.equal(c.e2c.heard, false);
      }
      // The silent microphone still sends (silence), the iPhone without its audio session nothing.
      assert.ok(silent.e2c.packets > 0, JSON.stringify(silent.e2c));
      assert.equal(iphone.e2c.packets, 0, JSON.stringify(iphone.e2c));
      assert.equal(silent.hint, null);
      assert.deepEqual([silent.caller.pageFrozen, silent.callee.pageFrozen], [false, true]);
      assert.equal(iphone.callee.platform, 'ios-shell');
      assert.equal(iphone.callee.didActivateMs, null);
      assert.equal(iphone.callee.activationFailed, true);
      assert.equal(
        iphone.hint,
        'callee (sending the silent direction): didActivate missing (CallKit never activated the audio session), activation-failed, watchdog fired',
      );
    });

    it('npm run quality reads the same rows from the server’s store', () => {
      for (const [by, rows] of Object.entries(EXPECTED)) {
        const out = execFileSync(
          'npm',
          ['run', '-s', 'quality', '--', '--by', by, '--since', '1d', '--json'],
          {
            cwd: REPO_ROOT,
            env: { ...process.env, DATA_DIR: server.dataDir },
            encoding: 'utf8',
          },
        );
        assert.deepEqual(byKey(QualityReportSchema.parse(JSON.parse(out)).rows), rows, `--by ${by}`);
      }
    });

    it('GET /quality is the operator page with the server’s CSP, revalidated; its assets are immutable', async () => {
      const res = await request('/quality');
      assert.equal(res.status, 200);
      assert.match(res.headers['content-type'] ?? '', /^text\/html/);
      assert.match(String(res.headers['content-security-policy']), /script-src 'self'; style-src 'self'/);
      assert.equal(res.headers['cache-control'], 'no-cache');
      const script = /src="(\/assets\/quality-[\w-]+\.js)"/.exec(res.body)?.[1];
      assert.ok(script, res.body);
      const asset = await request(script);
      assert.equal(asset.status, 200);
      assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    });

    /** Waits, frame by frame, until `expression` is true in the page; fails naming it after 15 s. */
    async function until(tab: CDP.Client, expression: string): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          browser.evaluate(
            tab,
            `new Promise((resolve) => { const poll = () => (${expression}) ? resolve(true) : requestAnimationFrame(poll); poll(); })`,
          ),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`the page never had ${expression}`)), 15_000);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    }
    const cells = (tab: CDP.Client, selector: string) =>
      browser.evaluate(
        tab,
        `[...document.querySelectorAll(${JSON.stringify(selector)})].map((tr) => [...tr.children].map((c) => c.textContent.trim().replace(/\\s+/g, ' ')))`,
      ) as Promise<string[][]>;
    const signInHere = (tab: CDP.Client, username: string) =>
      browser.evaluate(
        tab,
        `fetch('/api/signin', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: ${JSON.stringify(JSON.stringify({ username, password }))} }).then((r) => r.status)`,
      );

    it('the operator, on a browser where the phone page installed its service worker, sees the calls on /quality; screenshots', async () => {
      // The phone page first: its service worker then controls this origin's navigations.
      const phone = await browser.open(server.url, 'true');
      await browser.evaluate(phone.tab, 'navigator.serviceWorker.ready.then(() => true)');
      assert.equal(await signInHere(phone.tab, OPERATOR.toLowerCase()), 200);
      await phone.tab.close();

      const { tab } = await browser.open(
        new URL('/quality', server.url).href,
        `document.readyState === 'complete'`,
      );
      try {
        assert.equal(
          await browser.evaluate(tab, 'navigator.serviceWorker.controller !== null'),
          true,
          'the phone’s service worker does not control this origin: the check below proves nothing',
        );
        assert.equal(
          await browser.evaluate(tab, `document.title`),
          'Call quality — Softphone operators',
          'the service worker answered /quality with the phone page',
        );
        await until(
          tab,
          `document.querySelector('[data-test="recent"] tbody tr') && document.querySelectorAll('figure svg').length >= 2`,
        );
        const row = (c: Counts) =>
          [c.calls, c.twoWay, c.oneWayC2e, c.oneWayE2c, c.noAudio, c.failed].map(String);
        const ios = await cells(tab, '[data-test="rows-ios-version"] tbody tr');
        assert.deepEqual(
          ios.map((r) => r.slice(0, 7)),
          [['18.5', ...row(counts(1, 0, 1))]],
        );
        // App versions: the page's build (`web <commit>`) in every call, the simulator's in one.
        const apps = Object.fromEntries(
          (await cells(tab, '[data-test="rows-app-version"] tbody tr')).map((r) => [
            r[0]?.startsWith('web ') ? 'page build' : r[0],
            r.slice(1, 7),
          ]),
        );
        assert.deepEqual(apps, {
          'page build': row(counts(4, 2, 2)),
          'shell-simulator (qa)': row(counts(1, 0, 1)),
        });
        const recent = await cells(tab, '[data-test="recent"] tbody tr');
        assert.equal(recent.length, 2, JSON.stringify(recent));
        for (const r of recent) {
          assert.equal(r[1], 'callee unheard');
          assert.match(r[2] ?? '', /^heard · [1-9]\d* packets · first RTP \d+ ms · \d+ stalls$/);
          assert.match(r[3] ?? '', /^silent · \d+ packets · first RTP /);
        }
        const iphoneRow = recent.find((r) => /iOS 18\.5 iPhone15,2/.test(r[5] ?? ''));
        assert.ok(iphoneRow, JSON.stringify(recent));
        assert.match(iphoneRow[6] ?? '', /didActivate missing/);
        assert.match(iphoneRow[3] ?? '', /^silent · 0 packets · first RTP never/);
        const silentRow = recent.find((r) => r[6] === '—');
        assert.ok(silentRow, 'the silent browser callee has no iPhone hint');
        assert.match(silentRow[5] ?? '', / · page frozen$/);

        fs.mkdirSync(SCREENSHOTS, { recursive: true });
        for (const [file, width, height, mobile] of [
          ['quality-desktop.png', 1280, 800, false],
          ['quality-phone.png', 375, 667, true],
        ] as const) {
          await tab.Emulation.setDeviceMetricsOverride({
            width,
            height,
            screenWidth: width,
            screenHeight: height,
            deviceScaleFactor: 1,
            mobile,
          });
          // The charts are drawn again at the page's width, not scaled down.
          await until(
            tab,
            `screen.width === ${width} && [...document.querySelectorAll('figure svg')].every((svg) => svg.width.baseVal.value <= ${width})`,
          );
          // Nothing wider than the screen: a table too wide scrolls in its own box, not the page.
          assert.ok(
            ((await browser.evaluate(tab, 'document.documentElement.scrollWidth')) as number) <= width,
            `the page is wider than ${width} px`,
          );
          const shot = await tab.Page.captureScreenshot({ format: 'png', captureBeyondViewport: true });
          fs.writeFileSync(path.join(SCREENSHOTS, file), Buffer.from(shot.data, 'base64'));
        }
      } finally {
        await tab.close();
      }
    });

    it('someone signed in who is not an operator gets the page saying so, and no figures', async () => {
      const signing = await browser.open(server.url, 'true');
      assert.equal(await signInHere(signing.tab, PEER.toLowerCase()), 200);
      await signing.tab.close();
      const { tab } = await browser.open(
        new URL('/quality', server.url).href,
        `document.readyState === 'complete'`,
      );
      try {
        await until(tab, `document.querySelector('[data-test="error"]')`);
        assert.match(
          (await browser.evaluate(
            tab,
            `document.querySelector('[data-test="error"]').textContent`,
          )) as string,
          /not an operator/,
        );
        assert.equal(await browser.evaluate(tab, `document.querySelectorAll('table').length`), 0);
      } finally {
        await tab.close();
      }
    });
  },
);
