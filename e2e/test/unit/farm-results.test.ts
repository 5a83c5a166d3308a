import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { renderFarmReport } from '../../src/farm/report-html.ts';
import {
  FARM_SCHEMA,
  FarmResultsWriter,
  outcomeOf,
  parseFarmResults,
  readFarmResults,
} from '../../src/farm/results.ts';
import type { FarmCall, FarmRun } from '../../src/farm/results.ts';

const run: FarmRun = {
  type: 'run',
  schema: FARM_SCHEMA,
  startedAt: '2026-12-01T09:00:00.000Z',
  seed: 13,
  devices: ['simulated'],
  scenarios: ['locked/lock-screen/iphone-receives', 'foreground/in-app/iphone-receives'],
  callsPerScenario: 2,
};

const call = (index: number, over: Partial<FarmCall> = {}): FarmCall => ({
  type: 'call',
  index,
  startedAt: `2026-12-01T09:00:${String(10 + index).padStart(2, '0')}.000Z`,
  scenario: 'locked/lock-screen/iphone-receives',
  device: 'simulated',
  iosVersion: '18.2',
  engine: 'native',
  faults: [],
  iphoneRole: 'callee',
  outcome: 'measured',
  verdict: 'two-way',
  uplink: { heard: true, timeToFirstAudioMs: 640 },
  downlink: { heard: true, timeToFirstAudioMs: 910 },
  diagnosis: null,
  ...over,
});

const oneWay = (index: number): FarmCall =>
  call(index, {
    faults: ['didActivate-missing'],
    verdict: 'one-way',
    uplink: { heard: false, timeToFirstAudioMs: null },
    diagnosis: {
      scenarioIds: ['audio-not-activated'],
      evidence: [{ time: '2026-12-01T09:00:12.100Z', process: 'Softphone', message: 'answered <script>' }],
    },
  });

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'farm-results-'));

describe('farm results (softphone-farm/1, JSON lines)', () => {
  it('appends one validated line per call and reads them back', () => {
    const file = path.join(tmp(), 'run.jsonl');
    const w = FarmResultsWriter.create(file, run);
    w.append(call(0));
    w.append(oneWay(1));
    const text = fs.readFileSync(file, 'utf8');
    assert.equal(text.split('\n').length, 4, 'run line, two calls, final newline');
    const back = readFarmResults(file);
    assert.deepEqual(
      back.calls.map((c) => c.verdict),
      ['two-way', 'one-way'],
    );
    assert.equal(back.truncatedLastLine, false);
    assert.deepEqual(outcomeOf(back.calls[1] as FarmCall).silent, 'uplink');
  });
  it('refuses a call that does not fit the schema before writing it', () => {
    const file = path.join(tmp(), 'run.jsonl');
    const w = FarmResultsWriter.create(file, run);
    assert.throws(() => w.append({ ...call(0), engine: 'webkit' as 'native' }));
    assert.equal(readFarmResults(file).calls.length, 0);
    assert.throws(() => FarmResultsWriter.create(file, run), /EEXIST/, 'never overwrites a run');
  });
  it('survives a crash mid-write: a cut-off last line is dropped and reported', () => {
    const full = `${JSON.stringify(run)}\n${JSON.stringify(call(0))}\n`;
    const cut = `${full}${JSON.stringify(call(1)).slice(0, 40)}`;
    const r = parseFarmResults(cut);
    assert.equal(r.calls.length, 1);
    assert.equal(r.truncatedLastLine, true);
  });
  it('names the line of a corrupt record', () => {
    const bad = `${JSON.stringify(run)}\n${JSON.stringify({ ...call(0), verdict: 'half' })}\n${JSON.stringify(call(1))}\n`;
    assert.throws(() => parseFarmResults(bad, 'x.jsonl'), /x\.jsonl:2: verdict/);
    assert.throws(
      () => parseFarmResults('{"type":"call"}\n', 'y.jsonl'),
      /y\.jsonl:1: not a softphone-farm\/1 run line/,
    );
    assert.throws(() => parseFarmResults(''), /empty file/);
  });
});

describe('renderFarmReport', () => {
  const html = renderFarmReport({
    run,
    calls: [
      call(0),
      oneWay(1),
      call(2, { engine: 'page' }),
      call(3, { outcome: 'failed', verdict: null, uplink: null, downlink: null, error: 'no answer' }),
    ],
    truncatedLastLine: false,
  });
  it('is self-contained: inline SVG, no external asset', () => {
    assert.equal((html.match(/<svg /g) ?? []).length, 2);
    assert.doesNotMatch(html, /<script|<link|src="http|href="http/);
  });
  it('shows the not-two-way rate over every call placed, the one-way rate beside it, and the calls a claim needs', () => {
    assert.match(html, /locked\/lock-screen\/iphone-receives · iOS 18\.2 · native/);
    assert.match(
      html,
      /2 of 4 calls not two-way \(1 one-way, 0 no audio, 0 misrouted, 1 failed\): 50\.0 % \[/,
    );
    assert.match(html, /one-way 1 of 3 calls with audio: 33\.3 % \[/);
    assert.match(html, /needs 29,956 calls all two-way/);
  });
  it('says the devices were simulated', () => {
    assert.match(html, /On simulated iPhones \(a model of the shell, not real phones\): 2 of 4/);
  });
  it('counts no-audio and misrouted calls against the headline, and says "real" for real phones', () => {
    const real = renderFarmReport({
      run: { ...run, devices: ['lab-iphone-15'] },
      calls: [
        call(0, { device: 'lab-iphone-15' }),
        call(1, { device: 'lab-iphone-15', verdict: 'no-audio' }),
        call(2, { device: 'lab-iphone-15', verdict: 'misrouted' }),
      ],
      truncatedLastLine: false,
    });
    assert.match(
      real,
      /On real iPhones \(lab-iphone-15\): 2 of 3 calls not two-way \(0 one-way, 1 no audio, 1 misrouted, 0 failed\)/,
    );
    assert.doesNotMatch(real, /simulated/);
  });
  it('lists the calls that were not two-way with their diagnosis, escaped', () => {
    assert.match(html, /one-way, uplink silent/);
    assert.match(html, /audio-not-activated/);
    assert.match(html, /answered &lt;script&gt;/);
    assert.match(html, /failed: no answer/);
  });
});
