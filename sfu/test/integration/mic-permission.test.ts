/**
 * A party's microphone permission kept with the call (issue 18, S4): an iPhone that may not record
 * sends silence, and the server must be able to say so afterwards. Real server, real SFU.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CallState, ErrorCode } from '../../src/protocol/index.ts';
import { connect, next, startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => h.stop());

/** What the store keeps for the call: each party's state, by user id. */
const stored = (callId: string) => h.server.history.micPermissions(callId);

describe('microphone permission with the call', () => {
  it("keeps each party's permission, the latest report winning, after the call ended too", async () => {
    const a = await connect(h.url, 'Caller');
    const b = await connect(h.url, 'Callee with a denied microphone');
    const rings = next(b.socket, 'call:incoming');
    const res = await a.socket.emitWithAck('call:invite', { to: b.self.id });
    assert.ok(res.ok);
    const { callId } = res.data;
    await rings;
    const ok = { ok: true, data: {} };
    assert.deepEqual(
      await b.socket.emitWithAck('call:mic-permission', { callId, state: 'undetermined' }),
      ok,
    );
    const answered = next(a.socket, 'call:state');
    assert.ok((await b.socket.emitWithAck('call:answer', { callId })).ok);
    assert.equal((await answered).state, CallState.Answered);
    assert.deepEqual(await b.socket.emitWithAck('call:mic-permission', { callId, state: 'denied' }), ok);
    assert.deepEqual(await a.socket.emitWithAck('call:mic-permission', { callId, state: 'granted' }), ok);
    assert.deepEqual(await stored(callId), { [b.self.id]: 'denied', [a.self.id]: 'granted' });
    const ended = next(b.socket, 'call:ended');
    await a.socket.emitWithAck('call:hangup', { callId });
    await ended;
    // A slow device may say it once the call is over: still the call's.
    assert.deepEqual(await b.socket.emitWithAck('call:mic-permission', { callId, state: 'granted' }), ok);
    assert.deepEqual(await stored(callId), { [b.self.id]: 'granted', [a.self.id]: 'granted' });
  });

  it("refuses a stranger's report and an unknown state", async () => {
    const a = await connect(h.url, 'Caller');
    const b = await connect(h.url, 'Callee');
    const stranger = await connect(h.url, 'Stranger');
    const rings = next(b.socket, 'call:incoming');
    const res = await a.socket.emitWithAck('call:invite', { to: b.self.id });
    assert.ok(res.ok);
    const { callId } = res.data;
    await rings;
    const foreign = await stranger.socket.emitWithAck('call:mic-permission', { callId, state: 'denied' });
    assert.equal(!foreign.ok && foreign.error.code, ErrorCode.NotParticipant);
    const bad = await b.socket.emitWithAck('call:mic-permission', {
      callId,
      state: 'restricted' as 'denied',
    });
    assert.equal(!bad.ok && bad.error.code, ErrorCode.InvalidPayload);
    assert.deepEqual(await stored(callId), {});
    await a.socket.emitWithAck('call:hangup', { callId });
  });
});
