/** The settings of several nodes: read as typed values, or refused with the setting named. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';

const load = (env: Record<string, string>) => loadConfig(env as NodeJS.ProcessEnv);

describe('cluster settings', () => {
  it('reads TURN_PEERS as addresses, and none by default', () => {
    assert.deepEqual(load({ TURN_PEERS: '203.0.113.12, 2001:db8::2' }).TURN_PEERS, [
      '203.0.113.12',
      '2001:db8::2',
    ]);
    assert.deepEqual(load({}).TURN_PEERS, []);
  });

  for (const [name, value] of [
    ['TURN_PEERS', '203.0.113.12,node-b'],
    ['REDIS_URL', 'http://10.98.0.2:6379'],
    ['DATABASE_URL', 'mysql://10.98.0.2/softphone'],
    ['NODE_ID', 'node a'],
    ['HOME_LOAD_THRESHOLD', '1.5'],
  ] as const)
    it(`refuses ${name}=${value}, naming it`, () => {
      assert.throws(() => load({ [name]: value }), new RegExp(`${name}:`));
    });
});
