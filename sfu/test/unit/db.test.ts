/**
 * The migrations: one set for both engines, each applied once even when several nodes start
 * together; an SQLite database the previous store made (its `.sql` migrations, `schema_migrations`
 * rows and data, as `sqlite3 .dump` wrote it: fixtures/softphone-before-issue-20.sql) opens with
 * nothing lost; and PostgreSQL ends up with the same tables and columns as SQLite.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { environmentSkip } from '@softphone/test-support/environment-skip';
import { SqlCallsRepo } from '../../src/store/calls.repo.ts';
import { SqlContactsRepo } from '../../src/store/contacts.repo.ts';
import { migrate, MIGRATIONS, openPostgres, type Db } from '../../src/store/db.ts';
import { SqlPushRepo } from '../../src/store/push.repo.ts';
import { SqlSessionsRepo } from '../../src/store/sessions.repo.ts';
import { SqlUsersRepo } from '../../src/store/users.repo.ts';
import { ENGINES, engines, postgresMissing } from '../support/stores.ts';

const FIXTURE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'fixtures',
  'softphone-before-issue-20.sql',
);

const stores = engines();
after(() => stores.stop());
const skipPostgres = () => environmentSkip(postgresMissing());

/**
 * Every table (but the migrations' own) with its columns. Not their nullability: SQLite lets a
 * non-INTEGER PRIMARY KEY hold NULL (a legacy quirk), so the engines report those differently.
 */
async function shape(db: Db): Promise<Record<string, string[]>> {
  const tables = await db.introspection.getTables();
  return Object.fromEntries(
    tables
      .filter((t) => t.name !== 'schema_migrations')
      .map((t) => [t.name, t.columns.map((c) => c.name).sort()] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

const recorded = async (db: Db) =>
  (await db.selectFrom('schema_migrations').select(['version', 'name']).orderBy('version').execute()).map(
    (r) => r.version,
  );

describe('migrations', () => {
  for (const engine of ENGINES) {
    it(
      `applies every migration once, in order, and records it (${engine})`,
      {
        skip: engine === 'postgres' && skipPostgres(),
      },
      async () => {
        const store = await stores.open(engine);
        assert.deepEqual(
          await recorded(store.db),
          MIGRATIONS.map((m) => m.version),
        );
        assert.deepEqual(await migrate(store.db, engine), [], 'a second run applies nothing');
        if (engine === 'sqlite') {
          const { rows } = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(store.db);
          assert.equal(rows[0]?.journal_mode, 'wal');
        }
        const again = await stores.reopen(engine, store.where);
        assert.deepEqual(
          await recorded(again.db),
          MIGRATIONS.map((m) => m.version),
        );
      },
    );
  }

  it(
    'several nodes starting at once on one fresh PostgreSQL migrate it once',
    { skip: skipPostgres() },
    async () => {
      const url = await stores.fresh('postgres');
      const nodes = await Promise.all([1, 2, 3, 4].map(() => openPostgres(url)));
      try {
        for (const node of nodes)
          assert.deepEqual(
            await recorded(node.db),
            MIGRATIONS.map((m) => m.version),
          );
      } finally {
        await Promise.all(nodes.map((n) => n.close()));
      }
    },
  );

  it('an SQLite database made before issue 20 opens with nothing lost, and runs only what is new', async () => {
    const file = await stores.fresh('sqlite');
    const old = new Database(file);
    old.exec(fs.readFileSync(FIXTURE, 'utf8'));
    old.pragma('journal_mode = WAL');
    old.close();

    const store = await stores.reopen('sqlite', file);
    const { db } = store;
    const names = await db.selectFrom('schema_migrations').select('name').orderBy('version').execute();
    assert.deepEqual(
      names.map((r) => r.name),
      [
        '001_accounts_and_calls.sql',
        '010_push_registrations.sql',
        '011_call_directions.sql',
        '012_call_mic_permissions.sql',
        '013_contacts.sql',
        '014_shared_store',
        '015_call_quality',
        '016_call_quality_daily',
      ],
      'the old runs are kept as they were; only 014 and later ran',
    );
    const users = new SqlUsersRepo(db);
    assert.equal((await users.byUsername('ANN'))?.id, 'u-ann', 'usernames still match whatever the case');
    assert.equal((await users.byUsername('Bob.B'))?.passwordHash, 'scrypt$bob');
    const taken = { id: 'u-new', username: 'aNN', displayName: 'A', passwordHash: 'x', createdAt: 0 };
    assert.equal(await users.create(taken), false, 'an old username is still taken, whatever the case');
    assert.deepEqual(await new SqlSessionsRepo(db).find('hash-ann', 0), {
      userId: 'u-ann',
      expiresAt: 4102444800000,
    });
    const push = new SqlPushRepo(db);
    assert.equal(
      await push.serverKey('vapid', () => assert.fail('the stored key is kept'), 0),
      '{"publicKey":"pub","privateKey":"priv"}',
    );
    assert.equal((await push.voipTargets('u-bob'))[0]?.environment, 'production');
    assert.equal(
      (await push.webTargets('u-ann'))[0]?.subscription.endpoint,
      'https://fcm.googleapis.com/fcm/send/x',
    );
    assert.deepEqual(await new SqlContactsRepo(db).contactsOf('u-ann'), [
      { peer: { id: 'u-bob', displayName: 'Bob B' }, wakeable: true },
    ]);
    const calls = new SqlCallsRepo(db);
    const history = await calls.history('u-ann', 10);
    assert.deepEqual(
      history.map((e) => [e.callId, e.endReason, e.missed, e.durationMs]),
      [
        ['c-cut', null, false, null],
        ['c-missed', 'no-answer', true, null],
        ['c-done', 'hung-up', false, 60_000],
      ],
    );
    assert.equal(await calls.unreadMissed('u-ann'), 1);
    assert.equal((await calls.directions('c-done'))[0]?.packets, 3000);
    assert.deepEqual(await calls.micPermissions('c-done'), { 'u-bob': 'granted' });
    assert.equal((await calls.history('u-bob', 1))[0]?.quality, null, 'quality is per party');
    assert.equal((await calls.history('u-bob', 10))[2]?.quality?.packetsLost, 1);
    // The call the old server left ringing belongs to the single node: its next start ends it.
    assert.deepEqual(await calls.finaliseNode('local', 1767226000000), ['c-cut']);
  });

  it(
    'PostgreSQL gets the same tables and columns as SQLite, fresh or upgraded; times are BIGINT there',
    {
      skip: skipPostgres(),
    },
    async () => {
      const file = await stores.fresh('sqlite');
      const old = new Database(file);
      old.exec(fs.readFileSync(FIXTURE, 'utf8'));
      old.close();
      const upgraded = await shape((await stores.reopen('sqlite', file)).db);
      const sqlite = await shape((await stores.open('sqlite')).db);
      const pg = (await stores.open('postgres')).db;
      const postgres = await shape(pg);
      assert.deepEqual(postgres, sqlite);
      assert.deepEqual(upgraded, sqlite);
      const notBig = (await pg.introspection.getTables())
        .flatMap((t) => t.columns.map((c) => ({ ...c, table: t.name })))
        .filter((c) => /(_at|_ms|^at)$/.test(c.name) && c.dataType !== 'int8')
        .map((c) => `${c.table}.${c.name} ${c.dataType}`);
      assert.deepEqual(notBig, [], 'epoch-ms columns past 2^31 need BIGINT');
    },
  );
});
