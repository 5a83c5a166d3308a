/**
 * The simulated shell's ICE recovery (web/src/shell-simulator/media/ice-recovery.ts) decides as
 * IceRecovery.swift does: the same cases as ios-shell/ShellTests/IceRecoveryTests.swift, run here
 * (the Swift can't be), against node's mock timers as the Swift's run against a fake clock.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { MediaLeg } from '@softphone/sfu/protocol';
import {
  IceRecovery,
  IceRecoveryDriver,
  SHELL_ICE_RECOVERY as P,
} from '../src/shell-simulator/media/ice-recovery.ts';

describe("the simulated shell's ICE recovery (IceRecovery.swift)", () => {
  it('a network change restarts a connected leg at once, and leaves one that never connected alone', () => {
    const fresh = new IceRecovery();
    assert.deepEqual(fresh.handle('network-changed'), { kind: 'none' });
    const up = new IceRecovery();
    up.handle('connected');
    assert.deepEqual(up.handle('network-changed'), {
      kind: 'restart',
      attempt: 1,
      healWithinMs: P.healDeadlineMs,
    });
  });

  it('while a restart heals, disconnected, failed and path changes are waited out', () => {
    const r = new IceRecovery();
    r.handle('connected');
    assert.deepEqual(r.handle('disconnected'), { kind: 'wait-grace', ms: P.disconnectedGraceMs });
    assert.equal(r.handle('grace-expired').kind, 'restart');
    for (const e of ['disconnected', 'failed', 'network-changed'] as const)
      assert.deepEqual(r.handle(e), { kind: 'none' }, e);
  });

  describe('against a clock', () => {
    // One ms at a time: node's mock timers schedule a timer set inside a tick's callback from the
    // tick's end, not from the callback's moment, as a real clock would.
    const advance = (ms: number) => {
      for (let i = 0; i < ms; i++) mock.timers.tick(1);
    };
    let restarts: { leg: MediaLeg; attempt: number; at: number }[];
    let gaveUp: { leg: MediaLeg; at: number }[];
    let driver: IceRecoveryDriver;
    afterEach(() => mock.timers.reset());
    beforeEach(() => {
      mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
      restarts = [];
      gaveUp = [];
      driver = new IceRecoveryDriver({
        restart: (leg, attempt) => restarts.push({ leg, attempt, at: Date.now() }),
        giveUp: (leg) => gaveUp.push({ leg, at: Date.now() }),
      });
      driver.handle('connected', 'publisher');
      driver.handle('connected', 'subscriber');
    });

    it('a restart that heals within its deadline keeps the call', () => {
      driver.handle('network-changed', 'publisher');
      advance(P.healDeadlineMs - 1);
      driver.handle('connected', 'publisher');
      advance(60_000);
      assert.equal(restarts.length, 1);
      assert.deepEqual(gaveUp, []);
      assert.equal(driver.restarting, false);
    });

    it('a leg that never heals is lost only after every deadline', () => {
      driver.handle('disconnected', 'subscriber');
      advance(P.disconnectedGraceMs);
      assert.deepEqual(restarts, [{ leg: 'subscriber', attempt: 1, at: P.disconnectedGraceMs }]);
      const lostAt = P.disconnectedGraceMs + P.maxAttempts * P.healDeadlineMs;
      advance(lostAt - Date.now() - 1);
      assert.deepEqual(gaveUp, [], 'not before the last deadline');
      assert.equal(restarts.length, P.maxAttempts);
      advance(1);
      assert.deepEqual(gaveUp, [{ leg: 'subscriber', at: lostAt }]);
    });

    it('a reset cancels every timer', () => {
      driver.handle('failed', 'publisher');
      driver.reset();
      advance(120_000);
      assert.equal(restarts.length, 1);
      assert.deepEqual(gaveUp, []);
    });
  });
});
