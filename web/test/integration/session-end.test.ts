/**
 * The page's side of sessions that end and credentials that are refreshed (review H5, M4), in Node
 * against the real server: each TURN refresh reaches the engine of a live call, and a session
 * signed out elsewhere takes the page to the sign-in screen saying why.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SessionEndReason } from '@softphone/sfu/protocol';
import { startTestServer, type TestServer } from '@softphone/sfu/testing';
import { screenOf } from '../../src/call/phone-state.ts';
import { SESSION_ENDED_MESSAGES } from '../../src/call/session-controller.ts';
import { nodePhone, type NodePhone } from './node-phone.ts';

let server: TestServer;
const phones: NodePhone[] = [];
before(async () => {
  server = await startTestServer({
    turn: {
      external: { urls: ['turn:turn.example.com:3478'], secret: 'a-test-secret-of-some-length' },
      credentialTtlMs: 4_000,
      credentialRefreshMs: 300,
    },
  });
});
after(async () => {
  for (const p of phones) p.close();
  await server.stop();
});

async function signedUp(displayName: string) {
  const p = nodePhone(server);
  phones.push(p);
  await p.phone.session.signUp(
    `u${crypto.randomBytes(5).toString('hex')}`,
    'correct horse battery',
    displayName,
  );
  const s = await p.until((s) => s.connection === 'connected' && s.self !== null, 'connected');
  return Object.assign(p, { self: s.self ?? assert.fail('no self') });
}

const turnUser = (p: NodePhone) => p.phone.state.iceServers[0]?.username ?? '';

describe('sessions and credentials in the page', { timeout: 60_000 }, () => {
  it('a live call’s engine gets each TURN credential refresh', async () => {
    const ann = await signedUp('Ann');
    const bob = await signedUp('Bob');
    // Presence is for contacts (issue 19, M7): Ann adds Bob by username, as a person would.
    await ann.phone.session.addContact(bob.phone.state.account?.username ?? assert.fail('no account'));
    await ann.until((s) => s.users.some((u) => u.id === bob.self.id), 'seeing Bob');
    void ann.phone.calls.invite(bob.self.id);
    const call = await ann.until((s) => s.call?.id != null, 'calling');
    const engine = ann.engine(call.call?.id ?? assert.fail('no call id'));
    const first = turnUser(ann);
    // A refresh carries a later expiry (whole seconds): wait for one that differs from the first.
    const later = await ann.until(
      (s) => (s.iceServers[0]?.username ?? first) !== first,
      'a fresh credential',
    );
    assert.ok(
      engine.calls.includes(`setIceServers ${later.iceServers[0]?.username}`),
      `the engine was given the fresh credential: ${engine.calls.join(', ')}`,
    );
    await ann.phone.calls.hangup();
  });

  it('signed out in another tab: the sign-in screen, saying so', async () => {
    const ann = await signedUp('Ann');
    const res = await ann.jar.fetch(`${server.url}/api/signout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(res.status, 200);
    const s = await ann.until((s) => screenOf(s) === 'sign-in', 'on the sign-in screen', 2_000);
    assert.equal(s.authError, SESSION_ENDED_MESSAGES[SessionEndReason.SignedOut]);
    assert.equal(s.connection, 'signed-out');
    assert.deepEqual(s.iceServers, [], 'no credentials kept');
  });
});
