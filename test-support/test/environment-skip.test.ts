import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { environmentSkip, MissingInCiError } from '../src/environment-skip.ts';

describe('environmentSkip', () => {
  it('runs the test when nothing is missing, in CI or not', () => {
    for (const env of [{}, { CI: 'true' }]) {
      assert.equal(environmentSkip(null, env), false);
      assert.equal(environmentSkip(undefined, env), false);
      assert.equal(environmentSkip(false, env), false);
    }
  });
  it('outside CI skips, saying why', () => {
    assert.equal(environmentSkip('needs root', {}), 'needs root');
    assert.equal(environmentSkip('needs root', { CI: 'false' }), 'needs root');
  });
  it('in CI fails with the reason instead of skipping', () => {
    assert.throws(
      () => environmentSkip('coturn is not installed', { CI: 'true' }),
      (e: unknown) => e instanceof MissingInCiError && /CI=true .*: coturn is not installed/.test(e.message),
    );
  });
});
