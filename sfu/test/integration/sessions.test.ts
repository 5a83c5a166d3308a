/**
 * A session ends everywhere at once (review H5): sign-out, expiry and a password change send
 * `session:ended` to every socket admitted with that session (a page's, an iPhone shell's) and
 * disconnect them; the same user's other sessions carry on. No TURN credential goes out after.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SESSION_TTL_MS } from '../../src/accounts/account-service.ts';
import { EndReason, SessionEndReason, type ServerEventPayload } from '../../src/protocol/index.ts';
import {
  connect,
  connectDevice,
  next,
  signUp,
  startHarness,
  type Client,
  type Harness,
  type User,
} from './harness.ts';

const post = (url: string, path: string, body: unknown, cookie?: string) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });

/** A second sign-in of the same account: another session (another browser). */
async function signIn(url: string, user: User): Promise<User> {
  const res = await post(url, '/api/signin', { username: user.username, password: user.password });
  assert.equal(res.status, 200);
  return { ...user, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
}

/** What a socket is told and how it goes: resolves with both once it is disconnected. */
function ending(socket: Client): Promise<{ ended: ServerEventPayload<'session:ended'> | null; why: string }> {
  let ended: ServerEventPayload<'session:ended'> | null = null;
  socket.on('session:ended', (e) => (ended = e));
  return new Promise((resolve) => socket.once('disconnect', (why) => resolve({ ended, why })));
}

/** Fails the test after `ms` (a generous bound; the assertion after checks the real one). */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The socket still works: a request is answered. */
async function alive(socket: Client): Promise<boolean> {
  return socket.connected && (await socket.timeout(2_000).emitWithAck('history:list', {})).ok;
}

describe('sessions that end', { timeout: 60_000 }, () => {
  let h: Harness;
  let clock = Date.now();
  before(async () => {
    h = await startHarness({
      now: () => clock,
      sessionSweepMs: 50,
      turn: {
        external: { urls: ['turn:turn.example.com:3478'], secret: 'a-test-secret-of-some-length' },
        credentialTtlMs: 4_000,
        credentialRefreshMs: 100,
      },
    });
  });
  after(async () => h?.stop());

  it('sign-out disconnects that session’s sockets within 1 s, and no other session’s', async (t) => {
    const user = await signUp(h.url, 'Leaver');
    const other = await signIn(h.url, user);
    const page = await connectDevice(h.url, user);
    // The iPhone shell's own socket: the same device, the same cookie.
    const shell = await connectDevice(h.url, user, page.deviceId);
    const elsewhere = await connectDevice(h.url, other);
    const endings = [ending(page.socket), ending(shell.socket)];
    let issuedAfter = 0;
    page.socket.on('session:ended', () => page.socket.on('session:ice-servers', () => (issuedAfter += 1)));
    try {
      const start = performance.now();
      assert.equal((await post(h.url, '/api/signout', {}, user.cookie)).status, 200);
      const results = await within(5_000, Promise.all(endings));
      const elapsed = performance.now() - start;
      t.diagnostic(`sign-out → both sockets disconnected in ${elapsed.toFixed(0)} ms`);
      assert.ok(elapsed < 1_000, `disconnected after ${Math.round(elapsed)} ms`);
      for (const r of results) {
        assert.deepEqual(r.ended, { reason: SessionEndReason.SignedOut });
        assert.equal(r.why, 'io server disconnect', 'the client does not reconnect');
      }
      assert.equal(issuedAfter, 0, 'no TURN credential after the session ended');
      assert.ok(await alive(elsewhere.socket), 'the other session is untouched');
      await assert.rejects(connectDevice(h.url, user), /session:welcome/, 'the cookie admits nobody');
    } finally {
      for (const s of [page, shell, elsewhere]) s.socket.close();
    }
  });

  it('a signed-out party’s call ends at once, without waiting out the reconnect grace', async () => {
    const user = await signUp(h.url, 'Caller');
    const caller = await connectDevice(h.url, user);
    const callee = await connect(h.url, 'Callee');
    try {
      const incoming = next(callee.socket, 'call:incoming');
      assert.ok((await caller.socket.emitWithAck('call:invite', { to: callee.self.id })).ok);
      await incoming;
      const ended = next(callee.socket, 'call:ended', 2_000);
      await post(h.url, '/api/signout', {}, user.cookie);
      // Well inside the harness's 20 s reconnect grace.
      assert.equal((await ended).reason, EndReason.Disconnected);
    } finally {
      caller.socket.close();
      callee.socket.close();
    }
  });

  it('expiry: the sweep deletes expired sessions and disconnects their sockets', async () => {
    const user = await signUp(h.url, 'Expiring');
    const device = await connectDevice(h.url, user);
    const ended = ending(device.socket);
    const live = async () => (await h.server.db.selectFrom('sessions').select('token_hash').execute()).length;
    try {
      const before = await live();
      clock += SESSION_TTL_MS + 1;
      const r = await within(5_000, ended);
      assert.deepEqual(r.ended, { reason: SessionEndReason.Expired });
      assert.equal(r.why, 'io server disconnect');
      assert.equal(await live(), 0, `the ${before} expired sessions are purged`);
    } finally {
      device.socket.close();
    }
  });

  it('a password change ends the account’s other sessions, not the one that changed it', async () => {
    const user = await signUp(h.url, 'Changer');
    const thief = await signIn(h.url, user);
    const mine = await connectDevice(h.url, user);
    const theirs = await connectDevice(h.url, thief);
    const ended = ending(theirs.socket);
    try {
      const res = await post(
        h.url,
        '/api/password',
        { currentPassword: user.password, newPassword: 'a brand new secret' },
        user.cookie,
      );
      assert.equal(res.status, 200);
      assert.deepEqual((await within(5_000, ended)).ended, { reason: SessionEndReason.PasswordChanged });
      assert.ok(await alive(mine.socket), 'the session that changed it carries on');
      const wrong = await post(
        h.url,
        '/api/password',
        { currentPassword: 'nope', newPassword: 'x'.repeat(9) },
        user.cookie,
      );
      assert.equal(wrong.status, 401);
      assert.equal(
        (await post(h.url, '/api/signin', { username: user.username, password: user.password })).status,
        401,
      );
    } finally {
      mine.socket.close();
      theirs.socket.close();
    }
  });
});
