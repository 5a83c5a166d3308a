import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { percentile } from '../../src/rig/percentile.ts';

describe('percentile (nearest rank)', () => {
  it('takes the nearest rank of the sorted sample', () => {
    const xs = [500, 100, 400, 200, 300];
    assert.equal(percentile(xs, 50), 300);
    assert.equal(percentile(xs, 95), 500);
    assert.equal(percentile(xs, 0), 100);
  });
  it('is null for no data', () => {
    assert.equal(percentile([], 50), null);
  });
});
