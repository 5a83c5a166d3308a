/**
 * The simulated shell socket's reconnect backoff is socket.io-client-swift's, with the Swift's
 * options (`.reconnectWait(ShellPolicy.reconnectWait)`, `.reconnectWaitMax(ShellPolicy.reconnectWaitMax)`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconnectInterval } from '../src/shell-simulator/signalling/signalling-client.ts';

describe('the simulated shell socket: reconnects as socket.io-client-swift 16.1.1', () => {
  it('waits wait × 1.5^attempts plus up to half of it again, between 1 s and 5 s (SocketManager.swift:523-533)', () => {
    assert.equal(reconnectInterval(1, undefined, 0), 1_500);
    assert.equal(reconnectInterval(1, undefined, 0.5), 1_875);
    assert.equal(reconnectInterval(2, undefined, 0), 2_250);
    assert.equal(reconnectInterval(3, undefined, 0.5), 4_218.75);
    assert.equal(reconnectInterval(4, undefined, 0), 5_000, 'clamped to reconnectWaitMax');
    assert.equal(reconnectInterval(0, { waitMs: 1_000, waitMaxMs: 5_000, randomizationFactor: 0 }, 0), 1_000);
  });
});
