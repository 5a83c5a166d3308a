import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli.ts';
import type { Report } from '../../src/report.ts';

const BIN = fileURLToPath(new URL('../../bin/voip-doctor.js', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function doctor(args: string[], stdinFile?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (stdinFile) createReadStream(stdinFile).pipe(child.stdin);
    else child.stdin.end();
  });
}

const json = (r: Run): Report => JSON.parse(r.stdout) as Report;

test('exit 0 and an empty diagnosis list for a healthy call', async () => {
  const r = await doctor([fixture('healthy-console.txt'), '--date', '2025-08-29', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = json(r);
  assert.equal(report.schemaVersion, 2);
  assert.deepEqual(report.diagnoses, []);
  assert.ok(report.timeline.length > 15);
  assert.equal(r.stderr, '', 'small inputs print no progress');
});

test('exit 1 when only warnings are found', async () => {
  const r = await doctor([fixture('idevicesyslog.txt'), '--date=2025-08-29', '--json']);
  assert.equal(r.code, 1);
  assert.deepEqual(
    json(r).diagnoses.map((d) => d.severity),
    ['warn', 'warn'],
  );
});

test('exit 2 with failures; the JSON carries id, severity, window and evidence', async () => {
  const r = await doctor([fixture('first-check.compact'), '--json']);
  assert.equal(r.code, 2);
  const [d] = json(r).diagnoses;
  assert.equal(d?.id, 'push-not-reported-killed');
  assert.equal(d?.severity, 'fail');
  assert.match(d?.window.start ?? '', /^2026-02-11T09:14:03\.241Z$/);
  assert.equal(d?.evidence[0]?.file, fixture('first-check.compact'));
  assert.equal(d?.evidence[0]?.line, 5);
});

test('exit 3 for a missing file, with the reason on stderr and the others still analysed', async () => {
  const r = await doctor([fixture('first-check.compact'), fixture('does-not-exist.log'), '--json']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /does-not-exist\.log: unreadable \(ENOENT\)/);
  const report = json(r);
  assert.equal(report.inputs[1]?.status, 'unreadable');
  assert.equal(report.diagnoses[0]?.id, 'push-not-reported-killed');
});

test('exit 3 for a file with no recognisable log line, whose lines are counted as unknown', async () => {
  const r = await doctor([fixture('not-a-log.txt'), '--json']);
  assert.equal(r.code, 3);
  const input = json(r).inputs[0];
  assert.equal(input?.status, 'unrecognized');
  assert.equal(input?.unknownLines, 2);
});

test('exit 3 for bad usage', async () => {
  assert.equal((await doctor([])).code, 3);
  const bad = await doctor([fixture('first-check.compact'), '--date', '29/08']);
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /--date needs YYYY-MM-DD/);
  assert.equal((await doctor(['--help'])).code, 0);
});

test('reads gzip from stdin and reports progress on stderr when the size is unknown', async () => {
  const r = await doctor(['-', '--json'], fixture('volume.log.gz'));
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(
    json(r).diagnoses.map((d) => d.id),
    ['log-purged', 'log-gap'],
  );
  assert.match(r.stderr, /voip-doctor: [\d.]+ MB, \d+ MB\/s/);
  const quiet = await doctor(['-', '-q', '--json'], fixture('volume.log.gz'));
  assert.equal(quiet.stderr, '');
});

test('--html writes a self-contained page with the timeline picture to --output', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'voip-doctor-'));
  try {
    const out = join(dir, 'report.html');
    const r = await doctor([fixture('audio.json'), '--html', '-o', out]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    const html = await readFile(out, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<svg [^>]*aria-label="timeline"/);
    assert.match(html, /audio-session-id-null/);
    assert.doesNotMatch(html, /<script/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the text report names the failure, its evidence lines and the fix', async () => {
  const r = await doctor([fixture('blocked.syslog')]);
  assert.equal(r.code, 2);
  assert.match(r.stdout, /FAIL push-dropped/);
  assert.match(
    r.stdout,
    new RegExp(`${fixture('blocked.syslog').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:11 `),
  );
  assert.match(r.stdout, /fix: /);
});

test('input arriving in tiny chunks gives the same diagnosis as a file read at once', async () => {
  const text = await readFile(fixture('second-check.ndjson'), 'utf8');
  const chunks = text.match(/[\s\S]{1,7}/g) ?? [];
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await main(['-', '--json', '-q'], {
    stdin: Readable.from(chunks.map((c) => Buffer.from(c))),
    stdout,
    stderr: new PassThrough(),
  });
  const whole = await doctor([fixture('second-check.ndjson'), '--json']);
  assert.equal(code, 2);
  const a = JSON.parse(out) as Report;
  const b = json(whole);
  assert.deepEqual(
    a.diagnoses.map((d) => [d.id, d.window, d.evidence.map((e) => e.line)]),
    b.diagnoses.map((d) => [d.id, d.window, d.evidence.map((e) => e.line)]),
  );
  assert.equal(a.stats.entries, b.stats.entries);
});
