import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IceRecovery, type RecoveryPolicy } from '../src/media/ice-recovery.ts';

const policy: RecoveryPolicy = { graceMs: 2_000, retryMs: 5_000, deadlineMs: 20_000 };

describe('ICE recovery', () => {
  it('lets a short blip heal by itself without a restart', () => {
    const r = new IceRecovery(policy);
    assert.equal(r.step('checking', 0), 'healthy', 'setting up is not a loss');
    assert.equal(r.step('connected', 100), 'healthy');
    assert.equal(r.step('disconnected', 1_000), 'wait');
    assert.equal(r.recovering, true);
    assert.equal(r.step('disconnected', 2_500), 'wait');
    assert.equal(r.step('connected', 2_900), 'healthy');
    assert.equal(r.recovering, false);
  });

  it('restarts a leg that stays disconnected past the grace period, once per retry period', () => {
    const r = new IceRecovery(policy);
    r.step('connected', 0);
    assert.equal(r.step('disconnected', 1_000), 'wait');
    assert.equal(r.step('disconnected', 3_000), 'restart');
    assert.equal(r.step('checking', 3_100), 'wait', 'the restart is under way');
    assert.equal(r.step('disconnected', 7_900), 'wait');
    assert.equal(r.step('disconnected', 8_000), 'restart');
    assert.equal(r.step('connected', 8_500), 'healthy');
  });

  it('restarts a failed leg at once', () => {
    const r = new IceRecovery(policy);
    r.step('connected', 0);
    assert.equal(r.step('failed', 10), 'restart');
  });

  it('gives up when the media has not come back within the deadline', () => {
    const r = new IceRecovery(policy);
    r.step('connected', 0);
    assert.equal(r.step('failed', 1_000), 'restart');
    assert.equal(r.step('checking', 6_000), 'restart', 'a restart that did not help is tried again');
    assert.notEqual(r.step('checking', 20_999), 'give-up');
    assert.equal(r.step('checking', 21_000), 'give-up');
  });

  it('a new loss after recovery gets the full deadline again', () => {
    const r = new IceRecovery(policy);
    r.step('connected', 0);
    r.step('failed', 1_000);
    r.step('connected', 18_000);
    assert.equal(r.step('failed', 30_000), 'restart');
    assert.notEqual(r.step('failed', 49_999), 'give-up');
    assert.equal(r.step('failed', 50_000), 'give-up');
  });

  it('asks for nothing and gives up nothing while the signalling is down; restarts at once when it is back', () => {
    const r = new IceRecovery(policy);
    r.step('connected', 0);
    assert.equal(r.step('failed', 1_000), 'restart');
    assert.equal(r.step('failed', 2_000, false), 'wait', 'the socket went: no request can reach the server');
    assert.equal(r.step('failed', 7_000, false), 'wait', 'no retry while the socket is down');
    assert.equal(
      r.step('failed', 30_000, false),
      'wait',
      'the deadline does not run while the socket is down',
    );
    assert.equal(r.recovering, true);
    assert.equal(r.step('failed', 31_000), 'restart', 'the socket is back: restart at once');
    assert.equal(r.step('checking', 32_000), 'wait');
    // 1 s lost before the socket went, 29 s offline: the deadline is 20 s of online time.
    assert.notEqual(r.step('checking', 49_999), 'give-up');
    assert.equal(r.step('checking', 50_000), 'give-up');
  });
});
