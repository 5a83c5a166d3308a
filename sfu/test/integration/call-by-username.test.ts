/**
 * Calling anyone by their exact username (`call:dial`, issue 22): an online callee rings, an asleep
 * one is woken by push, nobody by that name and nobody reachable are told apart, and the invite
 * limit stands in front of the look-up. Against the real server, mediasoup workers and the Web Push
 * service stand-in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CallState, EndReason, ErrorCode, WebPushMessageSchema } from '../../src/protocol/index.ts';
import { WebPushServiceStandIn } from '@softphone/test-support/web-push';
import { connect, connectDevice, gone, next, signUp, startHarness, type Harness } from './harness.ts';

const REPORT_TIMEOUT_MS = 1_500;
const CALLER_LIMIT = 3;
let service: WebPushServiceStandIn;
let h: Harness;

before(async () => {
  service = await WebPushServiceStandIn.start();
  h = await startHarness({
    push: { reportTimeoutMs: REPORT_TIMEOUT_MS, webPushTestOrigins: [service.origin] },
    inviteLimits: {
      invitesPerCallerPerMinute: CALLER_LIMIT,
      invitesPerCalleePerMinute: 100,
      pushesPerDevicePerMinute: 100,
    },
  });
});
after(async () => {
  await h.stop();
  await service.stop();
});

/** A callee who signed up, connected once and left: no device online. */
async function away(displayName: string, webPush: boolean) {
  const user = await signUp(h.url, displayName);
  const device = await connectDevice(h.url, user);
  const subscription = webPush ? service.subscribe(async () => undefined) : null;
  if (subscription) assert.ok((await device.socket.emitWithAck('push:register-web', { subscription })).ok);
  device.socket.disconnect();
  await gone(h, device.deviceId);
  return {
    user,
    self: device.self,
    deviceId: device.deviceId,
    subscriptionId: subscription?.endpoint.split('/').pop(),
  };
}

describe('calling by username', { timeout: 30_000 }, () => {
  it('rings an online callee, whatever the case of the name typed, and says who was called', async () => {
    const a = await connect(h.url, 'Ann');
    const b = await connect(h.url, 'Bob');
    const incoming = next(b.socket, 'call:incoming');
    const res = await a.socket.emitWithAck('call:dial', { username: b.user.username.toUpperCase() });
    assert.ok(res.ok, JSON.stringify(res));
    assert.deepEqual(res.data.callee, b.self);
    assert.deepEqual(await incoming, { callId: res.data.callId, from: a.self });
    const ringing = next(a.socket, 'call:state');
    assert.ok((await b.socket.emitWithAck('call:ringing', { callId: res.data.callId })).ok);
    assert.equal((await ringing).state, CallState.Ringing);
    assert.ok((await a.socket.emitWithAck('call:hangup', { callId: res.data.callId })).ok);
    a.socket.disconnect();
    b.socket.disconnect();
  });

  it('wakes an asleep callee by push, and the woken device rings', async () => {
    const a = await connect(h.url, 'Ann');
    const b = await away('Sleeping Bob', true);
    const res = await a.socket.emitWithAck('call:dial', { username: b.user.username });
    assert.ok(res.ok, JSON.stringify(res));
    const pushed = await service.nextPush((p) => p.subscriptionId === b.subscriptionId);
    const message = WebPushMessageSchema.parse(JSON.parse(pushed.plaintext));
    assert.ok(message.kind === 'incoming-call');
    assert.equal(message.call.callId, res.data.callId);

    const woken = await connectDevice(h.url, b.user, b.deviceId);
    const ringing = next(a.socket, 'call:state');
    const reported = await woken.socket.emitWithAck('call:reported', { callId: res.data.callId });
    assert.deepEqual(reported, { ok: true, data: { call: { callId: res.data.callId, from: a.self } } });
    assert.equal((await ringing).state, CallState.Ringing);
    assert.ok((await a.socket.emitWithAck('call:hangup', { callId: res.data.callId })).ok);
    a.socket.disconnect();
    woken.socket.disconnect();
  });

  it('ends as unreachable for a callee with no device online and none that a push can wake', async () => {
    const a = await connect(h.url, 'Ann');
    const b = await away('Gone Bob', false);
    const ended = next(a.socket, 'call:ended');
    const res = await a.socket.emitWithAck('call:dial', { username: b.user.username });
    assert.ok(res.ok, JSON.stringify(res));
    assert.deepEqual(await ended, { callId: res.data.callId, reason: EndReason.Unreachable, by: 'server' });
    a.socket.disconnect();
  });

  it('ends as busy for a callee in another call', async () => {
    const a = await connect(h.url, 'Ann');
    const b = await connect(h.url, 'Bob');
    const c = await connect(h.url, 'Cy');
    const first = await c.socket.emitWithAck('call:invite', { to: b.self.id });
    assert.ok(first.ok);
    const ended = next(a.socket, 'call:ended');
    const res = await a.socket.emitWithAck('call:dial', { username: b.user.username });
    assert.ok(res.ok, JSON.stringify(res));
    assert.deepEqual(await ended, { callId: res.data.callId, reason: EndReason.Busy, by: 'peer' });
    assert.ok((await c.socket.emitWithAck('call:hangup', { callId: first.data.callId })).ok);
    for (const s of [a, b, c]) s.socket.disconnect();
  });

  it('refuses yourself as invalid-target', async () => {
    const a = await connect(h.url, 'Ann');
    const res = await a.socket.emitWithAck('call:dial', { username: a.user.username });
    assert.ok(!res.ok);
    assert.equal(res.error.code, ErrorCode.InvalidTarget);
    a.socket.disconnect();
  });

  it('says no such user, and each unknown name costs an invite: the limit stands in front of the look-up', async () => {
    const a = await connect(h.url, 'Ann');
    const codes: string[] = [];
    for (let i = 0; i <= CALLER_LIMIT; i++) {
      const res = await a.socket.emitWithAck('call:dial', { username: `nobody-${i}-${a.user.username}` });
      codes.push(res.ok ? 'ok' : res.error.code);
    }
    assert.deepEqual(codes, [
      ...Array<string>(CALLER_LIMIT).fill(ErrorCode.UserNotFound),
      ErrorCode.RateLimited,
    ]);
    // Over the limit a name that exists is refused the same way: the answer says nothing about it.
    const b = await connect(h.url, 'Bob');
    const known = await a.socket.emitWithAck('call:dial', { username: b.user.username });
    assert.ok(!known.ok);
    assert.equal(known.error.code, ErrorCode.RateLimited);
    a.socket.disconnect();
    b.socket.disconnect();
  });

  it('adding a contact costs an invite too, found or not: over the limit a known name is refused as an unknown one', async () => {
    const a = await connect(h.url, 'Ann');
    const b = await connect(h.url, 'Bob');
    const codes: string[] = [];
    for (let i = 0; i < CALLER_LIMIT; i++) {
      const res = await a.socket.emitWithAck('contacts:add', {
        username: i === 0 ? b.user.username : `nobody-${i}-${a.user.username}`,
      });
      codes.push(res.ok ? 'ok' : res.error.code);
    }
    assert.deepEqual(codes, ['ok', ...Array<string>(CALLER_LIMIT - 1).fill(ErrorCode.UserNotFound)]);
    const known = await a.socket.emitWithAck('contacts:add', { username: b.user.username });
    const unknown = await a.socket.emitWithAck('contacts:add', { username: `nobody-${a.user.username}` });
    assert.deepEqual(
      [known.ok ? 'ok' : known.error.code, unknown.ok ? 'ok' : unknown.error.code],
      [ErrorCode.RateLimited, ErrorCode.RateLimited],
    );
    a.socket.disconnect();
    b.socket.disconnect();
  });
});
