/**
 * The rates from the daily rollup (migration 016) on both engines: for random records, `counts` (whole
 * days from the rollup, the first part-day from the records) equals a straightforward count over the
 * records for every dimension and `since`, before and after a prune; a prune removes whole days from
 * the rollup and takes a part-day's calls out of it; saving a call again counts it once, also from two
 * nodes at once; the migration rolls up the records stored before it.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { environmentSkip } from '@softphone/test-support/environment-skip';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect, type RawBuilder } from 'kysely';
import pg from 'pg';
import { QUALITY_DIMENSIONS, type QualityDimension } from '../../src/protocol/index.ts';
import { migrate, MIGRATIONS, type Db, type Engine } from '../../src/store/db.ts';
import { recordOf, SqlQualityRepo, type QualityCounts } from '../../src/store/quality.repo.ts';
import { VERDICT_COUNTS } from '../../src/store/quality-daily.ts';
import type { Tables } from '../../src/store/schema.ts';
import { IPHONE, qualityRecord, type QualityRecordRow } from '../support/quality-records.ts';
import { ENGINES, engines, postgresMissing } from '../support/stores.ts';

const stores = engines();
after(() => stores.stop());

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 7, 15, 20);

/** A small seeded generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NO_REPORT = {
  platform: null,
  os: null,
  os_version: null,
  model: null,
  app_version: null,
  engine: null,
  path: null,
};

/** `n` calls over the 10 days before NOW, few enough values that parties often share one. */
function randomRows(seed: number, n: number): QualityRecordRow[] {
  const r = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const path = () => pick(['host', 'srflx', 'relay-udp', 'relay-tls', null] as const);
  const party = () =>
    pick([
      () => ({ ...IPHONE(pick(['17.6.1', '18.4.1', '26.0']), pick(['1.4.0', '1.5.0'])), path: path() }),
      () => ({ ...IPHONE(pick(['18.4.1', '26.0'])), engine: 'page', path: path() }),
      () => ({ app_version: pick(['1.4.0', 'web 2026.12.1']), path: path() }),
      () => NO_REPORT,
    ])();
  return Array.from({ length: n }, (_, i) => {
    const verdict = pick(['two-way', 'one-way-c2e-silent', 'one-way-e2c-silent', 'no-audio', 'not-answered']);
    const outcome = verdict === 'not-answered' ? pick(['missed', 'failed']) : 'answered';
    return qualityRecord(`s${seed}-${i}`, NOW - Math.floor(r() * 10 * DAY), {
      verdict,
      outcome,
      caller: party() as object,
      callee: party() as object,
    });
  });
}

/** The rule as a plain query over the records: each party's value, a call once per distinct value. */
async function reference(db: Db, by: QualityDimension, since: number): Promise<QualityCounts[]> {
  const party = (p: 'caller' | 'callee'): { key: RawBuilder<unknown>; has: RawBuilder<unknown> } => {
    const col = (name: string) => sql.ref(`${p}_${name}`);
    // COALESCE: a party without a report has a null platform, and NOT (NULL AND …) would drop the
    // other party's iPhone too (the query the rollup replaced did: this test found it).
    if (by === 'ios-version')
      return { key: col('os_version'), has: sql`COALESCE(${col('platform')}, '') = 'ios-shell'` };
    const name = {
      'app-version': 'app_version',
      engine: 'engine',
      platform: 'platform',
      path: 'path',
      day: '',
    }[by];
    return { key: sql`COALESCE(${col(name)}, 'unknown')`, has: sql`1 = 1` };
  };
  const recent = sql`ended_at >= ${since}`;
  const [caller, callee] = [party('caller'), party('callee')];
  const keyed =
    by === 'day'
      ? sql`SELECT ended_at / 86400000 AS k, verdict, outcome FROM call_quality WHERE ${recent}`
      : sql`SELECT ${caller.key} AS k, verdict, outcome FROM call_quality WHERE ${recent} AND ${caller.has}
          UNION ALL
          SELECT ${callee.key} AS k, verdict, outcome FROM call_quality WHERE ${recent} AND ${callee.has}
            AND NOT (${caller.has} AND ${caller.key} = ${callee.key})`;
  const count = (condition: RawBuilder<unknown>) => sql`SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;
  const { rows } = await sql<QualityCounts>`
    SELECT k AS "key", COUNT(*) AS "calls",
      ${count(sql`verdict = 'two-way'`)} AS "twoWay",
      ${count(sql`verdict = 'one-way-c2e-silent'`)} AS "oneWayC2e",
      ${count(sql`verdict = 'one-way-e2c-silent'`)} AS "oneWayE2c",
      ${count(sql`verdict = 'no-audio'`)} AS "noAudio",
      ${count(sql`outcome = 'failed'`)} AS "failed"
    FROM (${keyed}) AS keyed GROUP BY k`.execute(db);
  return rows;
}

/** Keys as strings and counts as numbers (a database opened without the store's int8 parser reads strings). */
const sorted = (counts: QualityCounts[]) =>
  counts
    .map((c) => ({
      key: String(c.key),
      ...Object.fromEntries(VERDICT_COUNTS.map((f) => [f, Number(c[f])])),
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

/** Every `since` worth trying: before all, at a midnight, within a day, after all, and random ones. */
function sinces(seed: number): number[] {
  const r = random(seed);
  const midnight = Math.floor(NOW / DAY) * DAY;
  return [
    0,
    NOW - 7 * DAY,
    midnight - 3 * DAY,
    midnight,
    midnight + 1,
    midnight + 3_600_000,
    NOW + DAY,
    ...Array.from({ length: 4 }, () => NOW - Math.floor(r() * 11 * DAY)),
  ];
}

async function assertSameAsRecords(db: Db, repo: SqlQualityRepo, seed: number, note: string): Promise<void> {
  for (const by of QUALITY_DIMENSIONS)
    for (const since of sinces(seed))
      assert.deepEqual(
        sorted(await repo.counts(by, since)),
        sorted(await reference(db, by, since)),
        `${note}: by ${by} since ${new Date(since).toISOString()} (seed ${seed})`,
      );
}

/** A database as it is, not migrated on opening. */
function rawDb(engine: Engine, where: string): Db {
  return new Kysely<Tables>({
    dialect:
      engine === 'sqlite'
        ? new SqliteDialect({ database: new Database(where) })
        : new PostgresDialect({ pool: new pg.Pool({ connectionString: where }) }),
  });
}

const daily = (db: Db) =>
  db
    .selectFrom('call_quality_daily')
    .selectAll()
    .orderBy('dimension')
    .orderBy('day')
    .orderBy('key')
    .execute();

for (const engine of ENGINES) {
  describe(
    `the daily quality rollup on ${engine}`,
    { skip: engine === 'postgres' && environmentSkip(postgresMissing()) },
    () => {
      it('answers as a count over the records would, for random calls, before and after a prune', async () => {
        for (const seed of [1, 2, 3]) {
          const store = await stores.open(engine);
          const repo = new SqlQualityRepo(store.db);
          // And a value only one call has, just after a midnight: under a `since` after it that day, no row.
          const rare = qualityRecord(`rare-${seed}`, Math.floor(NOW / DAY) * DAY + 60_000, {
            caller: { app_version: 'rare' },
          });
          const rows = [rare, ...randomRows(seed, 400)];
          await repo.saveAll(rows.slice(0, 300).map(recordOf));
          for (const row of rows.slice(300)) await repo.save(recordOf(row));
          await assertSameAsRecords(store.db, repo, seed, 'saved');

          // A cut within a day: that day keeps its later calls, and its rollup rows lose the earlier.
          const cut = NOW - 4 * DAY - 5 * 3_600_000;
          const before = await store.db
            .selectFrom('call_quality')
            .select(sql<number>`COUNT(*)`.as('n'))
            .where('ended_at', '<', cut)
            .executeTakeFirstOrThrow();
          assert.equal(await repo.prune(cut), Number(before.n));
          await assertSameAsRecords(store.db, repo, seed + 100, 'pruned');
        }
      });

      it('prunes whole days from the rollup and leaves no empty rows', async () => {
        const store = await stores.open(engine);
        const repo = new SqlQualityRepo(store.db);
        await repo.saveAll(randomRows(4, 300).map(recordOf));
        const cut = NOW - 4 * DAY - 5 * 3_600_000;
        await repo.prune(cut);
        const rows = await daily(store.db);
        assert.ok(rows.length > 0);
        assert.ok(
          rows.every((r) => r.day >= Math.floor(cut / DAY)),
          'no day before the cut',
        );
        assert.ok(
          rows.every((r) => r.calls > 0),
          'no row without calls',
        );
        await repo.prune(NOW + DAY);
        assert.deepEqual(await daily(store.db), [], 'everything pruned: an empty rollup');
      });

      it('counts a call saved again once, also when two nodes save it at the same moment', async () => {
        const store = await stores.open(engine);
        const repo = new SqlQualityRepo(store.db);
        const rows = randomRows(5, 200);
        await repo.saveAll(rows.slice(0, 100).map(recordOf));
        const once = await daily(store.db);
        await repo.save({ ...recordOf(rows[0] as QualityRecordRow), verdict: 'no-audio' });
        await repo.saveAll(rows.slice(0, 100).map(recordOf));
        assert.deepEqual(await daily(store.db), once, 'saved again: the rollup unchanged');

        // Another node on the same database (its own connections) saving an overlapping batch: only
        // on PostgreSQL, the store nodes share (an SQLite file has one node, one connection).
        if (engine === 'sqlite') return;
        const other = new SqlQualityRepo((await stores.reopen(engine, store.where)).db);
        await Promise.all([
          repo.saveAll(rows.slice(50, 200).map(recordOf)),
          other.saveAll(rows.slice(80).map(recordOf)),
        ]);
        await assertSameAsRecords(store.db, repo, 5, 'two nodes');
      });

      it('rolls up the records stored before the migration', async () => {
        const where = await stores.fresh(engine);
        const db = rawDb(engine, where);
        try {
          await migrate(
            db,
            engine,
            MIGRATIONS.filter((m) => m.version < 16),
          );
          // More than one page of the backfill.
          for (const rows of [randomRows(6, 700), randomRows(7, 5000)])
            for (let from = 0; from < rows.length; from += 500)
              await db
                .insertInto('call_quality')
                .values(rows.slice(from, from + 500))
                .execute();
          assert.deepEqual(await migrate(db, engine), ['016_call_quality_daily']);
          await assertSameAsRecords(db, new SqlQualityRepo(db), 6, 'backfilled');
        } finally {
          await db.destroy();
        }
      });
    },
  );
}
