/** Signalling against a real server with real mediasoup workers: the call lifecycle, validation and authorisation. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { CallState, EndReason, ErrorCode, type CallId } from '../../src/protocol/index.ts';
import { connect, next, startHarness, type Client, type Harness } from './harness.ts';

let h: Harness;
const sockets: Client[] = [];
before(async () => {
  h = await startHarness({ noAnswerTimeoutMs: 2_000, reconnectGraceMs: 1_000 });
});
after(async () => {
  for (const s of sockets) s.disconnect();
  await h.stop();
});

let n = 0;
async function pair() {
  n++;
  const a = await connect(h.url, `Ann ${n}`);
  const b = await connect(h.url, `Bob ${n}`);
  sockets.push(a.socket, b.socket);
  return { a, b };
}

async function invite(from: Client, to: string): Promise<CallId> {
  const res = await from.emitWithAck('call:invite', { to });
  assert.ok(res.ok, JSON.stringify(res));
  return res.data.callId;
}

describe('handshake', () => {
  /** The refusal a handshake gets, or null if the server admits it. */
  async function refusal(auth: object, cookie?: string): Promise<{ code?: string; message?: string } | null> {
    const s: Socket = io(h.url, {
      auth,
      ...(cookie ? { extraHeaders: { cookie } } : {}),
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    try {
      return await new Promise((resolve) => {
        s.once('connect', () => resolve(null));
        s.once('connect_error', (err: Error & { data?: { code: string; message: string } }) =>
          resolve(err.data ?? {}),
        );
      });
    } finally {
      s.disconnect();
    }
  }

  it('refuses a signed-in handshake without a usable device name, with a typed error saying so', async () => {
    const { user, socket } = await connect(h.url, 'Named Device');
    sockets.push(socket);
    const deviceId = crypto.randomUUID();
    // The same session and device are admitted with a usable label: only the label is refused.
    assert.equal(await refusal({ deviceId, deviceLabel: 'laptop' }, user.cookie), null);
    for (const deviceLabel of ['   ', '', 'x'.repeat(81)]) {
      const err = await refusal({ deviceId, deviceLabel }, user.cookie);
      assert.equal(err?.code, ErrorCode.Unauthenticated, JSON.stringify(deviceLabel));
      assert.match(err?.message ?? '', /unusable: deviceLabel$/, JSON.stringify(deviceLabel));
    }
    const noId = await refusal({ deviceId: 'not-a-uuid', deviceLabel: 'laptop' }, user.cookie);
    assert.match(noId?.message ?? '', /unusable: deviceId$/);
  });

  it('refuses a handshake without a session as "not signed in"', async () => {
    const err = await refusal({ deviceId: crypto.randomUUID(), deviceLabel: 'laptop' });
    assert.deepEqual(err, { code: ErrorCode.Unauthenticated, message: 'not signed in' });
  });
});

describe('call lifecycle', () => {
  it('invite → incoming → ringing → answered → hung up, seen by both', async () => {
    const { a, b } = await pair();
    const incoming = next(b.socket, 'call:incoming');
    const callId = await invite(a.socket, b.self.id);
    assert.deepEqual(await incoming, { callId, from: a.self });

    const ringing = next(a.socket, 'call:state');
    assert.deepEqual(await b.socket.emitWithAck('call:ringing', { callId }), { ok: true, data: {} });
    assert.deepEqual(await ringing, { callId, state: CallState.Ringing });

    const answered = next(a.socket, 'call:state');
    assert.ok((await b.socket.emitWithAck('call:answer', { callId })).ok);
    assert.deepEqual(await answered, { callId, state: CallState.Answered });

    const endedA = next(a.socket, 'call:ended');
    const endedB = next(b.socket, 'call:ended');
    assert.ok((await a.socket.emitWithAck('call:hangup', { callId })).ok);
    assert.deepEqual(await endedA, { callId, reason: EndReason.HungUp, by: 'self' });
    assert.deepEqual(await endedB, { callId, reason: EndReason.HungUp, by: 'peer' });
  });

  it('decline ends the call for the caller with "declined" by the peer', async () => {
    const { a, b } = await pair();
    const callId = await invite(a.socket, b.self.id);
    const ended = next(a.socket, 'call:ended');
    assert.ok((await b.socket.emitWithAck('call:decline', { callId })).ok);
    assert.deepEqual(await ended, { callId, reason: EndReason.Declined, by: 'peer' });
  });

  it('a caller hanging up before answer cancels the call', async () => {
    const { a, b } = await pair();
    const callId = await invite(a.socket, b.self.id);
    const ended = next(b.socket, 'call:ended');
    assert.ok((await a.socket.emitWithAck('call:hangup', { callId })).ok);
    assert.deepEqual(await ended, { callId, reason: EndReason.Cancelled, by: 'peer' });
  });

  it('nobody answering ends the call with no-answer after the timeout', async () => {
    const { a, b } = await pair();
    const callId = await invite(a.socket, b.self.id);
    const ended = await next(a.socket, 'call:ended', 8_000);
    assert.deepEqual(ended, { callId, reason: EndReason.NoAnswer, by: 'server' });
  });

  it('calling someone already in a call ends with busy', async () => {
    const { a, b } = await pair();
    // Carol signs up first: under load, scrypt could outlast the no-answer timeout of a's call.
    const c = await connect(h.url, `Carol ${n}`);
    sockets.push(c.socket);
    await invite(a.socket, b.self.id);
    const ended = next(c.socket, 'call:ended');
    const callId = await invite(c.socket, b.self.id);
    assert.deepEqual(await ended, { callId, reason: EndReason.Busy, by: 'peer' });
  });

  it('a party that disconnects and does not come back: the other hears it drop, then the call end as "disconnected"', async () => {
    const { a, b } = await pair();
    const callId = await invite(a.socket, b.self.id);
    assert.ok((await b.socket.emitWithAck('call:answer', { callId })).ok);
    const told = next(a.socket, 'call:peer-connection');
    const ended = next(a.socket, 'call:ended');
    b.socket.disconnect();
    assert.deepEqual(await told, { callId, reconnecting: true });
    assert.deepEqual(await ended, { callId, reason: EndReason.Disconnected, by: 'peer' });
  });
});

describe('bad input gets a typed error and crashes nothing', () => {
  it('a malformed payload is refused with invalid-payload', async () => {
    const { a } = await pair();
    const res = await a.socket.emitWithAck('call:invite', { to: 'not-a-uuid' } as never);
    assert.equal(res.ok, false);
    assert.equal(!res.ok && res.error.code, ErrorCode.InvalidPayload);
    const extra = await a.socket.emitWithAck('call:hangup', {
      callId: crypto.randomUUID(),
      evil: 1,
    } as never);
    assert.equal(!extra.ok && extra.error.code, ErrorCode.InvalidPayload);
  });

  it('an unknown event, or a request without an ack, gets request:error', async () => {
    const { a } = await pair();
    const raw = a.socket as unknown as Socket;
    const unknown = next(a.socket, 'request:error');
    raw.emit('admin:shutdown', {});
    assert.equal((await unknown).error.code, ErrorCode.UnknownEvent);
    const noAck = next(a.socket, 'request:error');
    raw.emit('call:answer', 42);
    assert.deepEqual((await noAck).event, 'call:answer');
  });

  it('acting on a call you are not part of is refused with not-participant', async () => {
    const { a, b } = await pair();
    const eve = await connect(h.url, `Eve ${n}`);
    sockets.push(eve.socket);
    const callId = await invite(a.socket, b.self.id);
    for (const ev of ['call:answer', 'call:hangup', 'call:decline'] as const) {
      const res = await eve.socket.emitWithAck(ev, { callId });
      assert.equal(!res.ok && res.error.code, ErrorCode.NotParticipant, ev);
    }
    const sdp = await eve.socket.emitWithAck('media:publish', { callId, sdp: 'v=0' });
    assert.equal(!sdp.ok && sdp.error.code, ErrorCode.NotParticipant);
    const selfAnswer = await a.socket.emitWithAck('call:answer', { callId });
    assert.equal(
      !selfAnswer.ok && selfAnswer.error.code,
      ErrorCode.NotParticipant,
      'the caller cannot answer',
    );
    const busyCaller = await a.socket.emitWithAck('call:invite', { to: eve.self.id });
    assert.equal(!busyCaller.ok && busyCaller.error.code, ErrorCode.AlreadyInCall);
    const ghostCall = await eve.socket.emitWithAck('call:answer', { callId: crypto.randomUUID() });
    assert.equal(!ghostCall.ok && ghostCall.error.code, ErrorCode.CallNotFound);
    const ghost = await eve.socket.emitWithAck('call:invite', { to: crypto.randomUUID() });
    assert.equal(!ghost.ok && ghost.error.code, ErrorCode.UserNotFound);
    const self = await eve.socket.emitWithAck('call:invite', { to: eve.self.id });
    assert.equal(!self.ok && self.error.code, ErrorCode.InvalidTarget);
  });

  it('a broken SDP is refused as media-unavailable, and the server keeps serving', async () => {
    const { a, b } = await pair();
    const callId = await invite(a.socket, b.self.id);
    const res = await a.socket.emitWithAck('media:publish', { callId, sdp: 'garbage' });
    assert.equal(!res.ok && res.error.code, ErrorCode.MediaUnavailable);
    const health = await fetch(`${h.url}/healthz`);
    assert.equal(health.status, 200);
  });
});
