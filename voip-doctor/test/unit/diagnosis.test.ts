/**
 * The report reads as a diagnosis: repeated findings grouped, the likely root cause first, no log gaps
 * in an excerpt, and the slow link-quality pattern of a weak cellular signal recognised.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { analyze } from '../../src/analyze.ts';
import { groupDiagnoses } from '../../src/explain.ts';
import type { Diagnosis } from '../../src/model.ts';
import { coverageOf } from '../../src/reader.ts';
import type { Report } from '../../src/report.ts';
import { renderText } from '../../src/reporters/text.ts';
import { UTC } from '../../src/time.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

async function run(device: string[], serverLogs: string[] = []): Promise<Report> {
  return analyze({
    inputs: device.map((path) => ({ path, role: 'device' })),
    serverLogs,
    zone: UTC,
    zoneGiven: false,
    serverZone: UTC,
    day: null,
    toleranceMs: 2000,
    maxDelayMs: 30_000,
    gapMs: 300_000,
  });
}

const forum = (): Promise<Report> =>
  run([fixture('forum-cellular-bfu.txt')], [fixture('forum-cellular-bfu-server.jsonl')]);

test('forum paste: 27 lost pushes are one group, explained by the flapping link, not 27 blocks', async () => {
  const r = await forum();
  assert.equal(r.diagnoses.filter((d) => d.id === 'push-never-reached-device').length, 27, 'JSON keeps each');
  const lost = r.groups.find((g) => g.id === 'push-never-reached-device');
  assert.equal(lost?.diagnoses.length, 27);
  assert.equal(lost?.explainedBy?.id, 'link-quality-flapping');
  const text = renderText(r);
  assert.equal(text.match(/^FAIL push-never-reached-device/gm)?.length, 1);
  assert.match(text, /push-never-reached-device {2}Push never reached the device {2}×27/);
  assert.ok(text.split('\n').length < 150, `text report has ${text.split('\n').length} lines`);
});

test('forum paste: before-first-unlock comes first and explains the kills, the block and the drops', async () => {
  const r = await forum();
  const first = r.groups[0];
  assert.equal(first?.id, 'before-first-unlock');
  assert.equal(first?.rootCause, true);
  assert.deepEqual(first?.explains, ['push-report-timeout-killed', 'push-dropped', 'voip-launch-blocked']);
  for (const id of first?.explains ?? [])
    assert.equal(r.groups.find((g) => g.id === id)?.explainedBy?.id, 'before-first-unlock', id);
  assert.deepEqual(
    r.groups.map((g) => g.id).slice(0, 4),
    ['before-first-unlock', 'push-report-timeout-killed', 'push-dropped', 'voip-launch-blocked'],
    'effects follow their cause',
  );
});

test('forum paste: an excerpt gets no log-gap warnings; a full export of the same night would', async () => {
  const r = await forum();
  assert.equal(r.inputs[0]?.coverage, 'excerpt');
  assert.equal(r.diagnoses.filter((d) => d.id === 'log-gap').length, 0);
  assert.match(renderText(r), /an excerpt, not a full log: 100 % of the entries match a rule/);
  const exported = await run([fixture('volume.log.gz')]);
  assert.equal(exported.inputs[0]?.coverage, 'export');
  assert.ok(exported.diagnoses.some((d) => d.id === 'log-gap'));
});

test('--verbose lists every occurrence and every push', async () => {
  const r = await forum();
  const verbose = renderText(r, { verbose: true });
  assert.equal(verbose.match(/ - \S+ {2}Push \S+ \(call c-\d+\) was sent and never logged/g)?.length, 27);
  assert.equal(verbose.match(/never-received/g)?.length, 27);
  assert.match(renderText(r), /27 never-received/);
});

test('coverage: a full export, a pasted selection and a sparse grep are told apart', () => {
  const hour = 3_600_000;
  assert.equal(coverageOf(1_302_574, 77, 2 * hour).coverage, 'export');
  assert.equal(coverageOf(117, 117, 8 * hour).coverage, 'excerpt');
  assert.equal(coverageOf(400, 12, 10 * hour).coverage, 'excerpt', '0.7 lines per minute');
  assert.equal(coverageOf(30, 3, 60_000).coverage, 'export', 'a one-minute snippet is too short to judge');
});

const diagnosis = (id: string, start: string, end = start): Diagnosis => ({
  id,
  kind: 'scenario',
  severity: 'fail',
  title: id,
  summary: '',
  window: { start, end },
  evidence: [],
  count: 1,
  meaning: '',
  fix: '',
  sources: [],
});

test('explains: a drop before the phone rebooted is not blamed on before-first-unlock', () => {
  const groups = groupDiagnoses([
    diagnosis('push-dropped', '2025-11-03T00:05:00.000Z'),
    {
      ...diagnosis('before-first-unlock', '2025-11-03T00:10:00.000Z', '2025-11-03T08:00:00.000Z'),
      severity: 'warn',
    },
  ]);
  assert.equal(groups.find((g) => g.id === 'push-dropped')?.explainedBy, null);
  assert.deepEqual(
    groups.map((g) => g.id),
    ['push-dropped', 'before-first-unlock'],
  );
});

test('explains: a chain kill → block → drop has one root; a lost push outside the flapping is not explained', () => {
  const groups = groupDiagnoses([
    diagnosis('push-report-timeout-killed', '2025-11-03T01:00:00.000Z'),
    diagnosis('voip-launch-blocked', '2025-11-03T01:20:00.000Z'),
    diagnosis('push-dropped', '2025-11-03T01:20:00.100Z'),
    {
      ...diagnosis('link-quality-flapping', '2025-11-03T03:00:00.000Z', '2025-11-03T04:00:00.000Z'),
      severity: 'warn',
    },
    diagnosis('push-never-reached-device', '2025-11-03T05:00:00.000Z'),
  ]);
  const by = (id: string) => groups.find((g) => g.id === id);
  assert.equal(by('voip-launch-blocked')?.explainedBy?.id, 'push-report-timeout-killed');
  assert.equal(by('push-dropped')?.explainedBy?.id, 'push-report-timeout-killed', 'the root, not the block');
  assert.deepEqual(by('push-report-timeout-killed')?.explains, ['voip-launch-blocked', 'push-dropped']);
  assert.equal(by('push-never-reached-device')?.explainedBy, null);
  assert.equal(by('link-quality-flapping')?.rootCause, false);
});

/** A deterministic PRNG, so the "realistic" timelines are the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** apsd lines in `log show` syslog style, one per change, at the given minutes after 00:00 UTC. */
async function linkLog(minutes: number[], iface = 'WWAN(pdp_ip0)'): Promise<Report> {
  const dir = await mkdtemp(join(tmpdir(), 'voip-doctor-link-'));
  try {
    let state = 'good';
    const lines = minutes.map((m) => {
      const next = state === 'good' ? 'poor' : 'good';
      const t = new Date(Date.UTC(2025, 10, 3) + m * 60_000).toISOString().replace('T', ' ').replace('Z', '');
      const line = `${t}+0000 iPhone apsd[101]: (PersistentConnection) [com.apple.apsd:connection] <private> Interface Manager: ${iface} LinkQuality changed from ${state} to ${next} (1)`;
      state = next;
      return line;
    });
    const file = join(dir, 'apsd.log');
    await writeFile(file, `${lines.join('\n')}\n`);
    return await run([file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function timeline(from: number, to: number, gap: () => number): number[] {
  const out: number[] = [];
  for (let m = from; m < to; m += gap()) out.push(m);
  return out;
}

test('link-quality-flapping: cellular flipping good↔poor every 3–9 minutes for 4 hours is one finding', async () => {
  const rnd = prng(834530);
  const r = await linkLog(timeline(60, 300, () => 3 + rnd() * 6));
  const found = r.diagnoses.filter((d) => d.id === 'link-quality-flapping');
  assert.equal(found.length, 1);
  const d = found[0] as Diagnosis;
  assert.ok(d.count >= 30, `${d.count} changes`);
  assert.match(d.summary, /WWAN\(pdp_ip0\) changed \d+ times in 3 h 5\d min \(every [3-9] min/);
  assert.equal(d.window.start, '2025-11-03T01:00:00.000Z');
});

test('link-quality-flapping: a phone that changes networks now and then is not flapping', async () => {
  const rnd = prng(7);
  assert.deepEqual((await linkLog(timeline(0, 600, () => 25 + rnd() * 20))).diagnoses, [], 'every 25–45 min');
  assert.deepEqual((await linkLog([60, 61.5])).diagnoses, [], 'one walk out of Wi-Fi and back');
  assert.deepEqual((await linkLog([60, 66, 72, 78, 84])).diagnoses, [], 'five changes in 24 minutes');
});

test('link-quality-flapping: the fast burst is still seen, and two slow episodes stay apart', async () => {
  const burst = await linkLog([60, 60.3, 60.7, 61.2]);
  assert.match(burst.diagnoses[0]?.summary ?? '', /4\+ times within 2 min/);
  const rnd = prng(99);
  const two = await linkLog([
    ...timeline(60, 150, () => 4 + rnd() * 4),
    ...timeline(300, 420, () => 4 + rnd() * 4),
  ]);
  assert.deepEqual(
    two.diagnoses.map((d) => d.window.start.slice(11, 16)),
    ['01:00', '05:00'],
  );
});
