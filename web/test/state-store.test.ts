/** The page state's one setter: it says whether anything changed, and tells listeners only then. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StateStore } from '../src/call/state-store.ts';

describe('StateStore.set', () => {
  it('returns false and tells nobody when every field already has the value', () => {
    const store = new StateStore({ a: 1, b: 'x' });
    const seen: number[] = [];
    store.subscribe((s) => seen.push(s.a));
    assert.equal(store.set({ a: 1 }), false);
    assert.deepEqual(seen, [1]);
  });

  it('returns true and passes the state before the change to each listener', () => {
    const store = new StateStore({ a: 1, b: 'x' });
    const seen: [number, number][] = [];
    store.subscribe((s, prev) => seen.push([prev.a, s.a]));
    assert.equal(store.set({ a: 2, b: 'x' }), true);
    assert.deepEqual(seen, [
      [1, 1],
      [1, 2],
    ]);
    assert.deepEqual(store.state, { a: 2, b: 'x' });
  });
});
