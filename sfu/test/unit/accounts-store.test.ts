/**
 * What the store keeps and what sign-in allows, on a real SQLite file: sign-in failures limited per
 * username across addresses, devices bounded per user, expired sessions purged.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  AccountError,
  AccountService,
  USER_FAILURES_PER_15_MIN,
} from '../../src/accounts/account-service.ts';
import { ErrorCode } from '../../src/protocol/index.ts';
import { openDb, type Db } from '../../src/store/db.ts';
import { MAX_DEVICES_PER_USER, SqliteDevicesRepo } from '../../src/store/devices.repo.ts';
import { SqlitePushRepo } from '../../src/store/push.repo.ts';
import { SqliteSessionsRepo } from '../../src/store/sessions.repo.ts';
import { SqliteUsersRepo } from '../../src/store/users.repo.ts';

const freshDb = (): Db =>
  openDb(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'accounts-store-')), 'x.db'));
const count = (db: Db, table: string): number =>
  (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

async function accountWithUser(db: Db, username: string, password: string): Promise<AccountService> {
  const accounts = new AccountService(new SqliteUsersRepo(db), new SqliteSessionsRepo(db));
  await accounts.signUp({ username, password, displayName: username }, '192.0.2.1');
  return accounts;
}

describe('sign-in failures', () => {
  it(`limits one username to ${USER_FAILURES_PER_15_MIN} failures from all addresses together, even for the right password after; other usernames unaffected`, async () => {
    const db = freshDb();
    const accounts = await accountWithUser(db, 'victim', 'right password');
    await accounts.signUp(
      { username: 'bystander', password: 'their password', displayName: 'B' },
      '192.0.2.2',
    );
    // One guess from each of many addresses: the per-address limit never trips.
    for (let i = 0; i < USER_FAILURES_PER_15_MIN; i++) {
      await assert.rejects(
        accounts.signIn(
          { username: i % 2 ? 'victim' : 'VICTIM', password: `guess ${i}` },
          `198.51.100.${i + 1}`,
        ),
        (e: AccountError) => e.code === ErrorCode.BadCredentials,
      );
    }
    await assert.rejects(
      accounts.signIn({ username: 'victim', password: 'right password' }, '203.0.113.50'),
      (e: AccountError) => e.code === ErrorCode.RateLimited && (e.retryAfterSeconds ?? 0) > 0,
    );
    const other = await accounts.signIn(
      { username: 'bystander', password: 'their password' },
      '203.0.113.50',
    );
    assert.equal(other.account.username, 'bystander');
    db.close();
  });
});

describe('devices', () => {
  it(`keeps at most ${MAX_DEVICES_PER_USER} per user: a new one pushes out the least recently seen, with its push registrations`, () => {
    const db = freshDb();
    const users = new SqliteUsersRepo(db);
    const devices = new SqliteDevicesRepo(db);
    const push = new SqlitePushRepo(db);
    for (const id of ['u1', 'u2'])
      users.create({ id, username: id, displayName: id, passwordHash: 'x', createdAt: 0 });
    const ids = Array.from({ length: MAX_DEVICES_PER_USER + 5 }, () => crypto.randomUUID());
    const oldest = ids[0] ?? '';
    assert.ok(devices.seen({ id: oldest, userId: 'u1', label: 'old phone' }, 1));
    push.registerVoip(
      oldest,
      'u1',
      { token: 'a'.repeat(64), environment: 'sandbox', bundleId: 'b', appVersion: '1' },
      1,
    );
    assert.ok(devices.seen({ id: crypto.randomUUID(), userId: 'u2', label: 'u2 laptop' }, 1));
    ids.slice(1).forEach((id, i) => assert.ok(devices.seen({ id, userId: 'u1', label: `tab ${i}` }, 2 + i)));

    const kept = devices.listByUser('u1').map((d) => d.id);
    assert.equal(kept.length, MAX_DEVICES_PER_USER);
    assert.deepEqual(
      kept,
      ids.slice(-MAX_DEVICES_PER_USER).reverse(),
      'the most recently seen, newest first',
    );
    assert.equal(count(db, 'voip_registrations'), 0, "the pushed-out device's token went with it");
    assert.equal(devices.listByUser('u2').length, 1, "another user's devices are untouched");
    // A device seen again is not new: it moves to the front and pushes nobody out.
    const again = ids[ids.length - MAX_DEVICES_PER_USER] ?? '';
    assert.ok(devices.seen({ id: again, userId: 'u1', label: 'back' }, 1_000));
    assert.equal(devices.listByUser('u1').length, MAX_DEVICES_PER_USER);
    assert.equal(devices.listByUser('u1')[0]?.id, again);
    db.close();
  });
});

describe('sessions', () => {
  it('purges the expired ones, keeps the live ones', () => {
    const db = freshDb();
    new SqliteUsersRepo(db).create({
      id: 'u1',
      username: 'u1',
      displayName: 'u1',
      passwordHash: 'x',
      createdAt: 0,
    });
    const sessions = new SqliteSessionsRepo(db);
    sessions.create('expired', 'u1', 1_000);
    sessions.create('just-expired', 'u1', 2_000);
    sessions.create('live', 'u1', 2_001);
    assert.deepEqual(sessions.deleteExpired(2_000).sort(), ['expired', 'just-expired']);
    assert.equal(sessions.find('live', 2_000)?.userId, 'u1');
    assert.equal(count(db, 'sessions'), 1);
    db.close();
  });
});
