/**
 * Invite limits (review H4): a flood of invites is refused as `rate-limited` with when to retry,
 * per caller and per callee, and a sleeping iPhone is pushed to at most its allowance, however
 * often it is called. Against the real server and the APNs stand-in.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, type VoipRegistration } from '../../src/protocol/index.ts';
import { ApnsStandIn, createTestProviderKey } from '@softphone/test-support/apns';
import { connect, connectDevice, gone, signUp, startHarness, type Client, type Harness } from './harness.ts';

const BUNDLE = 'com.example.softphone';
const LIMITS = { invitesPerCallerPerMinute: 3, invitesPerCalleePerMinute: 4, pushesPerDevicePerMinute: 2 };
const key = createTestProviderKey();

/** Invites `to`, hanging up at once each call that was placed; returns each invite's outcome. */
async function flood(caller: Client, to: string, n: number) {
  const outcomes: { code: string; retryAfterMs?: number | undefined }[] = [];
  for (let i = 0; i < n; i++) {
    const res = await caller.emitWithAck('call:invite', { to });
    if (res.ok) {
      assert.ok((await caller.emitWithAck('call:hangup', { callId: res.data.callId })).ok);
      outcomes.push({ code: 'ok' });
    } else outcomes.push({ code: res.error.code, retryAfterMs: res.error.retryAfterMs });
  }
  return outcomes;
}

describe('invite limits', { timeout: 60_000 }, () => {
  let standIn: ApnsStandIn;
  let h: Harness;
  before(async () => {
    standIn = await ApnsStandIn.start({ keys: [{ key, bundleIds: [BUNDLE] }] });
    h = await startHarness({
      inviteLimits: LIMITS,
      push: {
        reportTimeoutMs: 1_000,
        bundleIds: [BUNDLE],
        apns: {
          teamId: key.teamId,
          keyId: key.keyId,
          privateKey: key.privateKeyPem,
          origins: standIn.origins,
          ca: standIn.ca,
        },
      },
    });
  });
  after(async () => {
    await h?.stop();
    await standIn?.stop();
  });

  it('an invite flood to a sleeping iPhone: rate-limited with a retry-after, and at most the allowed pushes', async () => {
    const callee = await signUp(h.url, 'Sleeper');
    const token = crypto.randomBytes(32).toString('hex');
    standIn.register({ token, environment: 'sandbox', bundleId: BUNDLE });
    const phone = await connectDevice(h.url, callee);
    const reg: VoipRegistration = { token, environment: 'sandbox', bundleId: BUNDLE, appVersion: '1.0 (7)' };
    assert.ok((await phone.socket.emitWithAck('push:register-voip', reg)).ok);
    phone.socket.disconnect();
    await gone(h, phone.deviceId);
    const caller = await connect(h.url, 'Flooder');
    try {
      const outcomes = await flood(caller.socket, phone.self.id, 10);
      assert.deepEqual(
        outcomes.map((o) => o.code),
        [...Array(3).fill('ok'), ...Array(7).fill(ErrorCode.RateLimited)],
      );
      for (const o of outcomes.slice(3))
        assert.ok(
          o.retryAfterMs !== undefined && o.retryAfterMs > 0 && o.retryAfterMs <= 60_000,
          `${o.retryAfterMs}`,
        );
      await h.server.pusher.settled();
      const pushes = standIn.received.filter((r) => r.path === `/3/device/${token}`);
      assert.equal(pushes.length, LIMITS.pushesPerDevicePerMinute, 'three calls, two pushes');
    } finally {
      caller.socket.close();
    }
  });

  it('many callers to one callee: refused past the callee’s limit, each caller within its own', async () => {
    const callee = await connect(h.url, 'Popular');
    const callers = await Promise.all(['A', 'B', 'C'].map((n) => connect(h.url, n)));
    try {
      const outcomes = [];
      for (const c of callers) outcomes.push(...(await flood(c.socket, callee.self.id, 2)));
      assert.deepEqual(
        outcomes.map((o) => o.code),
        ['ok', 'ok', 'ok', 'ok', ErrorCode.RateLimited, ErrorCode.RateLimited],
      );
    } finally {
      for (const s of [callee, ...callers]) s.socket.close();
    }
  });
});
