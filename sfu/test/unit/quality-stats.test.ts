// The shared rates module (sfu/src/quality/stats.ts) against published worked examples: the farm's
// report and the field's quality API both print these figures, so they must be the textbook ones.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newcombeDifference, wilson } from '../../src/quality/stats.ts';

const near = (actual: number, expected: number): void =>
  assert.ok(Math.abs(actual - expected) < 0.5e-4, `${actual} ≠ ${expected} (to 4 places)`);

describe('wilson: Newcombe RG, Stat Med 17 (1998) 857–872, table I, method 3 (score, no correction)', () => {
  // The same examples as Altman DG et al., "Statistics with Confidence" (2nd ed., 2000), chapter 6.
  const examples: [k: number, n: number, lower: number, upper: number][] = [
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ];
  for (const [k, n, lower, upper] of examples)
    it(`${k}/${n}: ${lower} to ${upper}`, () => {
      const w = wilson(k, n);
      near(w.lower, lower);
      near(w.upper, upper);
    });
});

describe('newcombeDifference: Newcombe RG, Stat Med 17 (1998) 873–890, table II, method 10', () => {
  const examples: [k1: number, n1: number, k2: number, n2: number, lower: number, upper: number][] = [
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [10, 10, 0, 20, 0.6791, 1],
  ];
  for (const [k1, n1, k2, n2, lower, upper] of examples)
    it(`${k1}/${n1} − ${k2}/${n2}: ${lower} to ${upper}`, () => {
      const d = newcombeDifference(k1, n1, k2, n2);
      assert.equal(d.rate, k1 / n1 - k2 / n2);
      near(d.lower, lower);
      near(d.upper, upper);
    });
});
