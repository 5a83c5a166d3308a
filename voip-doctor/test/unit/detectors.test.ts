import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { analyze } from '../../src/analyze.ts';
import type { AnalyzeOptions } from '../../src/analyze.ts';
import type { Diagnosis } from '../../src/model.ts';
import type { Report } from '../../src/report.ts';
import { UTC, parseDay } from '../../src/time.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

async function run(files: string[], extra: Partial<AnalyzeOptions> = {}): Promise<Report> {
  return analyze({
    inputs: files.map((f) => ({ path: fixture(f), role: 'device' })),
    serverLogs: [],
    zone: UTC,
    zoneGiven: false,
    serverZone: UTC,
    day: parseDay('2025-08-29'),
    toleranceMs: 2000,
    maxDelayMs: 30_000,
    gapMs: 300_000,
    ...extra,
  });
}

const ids = (r: Report): string[] => r.diagnoses.map((d) => `${d.id}:${d.severity}`);
const one = (r: Report, id: string): Diagnosis => {
  const found = r.diagnoses.filter((d) => d.id === id);
  assert.equal(found.length, 1, `${id} in ${ids(r).join(', ')}`);
  return found[0] as Diagnosis;
};
const lines = (d: Diagnosis): number[] => d.evidence.map((e) => e.line);

test('a healthy incoming call (Console copy) and outgoing call (log show) produce no diagnosis', async () => {
  const r = await run(['healthy-console.txt', 'healthy-default.log']);
  assert.deepEqual(ids(r), []);
  assert.deepEqual(r.stats.noise, { 'noise-coretelephony-xpc': 2, 'noise-lock-screen-transition': 1 });
  assert.equal(r.stats.unknownLines, 0);
  assert.equal(r.inputs[0]?.format, 'console');
  assert.equal(r.inputs[1]?.format, 'log-default');
  assert.equal(r.inputs[1]?.preambleLines, 3);
  const reported = r.timeline.find((e) => e.rule === 'callkit-incoming-reported');
  assert.match(reported?.message ?? '', /localizedCallerName=Alice/, 'multi-line message kept whole');
  assert.ok(r.timeline.some((e) => e.rule === 'callkit-outgoing-progress' && e.line === 4));
});

test('push-not-reported-killed: delivered, never reported, PushKit kills the app (compact style)', async () => {
  const r = await run(['first-check.compact']);
  assert.deepEqual(ids(r), ['push-not-reported-killed:fail']);
  const d = one(r, 'push-not-reported-killed');
  assert.deepEqual(lines(d), [5, 7, 8, 9]);
  assert.equal(d.window.start, '2026-02-11T09:14:03.241Z');
  assert.equal(r.inputs[0]?.assumedZone, r.inputs[0]?.entries);
});

test('push-report-timeout-killed and before-first-unlock: no PushKit connection, killed 7 s later (ndjson)', async () => {
  const r = await run(['second-check.ndjson']);
  assert.deepEqual(ids(r), ['push-report-timeout-killed:fail', 'before-first-unlock:warn']);
  const kill = one(r, 'push-report-timeout-killed');
  assert.match(kill.summary, /never opened its PushKit connection/);
  assert.deepEqual(kill.window, {
    start: '2025-11-03T07:40:12.623+01:00',
    end: '2025-11-03T07:40:19.850+01:00',
  });
  const bfu = one(r, 'before-first-unlock');
  assert.equal(bfu.evidence[0]?.rule, 'before-first-unlock');
  assert.equal(bfu.evidence.at(-1)?.rule, 'unlocked-since-boot');
  assert.deepEqual(r.inputs[0]?.trailer, { count: 65, finished: true });
  assert.equal(r.inputs[0]?.preambleLines, 1);
});

test('voip-launch-blocked and push-dropped follow an earlier kill (syslog style)', async () => {
  const r = await run(['blocked.syslog']);
  assert.deepEqual(ids(r).sort(), [
    'push-dropped:fail',
    'push-report-timeout-killed:fail',
    'voip-launch-blocked:fail',
    'voip-launch-blocked:warn',
  ]);
  const dropped = one(r, 'push-dropped');
  assert.deepEqual(lines(dropped), [9, 11], 'the APS message it came with, then the drop');
  const blocked = r.diagnoses.find((d) => d.id === 'voip-launch-blocked' && d.severity === 'fail');
  assert.match(blocked?.summary ?? '', /1 kill\(s\)/);
});

test('audio-session-id-null and audio-not-activated after the answer (json array)', async () => {
  const r = await run(['audio.json']);
  assert.deepEqual(ids(r), ['audio-session-id-null:fail', 'audio-not-activated:fail']);
  assert.equal(r.inputs[0]?.format, 'json');
  assert.match(one(r, 'audio-session-id-null').summary, /SessionID 0x0, 33 ms after the answer/);
  const silent = one(r, 'audio-not-activated');
  assert.equal(silent.window.end, '2025-07-14T12:44:28.200+02:00');
});

test('app-activated-audio-itself and insufficient priority in a mixed ticket paste', async () => {
  const r = await run(['ticket-paste.txt']);
  assert.deepEqual(ids(r), [
    'audio-activation-insufficient-priority:fail',
    'app-activated-audio-itself:warn',
  ]);
  assert.deepEqual(lines(one(r, 'app-activated-audio-itself')), [6]);
  assert.deepEqual(lines(one(r, 'audio-activation-insufficient-priority')), [7, 8]);
  const input = r.inputs[0];
  assert.equal(input?.unknownLines, 1);
  assert.equal(input?.unknownSamples[0]?.line, 1);
  assert.deepEqual(Object.keys(input?.forms ?? {}).sort(), ['console', 'idevicesyslog', 'paste']);
  assert.ok((input?.continuationLines ?? 0) >= 3, 'crash JSON lines continue their entry');
});

test('interruption-without-end: resumed only by didActivate, ended with the call, or nothing (syslog)', async () => {
  const r = await run(['interruption.syslog']);
  assert.deepEqual(ids(r), [
    'interruption-without-end:warn',
    'interruption-without-end:warn',
    'interruption-without-end:warn',
  ]);
  const [resumed, ended, nothing] = r.diagnoses as [Diagnosis, Diagnosis, Diagnosis];
  assert.match(resumed.summary, /line 4 .*audio resumed only by CallKit's didActivate at line 6\./);
  assert.deepEqual(lines(resumed), [4, 6]);
  assert.match(ended.summary, /line 8 .*the call ended at line 9\./);
  assert.deepEqual(lines(ended), [8, 9]);
  assert.match(nothing.summary, /line 13 .*nothing followed\./);
  assert.deepEqual(lines(nothing), [13]);
});

test('an interruption that ended, then CallKit reactivating the session, is no finding', async () => {
  const r = await run(['interruption-ended.syslog']);
  assert.deepEqual(ids(r), []);
  assert.equal(r.stats.rules['app-audio-did-activate'], 2, "the shell's wait for didActivate is not one");
});

test('audio-activated-twice: CallKit activates again without a deactivation (syslog)', async () => {
  const r = await run(['activated-twice.syslog']);
  assert.deepEqual(ids(r), ['audio-activated-twice:warn']);
  const d = one(r, 'audio-activated-twice');
  assert.deepEqual(lines(d), [3, 6], "callservicesd's lines, one per activation");
  assert.match(d.summary, /again at line 6, still active since line 3/);
});

test("audio-activated-twice from the app's lines alone counts each didActivate", async () => {
  const r = await run(['activated-twice-app.syslog']);
  assert.deepEqual(ids(r), ['audio-activated-twice:warn']);
  const d = one(r, 'audio-activated-twice');
  assert.deepEqual(lines(d), [2, 3, 4]);
  assert.equal(d.count, 3);
});

test('activate, deactivate, activate (the app told 1.6 s after callservicesd) is no finding', async () => {
  const r = await run(['activated-once.syslog']);
  assert.deepEqual(ids(r), []);
  assert.equal(r.stats.rules['callservicesd-audio-activation'], 2);
  assert.equal(r.stats.rules['app-audio-did-activate'], 2);
});

test('incoming-call-filtered and link-quality-flapping (idevicesyslog)', async () => {
  const r = await run(['idevicesyslog.txt']);
  assert.deepEqual(ids(r), ['link-quality-flapping:warn', 'incoming-call-filtered:warn']);
  assert.match(one(r, 'incoming-call-filtered').summary, /Do Not Disturb/);
  assert.deepEqual(lines(one(r, 'link-quality-flapping')), [1, 2, 3, 4]);
});

test('log-purged and log-gap from line volume (gzipped compact export)', async () => {
  const r = await run(['volume.log.gz']);
  assert.deepEqual(ids(r), ['log-purged:warn', 'log-gap:warn']);
  const purged = one(r, 'log-purged');
  assert.match(purged.summary, /busy daemons absent: kernel, SpringBoard/);
  assert.equal(purged.window.start, '2025-12-01T02:40:07.000Z');
  const gap = one(r, 'log-gap');
  assert.deepEqual(gap.window, { start: '2025-12-01T03:01:58.000Z', end: '2025-12-01T03:22:00.000Z' });
});

test('a gap in one file that another file covers is no gap', async () => {
  const r = await run(['volume.log.gz', 'volume.log.gz']);
  assert.equal(r.diagnoses.filter((d) => d.id === 'log-gap').length, 2, 'same silence in both copies');
  const filled = await run(['volume.log.gz', 'gap-filler.compact']);
  assert.deepEqual(ids(filled), ['log-purged:warn']);
});

test('signature rules that no scenario covers are reported on their own (localized Console copy)', async () => {
  const r = await run(['console-localized.txt']);
  assert.deepEqual(ids(r), ['callkit-transaction-failed:warn']);
  const d = one(r, 'callkit-transaction-failed');
  assert.equal(d.kind, 'signature');
  assert.equal(d.evidence[0]?.line, 4);
});

test('correlation: received, delivered, reported, answered, activated per push; zones and tolerance', async () => {
  const opts: Partial<AnalyzeOptions> = {
    inputs: [
      { path: fixture('corr-device.syslog'), role: 'device' },
      { path: fixture('corr-app.jsonl'), role: 'app' },
    ],
    serverLogs: [fixture('corr-server.jsonl')],
    serverZone: { kind: 'fixed', minutes: -240 },
  };
  const r = await run([], opts);
  const rows = r.correlation ?? [];
  assert.deepEqual(
    rows.map((c) => [c.callId, c.verdict]),
    [
      ['c-1001', 'ok'],
      ['c-1002', 'never-received'],
      ['c-1003', 'rejected-by-apns'],
    ],
  );
  assert.equal(rows[0]?.latencyMs, -1197);
  assert.equal(rows[0]?.stages.answered?.file, fixture('corr-app.jsonl'));
  assert.deepEqual(ids(r).sort(), [
    'aps-environment-mismatch:fail',
    'aps-environment-mismatch:warn',
    'push-never-reached-device:fail',
  ]);
  const strict = await run([], { ...opts, toleranceMs: 500 });
  assert.equal(strict.correlation?.[0]?.verdict, 'never-received', 'device clock 1.2 s ahead exceeds 0.5 s');
  const utc = await run([], { ...opts, serverZone: UTC });
  const c1002 = utc.correlation?.find((c) => c.callId === 'c-1002');
  assert.equal(c1002?.verdict, 'not-covered', '10:05 UTC is before the device log starts');
});
