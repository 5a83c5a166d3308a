/** Accounts over the real HTTP API and SQLite; nothing lost across a server restart. */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EndReason, ErrorCode, type AccountReply, type ErrorReply } from '../../src/protocol/index.ts';
import { environmentSkip } from '@softphone/test-support/environment-skip';
import { SINGLE_NODE_ID } from '../../src/server.ts';
import { SqlCallsRepo } from '../../src/store/calls.repo.ts';
import { openSqlite } from '../../src/store/db.ts';
import { engines, ENGINES, postgresMissing } from '../support/stores.ts';
import { connect, connectDevice, next, signUp, startHarness, type Harness } from './harness.ts';

const post = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('accounts', { timeout: 60_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.stop());

  it('signs up, sets an httpOnly session cookie, and knows who is signed in', async () => {
    const res = await post(h.url, '/api/signup', {
      username: 'ada_l',
      password: 'analytical engine',
      displayName: 'Ada',
    });
    assert.equal(res.status, 201);
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^sp_session=[\w-]{40,};/);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);
    const me = await fetch(`${h.url}/api/me`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as AccountReply).account.displayName, 'Ada');
  });

  it('refuses a taken username (case-insensitively) and invalid input with typed errors', async () => {
    const taken = await post(h.url, '/api/signup', {
      username: 'ADA_L',
      password: 'whatever123',
      displayName: 'X',
    });
    assert.equal(taken.status, 409);
    assert.equal(((await taken.json()) as ErrorReply).error.code, ErrorCode.UsernameTaken);
    const short = await post(h.url, '/api/signup', { username: 'bo', password: 'short', displayName: 'B' });
    assert.equal(short.status, 400);
    assert.equal(((await short.json()) as ErrorReply).error.code, ErrorCode.InvalidPayload);
    const notJson = await fetch(`${h.url}/api/signin`, { method: 'POST', body: 'username=a&password=b' });
    assert.equal(notJson.status, 415);
  });

  it('signs in with the right password, refuses a wrong one without saying which part was wrong', async () => {
    const ok = await post(h.url, '/api/signin', { username: 'ada_l', password: 'analytical engine' });
    assert.equal(ok.status, 200);
    const wrong = await post(h.url, '/api/signin', { username: 'ada_l', password: 'difference engine' });
    assert.equal(wrong.status, 401);
    assert.deepEqual(await wrong.json(), {
      error: { code: ErrorCode.BadCredentials, message: 'wrong username or password' },
    });
    const nobody = await post(h.url, '/api/signin', {
      username: 'nobody_here',
      password: 'difference engine',
    });
    assert.equal(((await nobody.json()) as ErrorReply).error.message, 'wrong username or password');
  });

  it('rate limits repeated failures, even for the right password afterwards', async () => {
    await signUp(h.url, 'Target');
    const user = await signUp(h.url, 'Limited');
    for (let i = 0; i < 5; i++)
      await post(h.url, '/api/signin', { username: user.username, password: 'wrong wrong' });
    const blocked = await post(h.url, '/api/signin', { username: user.username, password: user.password });
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    assert.equal(((await blocked.json()) as ErrorReply).error.code, ErrorCode.RateLimited);
  });

  it('signing out ends the session for HTTP and for new socket connections', async () => {
    const user = await signUp(h.url, 'Leaver');
    assert.equal((await post(h.url, '/api/signout', {}, { cookie: user.cookie })).status, 200);
    assert.equal((await fetch(`${h.url}/api/me`, { headers: { cookie: user.cookie } })).status, 401);
    await assert.rejects(connectDevice(h.url, user), /session:welcome/);
  });
});

describe('restart', { timeout: 60_000 }, () => {
  const stores = engines();
  after(() => stores.stop());

  for (const engine of ENGINES)
    it(
      `keeps accounts, devices and history across a server restart (${engine})`,
      {
        skip: engine === 'postgres' && environmentSkip(postgresMissing()),
      },
      async () => {
        const store = engine === 'postgres' ? { databaseUrl: await stores.fresh('postgres') } : {};
        const h1 = await startHarness({ noAnswerTimeoutMs: 300, ...store });
        const a = await connect(h1.url, 'Persist A');
        const b = await connect(h1.url, 'Persist B');
        const res = await a.socket.emitWithAck('call:invite', { to: b.self.id });
        assert.ok(res.ok);
        assert.equal((await next(a.socket, 'call:ended')).reason, EndReason.NoAnswer);
        a.socket.disconnect();
        b.socket.disconnect();
        await h1.stop();

        // On PostgreSQL, another data directory (another node's disk): everything is in the database.
        const h2 = await startHarness(engine === 'postgres' ? store : { dataDir: h1.dataDir });
        try {
          const me = await fetch(`${h2.url}/api/me`, { headers: { cookie: b.user.cookie } });
          assert.equal(me.status, 200, 'the session survived');
          const again = await connectDevice(h2.url, b.user, b.deviceId);
          assert.equal(again.unreadMissed, 1, 'the missed call survived');
          const list = await again.socket.emitWithAck('history:list', {});
          assert.ok(list.ok);
          assert.equal(list.data.entries[0]?.callId, res.data.callId);
          assert.equal(list.data.entries[0]?.missed, true);
          const devices = await h2.server.db
            .selectFrom('devices')
            .select('id')
            .where('id', '=', b.deviceId)
            .execute();
          assert.equal(devices.length, 1, 'the device survived');
          again.socket.disconnect();
        } finally {
          await h2.stop();
        }
      },
    );

  it("ends, as 'server-lost', the calls a previous run under its node id left unfinished; other nodes' stay", async () => {
    const h1 = await startHarness();
    const a = await connect(h1.url, 'Cut A');
    const b = await connect(h1.url, 'Cut B');
    a.socket.disconnect();
    b.socket.disconnect();
    await h1.stop();
    // As a crash leaves them (a stop ends its calls): rows never ended, this node's and another's.
    const store = await openSqlite(path.join(h1.dataDir, 'softphone.db'));
    const calls = new SqlCallsRepo(store.db);
    const row = { callerId: a.self.id, calleeId: b.self.id, at: Date.now() - 60_000 };
    await calls.created({ ...row, id: 'cut-here', homeNode: SINGLE_NODE_ID });
    await calls.created({ ...row, id: 'cut-elsewhere', homeNode: 'node-b' });
    await store.close();

    const h2 = await startHarness({ dataDir: h1.dataDir });
    try {
      const rows = await h2.server.db
        .selectFrom('calls')
        .select(['id', 'end_reason', 'ended_by'])
        .where('id', 'in', ['cut-here', 'cut-elsewhere'])
        .orderBy('id')
        .execute();
      assert.deepEqual(rows, [
        { id: 'cut-elsewhere', end_reason: null, ended_by: null },
        { id: 'cut-here', end_reason: EndReason.ServerLost, ended_by: 'server' },
      ]);
    } finally {
      await h2.stop();
    }
  });

  it('purges expired sessions when it starts; live ones stay', async () => {
    const h1 = await startHarness();
    const live = await signUp(h1.url, 'Live');
    const stale = await signUp(h1.url, 'Stale');
    await h1.stop();
    // The stale session's time is up (as after 30 days): its row is what a purge removes.
    const hashOf = (u: typeof live) =>
      crypto
        .createHash('sha256')
        .update(u.cookie.replace(/^sp_session=/, ''))
        .digest('hex');
    const store = await openSqlite(path.join(h1.dataDir, 'softphone.db'));
    await store.db
      .updateTable('sessions')
      .set({ expires_at: Date.now() - 1 })
      .where('token_hash', '=', hashOf(stale))
      .execute();
    await store.close();

    const h2 = await startHarness({ dataDir: h1.dataDir });
    try {
      const rows = await h2.server.db.selectFrom('sessions').select('token_hash as t').execute();
      assert.deepEqual(rows, [{ t: hashOf(live) }]);
    } finally {
      await h2.stop();
    }
  });
});
