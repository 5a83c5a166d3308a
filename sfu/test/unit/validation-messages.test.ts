import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requests } from '../../src/protocol/index.ts';
import '../../src/validation-messages.ts';

test('a refused payload says what was wrong, not "Invalid input"', () => {
  const r = requests['media:publish'].payload.safeParse({ callId: 'not-a-uuid', sdp: '' });
  assert.deepEqual(
    r.error?.issues.map((i) => i.message),
    ['Invalid UUID', 'Too small: expected string to have >=1 characters'],
  );
});
