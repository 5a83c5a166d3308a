/** Several devices per user, call history and hold, against the real server and its SFU. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CallState, EndReason, ErrorCode } from '../../src/protocol/index.ts';
import { connect, connectDevice, gone, next, startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness({ noAnswerTimeoutMs: 800 });
});
after(async () => h.stop());

async function callerAndTwoDeviceCallee() {
  const a = await connect(h.url, 'Caller');
  const phone = await connect(h.url, 'Callee');
  const laptop = await connectDevice(h.url, phone.user);
  return { a, phone, laptop };
}

describe('several devices per user', () => {
  it('rings every device; the first to answer wins and the other hears "answered elsewhere"', async () => {
    const { a, phone, laptop } = await callerAndTwoDeviceCallee();
    const rings = [next(phone.socket, 'call:incoming'), next(laptop.socket, 'call:incoming')];
    const res = await a.socket.emitWithAck('call:invite', { to: phone.self.id });
    assert.ok(res.ok);
    const callId = res.data.callId;
    for (const r of await Promise.all(rings)) assert.equal(r.callId, callId);

    const elsewhere = next(phone.socket, 'call:ended');
    const answered = next(a.socket, 'call:state');
    assert.ok((await laptop.socket.emitWithAck('call:answer', { callId })).ok);
    assert.equal((await answered).state, CallState.Answered);
    assert.deepEqual(await elsewhere, { callId, reason: EndReason.AnsweredElsewhere, by: 'self' });
    const late = await phone.socket.emitWithAck('call:answer', { callId });
    assert.equal(
      !late.ok && late.error.code,
      ErrorCode.NotParticipant,
      'the other device is out of the call',
    );

    const ended = next(laptop.socket, 'call:ended');
    await a.socket.emitWithAck('call:hangup', { callId });
    assert.equal((await ended).reason, EndReason.HungUp);
  });

  it('a device that did not answer hears "answered elsewhere" and never "answered"', async () => {
    const { a, phone, laptop } = await callerAndTwoDeviceCallee();
    const rings = [next(phone.socket, 'call:incoming'), next(laptop.socket, 'call:incoming')];
    const res = await a.socket.emitWithAck('call:invite', { to: phone.self.id });
    assert.ok(res.ok);
    const callId = res.data.callId;
    await Promise.all(rings);
    const seen: string[] = [];
    phone.socket.on('call:state', ({ state }) => seen.push(state));
    const elsewhere = next(phone.socket, 'call:ended');
    assert.ok((await laptop.socket.emitWithAck('call:answer', { callId })).ok);
    // One socket's events arrive in the order they were sent: an "answered" would come first.
    assert.equal((await elsewhere).reason, EndReason.AnsweredElsewhere);
    assert.deepEqual(seen, [], 'no call:state reached the device that did not answer');
    await a.socket.emitWithAck('call:hangup', { callId });
  });

  it('declining on one device declines the call everywhere', async () => {
    const { a, phone, laptop } = await callerAndTwoDeviceCallee();
    const res = await a.socket.emitWithAck('call:invite', { to: phone.self.id });
    assert.ok(res.ok);
    const endings = [
      next(a.socket, 'call:ended'),
      next(phone.socket, 'call:ended'),
      next(laptop.socket, 'call:ended'),
    ];
    assert.ok((await phone.socket.emitWithAck('call:decline', { callId: res.data.callId })).ok);
    for (const e of await Promise.all(endings)) assert.equal(e.reason, EndReason.Declined);
  });

  it('one ringing device going away leaves the other ringing', async () => {
    const { a, phone, laptop } = await callerAndTwoDeviceCallee();
    const ringing = next(laptop.socket, 'call:incoming');
    const res = await a.socket.emitWithAck('call:invite', { to: phone.self.id });
    assert.ok(res.ok);
    await ringing;
    phone.socket.disconnect();
    await gone(h, phone.deviceId);
    assert.ok((await laptop.socket.emitWithAck('call:answer', { callId: res.data.callId })).ok);
    await a.socket.emitWithAck('call:hangup', { callId: res.data.callId });
  });

  it('calling a user with no connected device ends as unreachable and is a missed call for them', async () => {
    const a = await connect(h.url, 'Caller');
    const b = await connect(h.url, 'Offline');
    b.socket.disconnect();
    await gone(h, b.deviceId);
    const ended = next(a.socket, 'call:ended');
    const res = await a.socket.emitWithAck('call:invite', { to: b.self.id });
    assert.ok(res.ok);
    assert.deepEqual(await ended, {
      callId: res.data.callId,
      reason: EndReason.Unreachable,
      by: 'server',
    });
    const back = await connectDevice(h.url, b.user);
    assert.equal(back.unreadMissed, 1);
  });
});

describe('history', () => {
  it('records answered, declined and missed calls for both parties, with the badge and quality', async () => {
    const a = await connect(h.url, 'Hist A');
    const b = await connect(h.url, 'Hist B');
    const call = async () => {
      const r = await a.socket.emitWithAck('call:invite', { to: b.self.id });
      assert.ok(r.ok);
      return r.data.callId;
    };
    const answered = await call();
    await b.socket.emitWithAck('call:answer', { callId: answered });
    const held = next(a.socket, 'call:hold');
    assert.ok((await b.socket.emitWithAck('call:hold', { callId: answered, held: true })).ok);
    assert.deepEqual(await held, { callId: answered, held: true, by: 'peer' });
    await a.socket.emitWithAck('call:hangup', { callId: answered });
    const summary = {
      heard: true,
      timeToFirstAudioMs: 210,
      packetsReceived: 400,
      packetsLost: 2,
      jitterMs: 3.5,
      roundTripMs: 1.2,
    };
    assert.ok((await b.socket.emitWithAck('call:quality', { callId: answered, summary })).ok);

    const declined = await call();
    await b.socket.emitWithAck('call:decline', { callId: declined });
    // Every call's end changes both parties' history: the missed call's is the one that counts 1.
    const badge = (async () => {
      for (;;) if ((await next(b.socket, 'history:changed', 3_000)).unreadMissed === 1) return;
    })();
    const missed = await call();
    await next(a.socket, 'call:ended', 3_000);
    await badge;

    const list = await b.socket.emitWithAck('history:list', {});
    assert.ok(list.ok);
    const byId = new Map(list.data.entries.map((e) => [e.callId, e]));
    assert.deepEqual(
      list.data.entries.map((e) => e.callId),
      [missed, declined, answered],
      'newest first',
    );
    assert.equal(byId.get(answered)?.direction, 'incoming');
    assert.equal(byId.get(answered)?.endReason, EndReason.HungUp);
    assert.ok((byId.get(answered)?.durationMs ?? -1) >= 0);
    assert.deepEqual(byId.get(answered)?.quality, summary);
    assert.equal(byId.get(declined)?.missed, false);
    assert.equal(byId.get(missed)?.missed, true);
    assert.equal(byId.get(missed)?.unread, true);
    assert.equal(list.data.unreadMissed, 1);

    const callerView = await a.socket.emitWithAck('history:list', { limit: 1 });
    assert.ok(callerView.ok);
    assert.equal(callerView.data.entries[0]?.direction, 'outgoing');
    assert.equal(callerView.data.entries[0]?.missed, false);

    const cleared = next(b.socket, 'history:changed');
    assert.ok((await b.socket.emitWithAck('history:mark-seen', {})).ok);
    assert.equal((await cleared).unreadMissed, 0);

    const stranger = await connect(h.url, 'Stranger');
    const forged = await stranger.socket.emitWithAck('call:quality', { callId: answered, summary });
    assert.equal(!forged.ok && forged.error.code, ErrorCode.NotParticipant);
  });
});
