/**
 * What the store keeps, on both engines: every case runs once on a fresh SQLite file and once on a
 * fresh database of a throwaway PostgreSQL cluster. Case-insensitive usernames, epoch-ms and counts
 * as numbers, booleans, upserts, the shared VAPID key, and a dead node's calls finalised exactly
 * once; and what sign-in allows over them (failures limited per username across addresses,
 * devices bounded per user, expired sessions purged).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, describe, it } from 'node:test';
import { environmentSkip } from '@softphone/test-support/environment-skip';
import {
  AccountError,
  AccountService,
  USER_FAILURES_PER_15_MIN,
} from '../../src/accounts/account-service.ts';
import { EndReason, ErrorCode, type QualitySummary } from '../../src/protocol/index.ts';
import { SqlCallsRepo } from '../../src/store/calls.repo.ts';
import { SqlContactsRepo } from '../../src/store/contacts.repo.ts';
import type { Db } from '../../src/store/db.ts';
import { MAX_DEVICES_PER_USER, SqlDevicesRepo } from '../../src/store/devices.repo.ts';
import { SqlPushRepo } from '../../src/store/push.repo.ts';
import { SqlSessionsRepo } from '../../src/store/sessions.repo.ts';
import { SqlUsersRepo } from '../../src/store/users.repo.ts';
import { ENGINES, engines, postgresMissing } from '../support/stores.ts';

const stores = engines();
after(() => stores.stop());

const count = async (db: Db, table: 'sessions' | 'voip_registrations'): Promise<number> =>
  (
    await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ).n;

const user = (id: string, username = id) => ({
  id,
  username,
  displayName: `${id} name`,
  passwordHash: 'x',
  createdAt: 1_700_000_000_000,
});

const voip = (token: string) => ({
  token,
  environment: 'sandbox' as const,
  bundleId: 'b',
  appVersion: '1',
});

const quality: QualitySummary = {
  heard: true,
  timeToFirstAudioMs: 120,
  packetsReceived: 500,
  packetsLost: 0,
  jitterMs: 2.5,
  roundTripMs: 30,
};

for (const engine of ENGINES) {
  describe(
    `store on ${engine}`,
    { skip: engine === 'postgres' && environmentSkip(postgresMissing()) },
    () => {
      const fresh = async () => (await stores.open(engine)).db;

      describe('users', () => {
        it('usernames are unique and found case-insensitively (ASCII only); times come back as numbers', async () => {
          const users = new SqlUsersRepo(await fresh());
          assert.equal(await users.create(user('u1', 'Alice')), true);
          assert.equal(await users.create(user('u2', 'ALICE')), false, 'taken, whatever the case');
          const found = await users.byUsername('aLiCe');
          assert.deepEqual(found, { ...user('u1', 'Alice') }, 'the row as stored, created_at a number');
          await users.create(user('u3', 'kate'));
          // KELVIN SIGN lower-cases to "k" in JavaScript: a sign-in name must not fold onto an account.
          assert.equal(await users.byUsername('\u212Aate'), undefined, 'no Unicode folding');
          await users.setPasswordHash('u1', 'y');
          assert.equal((await users.byId('u1'))?.passwordHash, 'y');
        });
      });

      describe('sign-in failures', () => {
        it(`limits one username to ${USER_FAILURES_PER_15_MIN} failures from all addresses together, even for the right password after; other usernames unaffected`, async () => {
          const db = await fresh();
          const accounts = new AccountService(new SqlUsersRepo(db), new SqlSessionsRepo(db));
          await accounts.signUp(
            { username: 'victim', password: 'right password', displayName: 'V' },
            '192.0.2.1',
          );
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
        });
      });

      describe('devices', () => {
        it(`keeps at most ${MAX_DEVICES_PER_USER} per user: a new one pushes out the least recently seen, with its push registrations`, async () => {
          const db = await fresh();
          const users = new SqlUsersRepo(db);
          const devices = new SqlDevicesRepo(db);
          const push = new SqlPushRepo(db);
          for (const id of ['u1', 'u2']) await users.create(user(id));
          const ids = Array.from({ length: MAX_DEVICES_PER_USER + 5 }, () => crypto.randomUUID());
          const oldest = ids[0] ?? '';
          assert.ok(await devices.seen({ id: oldest, userId: 'u1', label: 'old phone' }, 1));
          await push.registerVoip(oldest, 'u1', voip('a'.repeat(64)), 1);
          assert.ok(await devices.seen({ id: crypto.randomUUID(), userId: 'u2', label: 'u2 laptop' }, 1));
          for (const [i, id] of ids.slice(1).entries())
            assert.ok(await devices.seen({ id, userId: 'u1', label: `tab ${i}` }, 2 + i));

          const kept = (await devices.listByUser('u1')).map((d) => d.id);
          assert.equal(kept.length, MAX_DEVICES_PER_USER);
          assert.deepEqual(
            kept,
            ids.slice(-MAX_DEVICES_PER_USER).reverse(),
            'the most recently seen, newest first',
          );
          assert.equal(
            await count(db, 'voip_registrations'),
            0,
            "the pushed-out device's token went with it",
          );
          assert.equal((await devices.listByUser('u2')).length, 1, "another user's devices are untouched");
          // A device seen again is not new: it moves to the front and pushes nobody out.
          const again = ids[ids.length - MAX_DEVICES_PER_USER] ?? '';
          assert.ok(await devices.seen({ id: again, userId: 'u1', label: 'back' }, 1_000));
          const now = await devices.listByUser('u1');
          assert.equal(now.length, MAX_DEVICES_PER_USER);
          assert.deepEqual(
            { id: now[0]?.id, label: now[0]?.label, lastSeenAt: now[0]?.lastSeenAt },
            { id: again, label: 'back', lastSeenAt: 1_000 },
          );
          assert.equal(
            await devices.seen({ id: again, userId: 'u2', label: 'stolen' }, 2_000),
            false,
            "another user's device id is refused",
          );
        });
      });

      describe('sessions', () => {
        it('purges the expired ones, keeps the live ones', async () => {
          const db = await fresh();
          await new SqlUsersRepo(db).create(user('u1'));
          const sessions = new SqlSessionsRepo(db);
          await sessions.create('expired', 'u1', 1_000);
          await sessions.create('just-expired', 'u1', 2_000);
          await sessions.create('live', 'u1', 2_001);
          await sessions.create('other', 'u1', Date.now() + 60_000);
          assert.deepEqual((await sessions.deleteExpired(2_000)).sort(), ['expired', 'just-expired']);
          assert.deepEqual(await sessions.find('live', 2_000), { userId: 'u1', expiresAt: 2_001 });
          assert.equal(await sessions.find('live', 2_001), undefined, 'expired at its time');
          assert.deepEqual(await sessions.deleteOthers('u1', 'live'), ['other']);
          assert.equal(await count(db, 'sessions'), 1);
          assert.equal(await sessions.delete('live'), true);
          assert.equal(await sessions.delete('live'), false);
        });
      });

      describe('push and contacts', () => {
        it("a token moves between one user's devices, never to another user's; wakeable is a boolean", async () => {
          const db = await fresh();
          const users = new SqlUsersRepo(db);
          const devices = new SqlDevicesRepo(db);
          const push = new SqlPushRepo(db);
          const contacts = new SqlContactsRepo(db);
          for (const id of ['u1', 'u2', 'u3']) await users.create(user(id));
          for (const [d, u] of [
            ['d1', 'u1'],
            ['d1b', 'u1'],
            ['d2', 'u2'],
          ])
            await devices.seen({ id: d ?? '', userId: u ?? '', label: 'x' }, 1);
          assert.equal(await push.registerVoip('d1', 'u1', voip('t'), 1), true);
          assert.equal(await push.registerVoip('d1b', 'u1', voip('t'), 2), true, 'a reinstall: it moves');
          assert.deepEqual(await push.voipTargets('u1'), [
            { deviceId: 'd1b', token: 't', environment: 'sandbox', bundleId: 'b' },
          ]);
          assert.equal(await push.registerVoip('d2', 'u2', voip('t'), 3), false, "another user's: refused");
          assert.equal((await push.voipTargets('u2')).length, 0);

          assert.equal(await contacts.add('u2', 'u1', 5), true);
          assert.equal(await contacts.add('u2', 'u1', 6), false, 'already a contact');
          await contacts.add('u2', 'u3', 5);
          const list = (await contacts.contactsOf('u2')).sort((a, b) => a.peer.id.localeCompare(b.peer.id));
          assert.deepEqual(list, [
            { peer: { id: 'u1', displayName: 'u1 name' }, wakeable: true },
            { peer: { id: 'u3', displayName: 'u3 name' }, wakeable: false },
          ]);
          assert.equal(await contacts.wakeable('u1'), true);
          assert.equal(await contacts.wakeable('u3'), false);
          assert.deepEqual(await push.wakeableUsers(), [{ id: 'u1', displayName: 'u1 name' }]);
          assert.equal(await push.unregisterVoipToken('d1b', 'other'), false);
          assert.equal(await push.deleteVoipToken('t'), true);
          assert.equal(await contacts.wakeable('u1'), false);
        });

        it('nodes starting together on one database all get the first stored server key', async () => {
          const db = await fresh();
          const repos = Array.from({ length: 4 }, () => new SqlPushRepo(db));
          const keys = await Promise.all(repos.map((r, i) => r.serverKey('vapid', () => `key ${i}`, i)));
          assert.equal(new Set(keys).size, 1, keys.join(', '));
          assert.equal(await repos[0]?.serverKey('vapid', () => 'later', 9), keys[0]);
        });
      });

      describe('calls', () => {
        const twoUsers = async () => {
          const { db, where } = await stores.open(engine);
          const users = new SqlUsersRepo(db);
          await users.create(user('ann'));
          await users.create(user('bob'));
          return { db, where, calls: new SqlCallsRepo(db) };
        };

        it('history, the missed-call badge, quality, directions and microphone permissions', async () => {
          const { calls } = await twoUsers();
          await calls.created({
            id: 'c1',
            callerId: 'ann',
            calleeId: 'bob',
            at: 1_700_000_000_000,
            homeNode: 'n1',
          });
          await calls.answered('c1', 1_700_000_001_000);
          await calls.ended('c1', 1_700_000_061_000, EndReason.HungUp, 'caller');
          await calls.ended('c1', 1_700_000_099_000, EndReason.MediaLost, 'server');
          await calls.created({
            id: 'c2',
            callerId: 'ann',
            calleeId: 'bob',
            at: 1_700_000_100_000,
            homeNode: 'n1',
          });
          await calls.ended('c2', 1_700_000_130_000, EndReason.NoAnswer, 'server');
          await calls.saveQuality('c1', 'bob', quality);
          await calls.saveQuality('c1', 'bob', { ...quality, packetsLost: 3 });
          assert.equal(await calls.unreadMissed('bob'), 1);
          assert.equal(await calls.unreadMissed('ann'), 0);

          const [missed, answered] = await calls.history('bob', 10);
          assert.deepEqual(answered, {
            callId: 'c1',
            direction: 'incoming',
            peer: { id: 'ann', displayName: 'ann name' },
            startedAt: 1_700_000_000_000,
            answeredAt: 1_700_000_001_000,
            endedAt: 1_700_000_061_000,
            endReason: EndReason.HungUp,
            durationMs: 60_000,
            missed: false,
            unread: false,
            quality: { ...quality, packetsLost: 3 },
          });
          assert.equal(missed?.missed, true);
          assert.equal(missed?.unread, true);
          assert.equal((await calls.history('ann', 1))[0]?.direction, 'outgoing');
          await calls.markSeen('bob', 1_700_000_200_000);
          assert.equal(await calls.unreadMissed('bob'), 0);

          const record = {
            direction: 'caller->callee' as const,
            packets: 3_000_000_000,
            firstRtpMs: 40,
            stalls: 1,
            stalledMs: 3_000,
            lastCause: 'not-forwarded' as const,
          };
          await calls.saveDirections('c1', [
            record,
            { ...record, direction: 'callee->caller', lastCause: null },
          ]);
          await calls.saveDirections('c1', [{ ...record, packets: 3_000_000_050 }]);
          assert.deepEqual(await calls.directions('c1'), [
            { ...record, packets: 3_000_000_050 },
            { ...record, direction: 'callee->caller', lastCause: null },
          ]);
          await calls.saveMicPermission('c1', 'bob', 'denied', 1);
          await calls.saveMicPermission('c1', 'bob', 'granted', 2);
          assert.deepEqual(await calls.micPermissions('c1'), { bob: 'granted' });
          assert.equal(await calls.isParty('c1', 'bob'), true);
          assert.equal(await calls.isParty('c1', 'carol'), false);
        });

        it("a dead node's unfinished calls are finalised exactly once, by one of the nodes racing to", async () => {
          const { db, calls, where } = await twoUsers();
          const ids = Array.from({ length: 40 }, (_, i) => `dead-${i}`);
          for (const id of ids)
            await calls.created({ id, callerId: 'ann', calleeId: 'bob', at: 1, homeNode: 'dead' });
          await calls.ended('dead-0', 5, EndReason.HungUp, 'caller');
          await calls.created({ id: 'alive-1', callerId: 'ann', calleeId: 'bob', at: 1, homeNode: 'alive' });
          // Three survivors, each with its own connections to the database.
          const racers = await Promise.all(
            [1, 2, 3].map(async () => new SqlCallsRepo((await stores.reopen(engine, where)).db)),
          );
          const results = await Promise.all(racers.map((r, i) => r.finaliseNode('dead', 100 + i)));
          const all = results.flat();
          assert.equal(all.length, ids.length - 1, 'every unfinished call once');
          assert.deepEqual(new Set(all), new Set(ids.slice(1)));
          const rows = await db
            .selectFrom('calls')
            .select(['id', 'end_reason', 'ended_at', 'ended_by'])
            .execute();
          const byId = new Map(rows.map((r) => [r.id, r]));
          assert.deepEqual(byId.get('dead-0'), {
            id: 'dead-0',
            end_reason: 'hung-up',
            ended_at: 5,
            ended_by: 'caller',
          });
          assert.equal(byId.get('dead-7')?.end_reason, EndReason.ServerLost);
          assert.equal(byId.get('dead-7')?.ended_by, 'server');
          assert.equal(byId.get('alive-1')?.ended_at, null, "another node's call is untouched");
          assert.deepEqual(await calls.finaliseNode('dead', 200), [], 'nothing left to finalise');
        });
      });
    },
  );
}
