/**
 * What a call does when part of it fails after it was set up, with the page's controllers in Node
 * against the real server (real mediasoup workers, real SQLite): a direction that carries no audio,
 * an answer that is not confirmed, media that can't be prepared. The engines are stand-ins that
 * send nothing (WebRTC does not run in Node), so every answered call here is silent both ways, as
 * the SFU's own counters see it.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { EndReason, type CallId } from '@softphone/sfu/protocol';
import { startTestServer, type TestServer } from '@softphone/sfu/testing';
import type { SignallingTransport } from '../../src/signalling/signalling-client.ts';
import { nodePhone, type NodePhoneOptions } from './node-phone.ts';

let server: TestServer;
const closing: (() => void)[] = [];
before(async () => {
  server = await startTestServer();
});
after(async () => {
  for (const close of closing) close();
  await server.stop();
});

async function signedUp(displayName: string, opts: NodePhoneOptions = {}) {
  const p = nodePhone(server, opts);
  closing.push(() => p.close());
  const username = `u${crypto.randomBytes(5).toString('hex')}`;
  await p.phone.session.signUp(username, 'correct horse battery', displayName);
  const s = await p.until((st) => st.connection === 'connected' && st.self !== null, 'connected');
  return Object.assign(p, { username, self: s.self ?? assert.fail('no self') });
}

async function pair(annOpts: NodePhoneOptions = {}, bobOpts: NodePhoneOptions = {}) {
  const ann = await signedUp('Ann', annOpts);
  const bob = await signedUp('Bob', bobOpts);
  await ann.phone.session.addContact(bob.username);
  await ann.until((s) => s.users.some((u) => u.id === bob.self.id), 'seeing Bob');
  return { ann, bob };
}

/** The server gets the answer, but its confirmation is lost: the page hears "did not answer in time". */
const answerUnconfirmed = (inner: SignallingTransport): SignallingTransport => ({
  connect: () => inner.connect(),
  close: () => inner.close(),
  get connected() {
    return inner.connected;
  },
  on: (e, listener) => inner.on(e, listener),
  request: async (e, payload) => {
    const res = await inner.request(e, payload);
    if (e !== 'call:answer') return res;
    return {
      ok: false,
      error: { code: 'internal', message: 'the server did not answer in time' },
    } as typeof res;
  },
});

describe('a direction that carries no audio after answer', () => {
  it('is a media stall told to both parties from their side, each silent sender is asked to restart ICE, and the call keeps it', async () => {
    const { ann, bob } = await pair();
    void ann.phone.calls.invite(bob.self.id);
    const ringing = await bob.until((s) => s.call?.direction === 'incoming' && s.call.id !== null, 'ringing');
    const callId = ringing.call?.id as CallId;
    await bob.phone.calls.answer();
    // The threshold is 3 s from the answer; generous on a busy machine.
    const bothStalled = (who: typeof ann) =>
      who.until(
        (s) =>
          s.call?.stalled['to-peer'] === 'no-rtp-from-sender' &&
          s.call.stalled['from-peer'] === 'no-rtp-from-sender',
        'told of a stall both ways',
        15_000,
      );
    await Promise.all([bothStalled(ann), bothStalled(bob)]);
    await ann.until(() => ann.engine(callId).calls.includes('restartIce'), 'asked to restart ICE', 5_000);
    await bob.until(() => bob.engine(callId).calls.includes('restartIce'), 'asked to restart ICE', 5_000);

    await ann.phone.calls.hangup();
    await bob.until((s) => s.call === null, 'ended');
    await server.server.record.settled();
    const record = await server.server.history.directions(callId);
    assert.deepEqual(
      record.map((r) => [r.direction, r.packets, r.firstRtpMs, r.stalls, r.lastCause]),
      [
        ['caller->callee', 0, null, 1, 'no-rtp-from-sender'],
        ['callee->caller', 0, null, 1, 'no-rtp-from-sender'],
      ],
    );
    for (const r of record) assert.ok(r.stalledMs > 0, `${r.direction} stalled until the end`);
  });
});

describe('an answer that is not confirmed', () => {
  it('ends the call on both sides as "answer failed", not as cancelled, and the caller is not left in it', async () => {
    const { ann, bob } = await pair({}, { wrap: answerUnconfirmed });
    void ann.phone.calls.invite(bob.self.id);
    await bob.until((s) => s.call?.direction === 'incoming' && s.call.id !== null, 'ringing');
    await bob.phone.calls.answer();
    const bobEnded = await bob.until((s) => s.ended !== null, 'ended (callee)');
    assert.deepEqual([bobEnded.ended?.reason, bobEnded.ended?.by], [EndReason.AnswerFailed, 'self']);
    const annEnded = await ann.until((s) => s.ended !== null, 'ended (caller)');
    assert.deepEqual([annEnded.ended?.reason, annEnded.ended?.by], [EndReason.AnswerFailed, 'peer']);
    assert.equal(annEnded.ended?.message, "Call failed: Bob's answer did not get through");
  });
});

describe('media that cannot be prepared', () => {
  it('fails the call for both with the media-failed reason while it rings', async () => {
    const { ann, bob } = await pair({ prepareFails: new Error('the media server refused the request') });
    void ann.phone.calls.invite(bob.self.id);
    const annEnded = await ann.until((s) => s.ended !== null, 'ended (caller)');
    assert.equal(annEnded.ended?.reason, EndReason.MediaFailed);
    const bobEnded = await bob.until((s) => s.ended !== null, 'ended (callee)');
    assert.equal(bobEnded.ended?.reason, EndReason.MediaFailed);
  });
});
