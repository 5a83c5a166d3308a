/**
 * The page's call logic in Node against the real server (real mediasoup workers, real SQLite): two or three
 * Phones place, answer and decline calls through the same controllers the page runs.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CallState, EndReason, type CallId } from '@softphone/sfu/protocol';
import { startTestServer, type TestServer } from '@softphone/sfu/testing';
import { screenOf } from '../../src/call/phone-state.ts';
import { announcement } from '../../src/app/announcement.ts';
import type { SignallingTransport } from '../../src/signalling/signalling-client.ts';
import { nodePhone, type NodePhone, type NodePhoneOptions } from './node-phone.ts';
import { SignallingPath } from './signalling-path.ts';

let server: TestServer;
const phones: NodePhone[] = [];
const paths: SignallingPath[] = [];
before(async () => {
  server = await startTestServer();
});
after(async () => {
  for (const p of phones) p.close();
  for (const p of paths) await p.close();
  await server.stop();
});

const PASSWORD = 'correct horse battery';

/** A new account signed up and connected on a new Phone. */
function signedUp(displayName: string, opts: NodePhoneOptions = {}) {
  return signedUpOn(server, displayName, opts);
}

async function signedUpOn(on: TestServer, displayName: string, opts: NodePhoneOptions = {}) {
  const p = nodePhone(on, opts);
  phones.push(p);
  const username = `u${crypto.randomBytes(5).toString('hex')}`;
  await p.phone.session.signUp(username, PASSWORD, displayName);
  const s = await p.until((s) => s.connection === 'connected' && s.self !== null, 'connected');
  return Object.assign(p, { username, self: s.self ?? assert.fail('no self') });
}

/** The same account on another device (its own browser). */
async function signedIn(username: string, opts: NodePhoneOptions = {}) {
  const p = nodePhone(server, opts);
  phones.push(p);
  await p.phone.session.signIn(username, PASSWORD);
  await p.until((s) => s.connection === 'connected' && s.self !== null, 'connected');
  return p;
}

/** `p` adds `other` by username, as a person would, and sees them online. */
async function addsAndSees(p: NodePhone, other: { username: string; self: { id: string } }) {
  await p.phone.session.addContact(other.username);
  await p.until((s) => s.users.some((u) => u.id === other.self.id), `seeing ${other.username} online`);
}

const ringingHere = (p: NodePhone) =>
  p.until((s) => s.call?.direction === 'incoming' && s.call.id !== null, 'ringing');

async function pair() {
  const ann = await signedUp('Ann');
  const bob = await signedUp('Bob');
  await addsAndSees(ann, bob);
  return { ann, bob };
}

describe('a call between two pages', () => {
  it('invite rings the callee; the answer connects both, each starting capture only after answer', async () => {
    const { ann, bob } = await pair();
    void ann.phone.calls.invite(bob.self.id);
    const incoming = await ringingHere(bob);
    const callId = incoming.call?.id as CallId;
    assert.equal(incoming.call?.peer.id, ann.self.id);
    assert.equal(screenOf(incoming), 'incoming');
    // The caller hears ringing once the callee's device says it is alerting.
    await ann.until((s) => s.call?.id === callId && s.call.state === CallState.Ringing, 'ringing back');
    assert.deepEqual(bob.engine(callId).calls, ['prepare']);
    assert.deepEqual(ann.engine(callId).calls, ['prepare']);

    await bob.phone.calls.answer();
    await ann.until((s) => s.call?.answeredAt != null && s.call.audio === 'active', 'in call (caller)');
    const answered = await bob.until((s) => s.call?.audio === 'active', 'in call (callee)');
    assert.equal(screenOf(answered), 'in-call');
    assert.deepEqual(bob.engine(callId).calls, ['prepare', 'start']);
    assert.deepEqual(ann.engine(callId).calls, ['prepare', 'start']);
    assert.equal(bob.phone.calls.figures?.marks.answeredAt, answered.call?.answeredAt);

    await ann.phone.calls.hangup();
    const annEnded = await ann.until((s) => s.call === null && s.ended !== null, 'ended (caller)');
    const bobEnded = await bob.until((s) => s.call === null && s.ended !== null, 'ended (callee)');
    assert.deepEqual([annEnded.ended?.reason, annEnded.ended?.by], [EndReason.HungUp, 'self']);
    assert.deepEqual([bobEnded.ended?.reason, bobEnded.ended?.by], [EndReason.HungUp, 'peer']);
    assert.equal(bob.engine(callId).calls.at(-1), 'stop');
    assert.equal(ann.engine(callId).calls.at(-1), 'stop');
  });

  it('decline ends the call for the caller as declined by the peer, and no capture ever starts', async () => {
    const { ann, bob } = await pair();
    void ann.phone.calls.invite(bob.self.id);
    const callId = (await ringingHere(bob)).call?.id as CallId;
    await bob.phone.calls.decline();
    const annEnded = await ann.until((s) => s.ended !== null, 'ended (caller)');
    assert.equal(annEnded.call, null);
    assert.deepEqual([annEnded.ended?.reason, annEnded.ended?.by], [EndReason.Declined, 'peer']);
    assert.equal(annEnded.ended?.message, 'Bob declined the call');
    const bobEnded = await bob.until((s) => s.ended !== null, 'ended (callee)');
    assert.equal(bobEnded.ended?.reason, EndReason.Declined);
    assert.deepEqual(bob.engine(callId).calls, ['prepare', 'stop']);
    assert.deepEqual(ann.engine(callId).calls, ['prepare', 'stop']);
  });

  it("answering on one of the callee's devices ends the others as answered elsewhere", async () => {
    const { ann, bob } = await pair();
    const bobsLaptop = await signedIn(bob.username);
    void ann.phone.calls.invite(bob.self.id);
    const callId = (await ringingHere(bob)).call?.id as CallId;
    await ringingHere(bobsLaptop);

    await bobsLaptop.phone.calls.answer();
    const elsewhere = await bob.until((s) => s.ended !== null, 'ended on the other device');
    assert.equal(elsewhere.ended?.reason, EndReason.AnsweredElsewhere);
    assert.equal(elsewhere.ended?.message, 'Answered on another device');
    assert.deepEqual(bob.engine(callId).calls, ['prepare', 'stop']);
    await ann.until((s) => s.call?.answeredAt != null, 'answered (caller)');
    await bobsLaptop.until((s) => s.call?.audio === 'active', 'in call on the device that answered');
    await ann.phone.calls.hangup();
    await bobsLaptop.until((s) => s.call === null, 'ended on the device that answered');
  });
});

/**
 * The server acks an invite before it says anything else about the call, but the ack and the next
 * events can arrive in one read. Holding the ack back until those events have been delivered makes
 * that order certain.
 */
function ackHeldUntil(event: 'call:state' | 'call:ended') {
  let release: () => void = () => undefined;
  const delivered = new Promise<void>((r) => (release = r));
  return (inner: SignallingTransport): SignallingTransport => {
    inner.on(event, () => release());
    return {
      get connected() {
        return inner.connected;
      },
      connect: () => inner.connect(),
      close: () => inner.close(),
      on: (e, listener) => inner.on(e, listener),
      request: async (e, payload) => {
        const res = await inner.request(e, payload);
        if (e === 'call:invite') await delivered;
        return res;
      },
    };
  };
}

describe('events that arrive before the invite is acknowledged', () => {
  it("the callee's ringing shows once the call id is known", async () => {
    const ann = await signedUp('Ann', { wrap: ackHeldUntil('call:state') });
    const bob = await signedUp('Bob');
    await addsAndSees(ann, bob);
    await ann.phone.calls.invite(bob.self.id);
    const s = ann.phone.state;
    assert.equal(s.call?.state, CallState.Ringing);
    assert.equal(s.call?.id, bob.phone.state.call?.id);
    assert.ok(ann.phone.calls.figures?.marks.ringingAt);
    await bob.phone.calls.decline();
    await ann.until((st) => st.ended !== null, 'ended');
  });

  it('a decline that came first ends the call at once, with no media started', async () => {
    const ann = await signedUp('Ann', { wrap: ackHeldUntil('call:ended') });
    const bob = await signedUp('Bob');
    await addsAndSees(ann, bob);
    bob.phone.subscribe((s) => {
      if (s.call?.direction === 'incoming' && s.call.id) void bob.phone.calls.decline();
    });
    await ann.phone.calls.invite(bob.self.id);
    const s = ann.phone.state;
    assert.equal(s.call, null);
    assert.deepEqual([s.ended?.reason, s.ended?.by], [EndReason.Declined, 'peer']);
    assert.equal(s.notice, null);
    assert.equal(ann.engines.length, 0);
  });
});

describe('a call through a signalling drop', () => {
  /** Ann, and Bob whose signalling goes through a path the test cuts, in an answered call. */
  async function answeredOverPath(on: TestServer) {
    const path = await SignallingPath.open(on.url);
    paths.push(path);
    const ann = await signedUpOn(on, 'Ann');
    const bob = await signedUpOn(on, 'Bob', { signallingUrl: path.url });
    await addsAndSees(ann, bob);
    void ann.phone.calls.invite(bob.self.id);
    const callId = (await ringingHere(bob)).call?.id ?? assert.fail('no call id');
    await bob.phone.calls.answer();
    await ann.until((s) => s.call?.answeredAt != null, 'in call');
    return { ann, bob, path, callId };
  }

  it('the call waits while the connection is down ("Reconnecting…"), and goes on, resynced, when it is back', async () => {
    const { ann, bob, path, callId } = await answeredOverPath(server);
    path.down();
    const away = await bob.until((s) => s.connection === 'reconnecting', 'reconnecting');
    assert.equal(away.call?.id, callId, 'the call is still here');
    assert.equal(away.call?.reconnecting, true);
    assert.equal(away.ended, null);
    assert.equal(announcement(away), 'Reconnecting… the call with Ann goes on');
    const told = await ann.until((s) => s.call?.peerReconnecting === true, 'told Bob is reconnecting');
    assert.equal(announcement(told), "Bob's connection dropped — reconnecting…");
    // Ann holds while Bob is away: he learns it from the resync.
    await ann.phone.calls.setHeld(true);

    path.up();
    const back = await bob.until(
      (s) => s.connection === 'connected' && s.call?.reconnecting === false,
      'back in the call',
      15_000,
    );
    assert.equal(back.call?.id, callId);
    assert.deepEqual(back.call?.held, { self: false, peer: true });
    assert.ok(back.call?.answeredAt != null);
    await ann.until((s) => s.call?.peerReconnecting === false, 'told Bob is back');
    assert.deepEqual(bob.engine(callId).calls, ['prepare', 'start'], 'the same media, never stopped');

    await bob.phone.calls.hangup();
    const ended = await ann.until((s) => s.ended !== null, 'ended for Ann');
    assert.deepEqual([ended.ended?.reason, ended.ended?.by], [EndReason.HungUp, 'peer']);
  });

  it('a connection that does not come back within the grace: both see the call end as a lost connection', async () => {
    const graceMs = 1_500;
    const short = await startTestServer({ reconnectGraceMs: graceMs });
    try {
      const { ann, bob, path } = await answeredOverPath(short);
      path.down();
      const [bobs, anns] = await Promise.all([
        bob.until((s) => s.ended !== null, 'ended for Bob', graceMs + 5_000),
        ann.until((s) => s.ended !== null, 'ended for Ann', graceMs + 5_000),
      ]);
      assert.deepEqual([bobs.ended?.reason, bobs.ended?.by], [EndReason.Disconnected, 'self']);
      assert.equal(bobs.ended?.message, 'Connection lost: you could not reconnect in time');
      assert.deepEqual([anns.ended?.reason, anns.ended?.by], [EndReason.Disconnected, 'peer']);
      assert.equal(anns.ended?.message, 'Connection lost: Bob could not reconnect in time');
    } finally {
      for (const p of phones.splice(0)) p.close();
      await short.stop();
    }
  });
});

describe('the history beside the people (a wide screen)', () => {
  it('shows a missed call as it happens, marks it seen, and keeps it New on screen', async () => {
    const { ann, bob } = await pair();
    await bob.phone.history.pin(true);
    void ann.phone.calls.invite(bob.self.id);
    const callId = (await ringingHere(bob)).call?.id as CallId;
    await ann.phone.calls.hangup();
    // Nothing opened the history: the pinned list follows the server's history:changed.
    const shown = await bob.until(
      (s) => s.history.some((e) => e.callId === callId && e.missed),
      'the missed call listed',
    );
    // On screen is seen: the server's count goes to 0, and the list reloads after that change...
    const reloaded = await bob.until(
      (s) =>
        s.unreadMissed === 0 && s.history !== shown.history && s.history.some((e) => e.callId === callId),
      'marked seen and reloaded',
    );
    // ...without taking New off the call the person has not looked at yet.
    assert.equal(reloaded.history.find((e) => e.callId === callId)?.unread, true);
    assert.equal(reloaded.view, 'people');
  });

  it('lists an answered call once it ends, on both sides, without being opened', async () => {
    const { ann, bob } = await pair();
    await Promise.all([ann.phone.history.pin(true), bob.phone.history.pin(true)]);
    void ann.phone.calls.invite(bob.self.id);
    const callId = (await ringingHere(bob)).call?.id as CallId;
    await bob.phone.calls.answer();
    await ann.until((s) => s.call?.answeredAt != null, 'in call');
    await ann.phone.calls.hangup();
    for (const [p, direction] of [
      [ann, 'outgoing'],
      [bob, 'incoming'],
    ] as const) {
      await p.until(
        (s) =>
          s.history.some((e) => e.callId === callId && e.direction === direction && e.answeredAt !== null),
        `the ${direction} call listed`,
      );
    }
  });
});
