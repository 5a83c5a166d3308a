/**
 * A call outlives a party's signalling dropping (a Wi-Fi ↔ cellular handover): the device keeps its
 * place for the reconnect grace, its partner is told, and a new socket of the same device gets the
 * call back (`call:resync`). Against the real server and real mediasoup workers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CallState, EndReason, type CallId, type ServerEventPayload } from '../../src/protocol/index.ts';
import {
  audioOffer,
  connect,
  connectDevice,
  gone,
  next,
  startHarness,
  type Client,
  type Harness,
} from './harness.ts';

// Long enough for a reconnection on a busy machine; the tests that outlast it wait for it.
const GRACE_MS = 5_000;
let h: Harness;
const sockets: Client[] = [];
before(async () => {
  h = await startHarness({ reconnectGraceMs: GRACE_MS });
});
after(async () => {
  for (const s of sockets) s.disconnect();
  await h.stop();
});

let n = 0;
/** An answered call between Ann (caller) and Bob. */
async function answeredCall() {
  n++;
  const a = await connect(h.url, `Ann ${n}`);
  const b = await connect(h.url, `Bob ${n}`);
  sockets.push(a.socket, b.socket);
  const res = await a.socket.emitWithAck('call:invite', { to: b.self.id });
  assert.ok(res.ok, JSON.stringify(res));
  const callId = res.data.callId;
  assert.ok((await b.socket.emitWithAck('call:answer', { callId })).ok);
  return { a, b, callId };
}

/** Bob's socket drops; resolves once the server has seen it go and told Ann. */
async function dropBob(a: Client, b: { socket: Client; deviceId: string }, callId: CallId) {
  const told = next(a, 'call:peer-connection');
  b.socket.disconnect();
  await gone(h, b.deviceId);
  assert.deepEqual(await told, { callId, reconnecting: true });
}

function record(socket: Client, event: 'call:ended'): ServerEventPayload<'call:ended'>[] {
  const seen: ServerEventPayload<'call:ended'>[] = [];
  socket.on(event, (p) => seen.push(p));
  return seen;
}

/** Bob's device connects again; what it heard before the welcome. */
async function reconnectBob(b: Awaited<ReturnType<typeof connect>>) {
  const before: { resync?: ServerEventPayload<'call:resync'>; ended?: ServerEventPayload<'call:ended'> } = {};
  const again = await connectDevice(h.url, b.user, b.deviceId, (s) => {
    s.once('call:resync', (r) => (before.resync = r));
    s.once('call:ended', (e) => (before.ended = e));
  });
  sockets.push(again.socket);
  return { socket: again.socket, ...before };
}

describe('a call through a signalling drop', () => {
  it('a device back within the grace gets the same call, as it is now; its partner hears it is back', async () => {
    const { a, b, callId } = await answeredCall();
    await dropBob(a.socket, b, callId);
    // Ann holds while Bob is away: his resync says so.
    assert.ok((await a.socket.emitWithAck('call:hold', { callId, held: true })).ok);

    const back = next(a.socket, 'call:peer-connection');
    const bob = await reconnectBob(b);
    assert.deepEqual(bob.resync, {
      callId,
      peer: a.self,
      role: 'callee',
      state: CallState.Answered,
      answered: true,
      held: { self: false, peer: true },
      peerReconnecting: false,
    });
    assert.deepEqual(await back, { callId, reconnecting: false });

    // The same call goes on past the grace, and the new socket speaks for Bob in it. A marker: a
    // call whose callee drops after Bob did, left to run out its grace; Bob's would have run out too.
    const endings = record(a.socket, 'call:ended');
    const marker = await answeredCall();
    const markerEnded = next(marker.a.socket, 'call:ended', GRACE_MS + 5_000);
    await dropBob(marker.a.socket, marker.b, marker.callId);
    assert.equal((await markerEnded).reason, EndReason.Disconnected);
    assert.deepEqual(endings, [], "Bob's call ended though he came back");
    const held = next(a.socket, 'call:hold');
    assert.ok((await bob.socket.emitWithAck('call:hold', { callId, held: true })).ok);
    assert.deepEqual(await held, { callId, held: true, by: 'peer' });
    const ended = next(a.socket, 'call:ended');
    assert.ok((await bob.socket.emitWithAck('call:hangup', { callId })).ok);
    assert.deepEqual(await ended, { callId, reason: EndReason.HungUp, by: 'peer' });
  });

  it('a caller away before the answer: the callee still rings, and the caller comes back to the answered call', async () => {
    n++;
    const a = await connect(h.url, `Ann ${n}`);
    const b = await connect(h.url, `Bob ${n}`);
    sockets.push(a.socket, b.socket);
    const incoming = next(b.socket, 'call:incoming');
    const res = await a.socket.emitWithAck('call:invite', { to: b.self.id });
    assert.ok(res.ok);
    const callId = res.data.callId;
    await incoming;
    const told = next(b.socket, 'call:peer-connection');
    a.socket.disconnect();
    await gone(h, a.deviceId);
    assert.deepEqual(await told, { callId, reconnecting: true });
    assert.ok((await b.socket.emitWithAck('call:answer', { callId })).ok);

    const again = await reconnectBob(a);
    assert.equal(again.resync?.role, 'caller');
    assert.equal(again.resync?.answered, true);
    assert.equal(again.resync?.state, CallState.Answered);
    assert.equal(again.resync?.peerReconnecting, false);
    assert.deepEqual(again.resync?.peer, b.self);
    await again.socket.emitWithAck('call:hangup', { callId });
  });

  it("the partner's downstream, made while the device was away, reaches it when it is back", async () => {
    // Native engines (plain SDP): Bob's upstream is up, then he drops, then Ann's comes up.
    const { a, b, callId } = await answeredCall();
    assert.ok((await b.socket.emitWithAck('media:publish', { callId, sdp: audioOffer() })).ok);
    await dropBob(a.socket, b, callId);
    const annHearsBob = next(a.socket, 'media:offer');
    assert.ok((await a.socket.emitWithAck('media:publish', { callId, sdp: audioOffer() })).ok);
    await annHearsBob;

    // In the resync, or (made after Bob was back) as the event itself: either way, once.
    let got: (sdp: string) => void = () => undefined;
    const downstream = new Promise<string>((resolve, reject) => {
      got = resolve;
      setTimeout(() => reject(new Error("Ann's downstream never reached Bob")), 5_000).unref();
    });
    const bob = await connectDevice(h.url, b.user, b.deviceId, (s) => {
      s.once('call:resync', (r) => {
        if (r.downstream?.event === 'media:offer') got(r.downstream.sdp);
      });
      s.once('media:offer', ({ sdp }) => got(sdp));
    });
    sockets.push(bob.socket);
    assert.match(await downstream, /^v=0\r\n/);
    await a.socket.emitWithAck('call:hangup', { callId });
  });

  it('a native downstream restarted before a drop comes back in the resync with the restarted credentials', async () => {
    const { a, b, callId } = await answeredCall();
    assert.ok((await a.socket.emitWithAck('media:publish', { callId, sdp: audioOffer() })).ok);
    const bobHearsAnn = next(b.socket, 'media:offer');
    assert.ok((await b.socket.emitWithAck('media:publish', { callId, sdp: audioOffer() })).ok);
    const offered = (await bobHearsAnn).sdp;
    const restarted = await b.socket.emitWithAck('media:subscribe-restart', { callId });
    assert.ok(restarted.ok, JSON.stringify(restarted));
    const ufrag = (sdp: string) => /a=ice-ufrag:(\S+)/.exec(sdp)?.[1];
    assert.notEqual(ufrag(restarted.data.sdp), ufrag(offered));

    await dropBob(a.socket, b, callId);
    const bob = await reconnectBob(b);
    assert.deepEqual(bob.resync?.downstream, { event: 'media:offer', sdp: restarted.data.sdp });
    await a.socket.emitWithAck('call:hangup', { callId });
  });

  it('a call that ended while the device was away: it hears how on reconnecting, and no resync', async () => {
    const { a, b, callId } = await answeredCall();
    await dropBob(a.socket, b, callId);
    assert.ok((await a.socket.emitWithAck('call:hangup', { callId })).ok);
    const bob = await reconnectBob(b);
    assert.deepEqual(bob.ended, { callId, reason: EndReason.HungUp, by: 'peer' });
    assert.equal(bob.resync, undefined);
  });

  it('a device that gave the call up (its own grace ran out first) ends it for both as a lost connection', async () => {
    const { a, b, callId } = await answeredCall();
    await dropBob(a.socket, b, callId);
    const bob = await reconnectBob(b);
    assert.equal(bob.resync?.callId, callId);
    const ended = next(a.socket, 'call:ended');
    assert.ok((await bob.socket.emitWithAck('call:connection-lost', { callId })).ok);
    assert.deepEqual(await ended, { callId, reason: EndReason.Disconnected, by: 'peer' });
  });

  it('no reconnection: the call ends for the partner as "disconnected" once the grace has passed', async () => {
    const { a, b, callId } = await answeredCall();
    const ended = next(a.socket, 'call:ended', GRACE_MS + 5_000);
    const dropped = Date.now();
    await dropBob(a.socket, b, callId);
    assert.deepEqual(await ended, { callId, reason: EndReason.Disconnected, by: 'peer' });
    assert.ok(Date.now() - dropped >= GRACE_MS - 50, 'the call waited for the grace');
    // Too late: the device comes back to no call.
    const bob = await reconnectBob(b);
    assert.equal(bob.resync, undefined);
    assert.equal(bob.ended, undefined);
  });
});
