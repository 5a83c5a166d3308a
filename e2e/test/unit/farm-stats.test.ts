import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  callsNeeded,
  compareEngines,
  matrix,
  newcombeDifference,
  rateStats,
  wilson,
  zeroFailureUpperBound,
} from '@softphone/sfu/quality/stats.ts';
import type { CallOutcome } from '@softphone/sfu/quality/stats.ts';

const near = (actual: number, expected: number, digits = 4): void =>
  assert.ok(Math.abs(actual - expected) < 10 ** -digits, `${actual} ≠ ${expected}`);

describe('wilson', () => {
  it('matches the published 95 % limits', () => {
    const half = wilson(5, 10);
    near(half.lower, 0.2366);
    near(half.upper, 0.7634);
    const none = wilson(0, 10);
    assert.equal(none.lower, 0);
    near(none.upper, 0.2775);
    assert.equal(wilson(10, 10).upper, 1);
  });
  it('is vacuous without calls and refuses impossible counts', () => {
    assert.deepEqual(wilson(0, 0), { rate: 0, lower: 0, upper: 1 });
    assert.throws(() => wilson(3, 2), /0 ≤ k ≤ n/);
    assert.throws(() => wilson(0.5, 2), /integers/);
  });
});

describe('zeroFailureUpperBound', () => {
  it('is 1 − 0.05^(1/n), close to the rule of three', () => {
    near(zeroFailureUpperBound(100), 0.0295);
    near(zeroFailureUpperBound(3000), 3 / 3000, 5);
    assert.throws(() => zeroFailureUpperBound(0), /at least one call/);
  });
});

describe('newcombeDifference (hybrid score, Newcombe 1998)', () => {
  it("reproduces the paper's example 56/70 − 48/80", () => {
    const d = newcombeDifference(56, 70, 48, 80);
    near(d.rate, 0.2);
    near(d.lower, 0.0524);
    near(d.upper, 0.3339);
  });
  it('keeps a width when neither engine failed (0/10 − 0/20)', () => {
    const d = newcombeDifference(0, 10, 0, 20);
    assert.equal(d.rate, 0);
    near(d.lower, -0.1611);
    near(d.upper, 0.2775);
  });
});

describe('callsNeeded', () => {
  it('gives ≈ 30 000 failure-free calls to show a rate below 0.01 % at 95 %', () => {
    assert.equal(callsNeeded(1e-4), 29_956);
    assert.equal(callsNeeded(1e-4, { failures: 1 }), 47_437);
    assert.equal(callsNeeded(1e-4, { failures: 2 }), 62_956);
    assert.equal(callsNeeded(0.01), 299);
  });
  it('refuses a rate outside (0, 1)', () => {
    assert.throws(() => callsNeeded(0), /rate must be in \(0, 1\)/);
  });
});

const call = (over: Partial<CallOutcome>): CallOutcome => ({
  scenario: 'locked',
  iosVersion: '18.2',
  engine: 'native',
  outcome: 'measured',
  verdict: 'two-way',
  silent: null,
  ...over,
});

describe('matrix', () => {
  const calls = [
    ...Array.from({ length: 8 }, () => call({})),
    call({ verdict: 'one-way', silent: 'uplink' }),
    call({ verdict: 'no-audio' }),
    call({ outcome: 'failed', verdict: null }),
    ...Array.from({ length: 5 }, () => call({ engine: 'page' })),
    call({ engine: 'page', verdict: 'one-way', silent: 'downlink' }),
    call({ engine: 'page', verdict: 'one-way', silent: 'downlink' }),
    call({ scenario: 'foreground', iosVersion: '17.5' }),
  ];
  const cells = matrix(calls);
  it('counts per scenario × iOS version × engine', () => {
    assert.deepEqual(
      cells.map((c) => [c.scenario, c.iosVersion, c.engine, c.calls]),
      [
        ['foreground', '17.5', 'native', 1],
        ['locked', '18.2', 'native', 11],
        ['locked', '18.2', 'page', 7],
      ],
    );
    const native = cells[1];
    assert.equal(native?.twoWay, 8);
    assert.equal(native?.oneWay, 1);
    assert.deepEqual(native?.oneWayBySilent, { uplink: 1, downlink: 0 });
    assert.equal(native?.noAudio, 1);
    assert.equal(native?.failed, 1);
  });
  it('counts one-way, no-audio and failed calls as not two-way, over every call placed', () => {
    const native = cells[1];
    assert.equal(native?.notTwoWay, 3);
    assert.equal(native?.notTwoWayRate.rate, 3 / 11);
    assert.equal(native?.zeroFailureUpper95, null);
    near(cells[0]?.zeroFailureUpper95 ?? NaN, 0.95);
  });
  it('takes the one-way rate over the calls that carried audio: no-audio is not a success there', () => {
    // 8 two-way + 1 one-way: the no-audio call and the failed one are in the not-two-way rate instead.
    assert.equal(cells[1]?.oneWayRate.rate, 1 / 9);
  });
  it('a run of only no-audio and failed calls is not a clean run', () => {
    const bad = rateStats([call({ verdict: 'no-audio' }), call({ outcome: 'failed', verdict: null })]);
    assert.equal(bad.notTwoWayRate.rate, 1);
    assert.ok(bad.notTwoWayRate.lower > 0.15, 'two failures in two calls bound the rate away from 0');
    assert.equal(bad.zeroFailureUpper95, null, 'no "below x %" claim');
    assert.deepEqual(bad.oneWayRate, { rate: 0, lower: 0, upper: 1 }, 'no call carried audio: vacuous');
  });
  it('counts a verdict it does not know (e.g. misrouted) as not two-way', () => {
    const r = rateStats([call({}), call({ verdict: 'misrouted' })]);
    assert.equal(r.notTwoWay, 1);
    assert.equal(r.zeroFailureUpper95, null);
  });
  it('compares native with page where both ran', () => {
    const [cmp] = compareEngines(cells);
    assert.equal(compareEngines(cells).length, 1);
    assert.equal(cmp?.scenario, 'locked');
    // Not two-way: native 3 of 11 (one-way, no audio, failed), page 2 of 7.
    near(cmp?.difference.rate ?? NaN, 3 / 11 - 2 / 7);
    assert.ok((cmp?.difference.lower ?? 0) < 0 && (cmp?.difference.upper ?? 0) > 0, 'too few calls to tell');
  });
});
