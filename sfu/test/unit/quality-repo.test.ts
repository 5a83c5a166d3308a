/**
 * The quality record of ended calls (issue 21, migration 015) on both engines: a record comes back
 * as written (an iPhone's fields, a browser's, a party that never reported), a second write for the
 * same call changes nothing, the retention prune deletes by end time only, and the per-party
 * summaries the pages reported before 015 survive its rename of their table.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { environmentSkip } from '@softphone/test-support/environment-skip';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { QualityRecord } from '../../src/protocol/index.ts';
import { migrate, MIGRATIONS, type Db, type Engine } from '../../src/store/db.ts';
import { SqlQualityRepo } from '../../src/store/quality.repo.ts';
import type { Tables } from '../../src/store/schema.ts';
import { ENGINES, engines, postgresMissing } from '../support/stores.ts';

/** A database as it is, not migrated on opening (the store's open runs every migration). */
function rawDb(engine: Engine, where: string): Db {
  return new Kysely<Tables>({
    dialect:
      engine === 'sqlite'
        ? new SqliteDialect({ database: new Database(where) })
        : new PostgresDialect({ pool: new pg.Pool({ connectionString: where }) }),
  });
}

const stores = engines();
after(() => stores.stop());

const record = (callId: string, endedAt: number): QualityRecord => ({
  callId,
  endedAt,
  outcome: 'answered',
  endReason: 'hung-up',
  caller: {
    report: {
      platform: 'browser',
      os: 'macOS',
      osVersion: '15.1',
      model: null,
      appVersion: 'web 2026.12.1',
      engine: 'browser',
      path: 'relay-tls',
    },
    activationFailed: false,
  },
  callee: {
    report: {
      platform: 'ios-shell',
      os: 'iOS',
      osVersion: '18.4.1',
      model: 'iPhone15,2',
      appVersion: '1.4.0 (212)',
      engine: 'native',
      path: 'srflx',
      didActivateMs: null,
      watchdog: 'fired',
      pageFrozen: true,
    },
    activationFailed: true,
  },
  c2e: { firstRtpMs: null, packets: 0, stalls: 1, heard: false },
  e2c: { firstRtpMs: 180, packets: 2_400, stalls: 0, heard: true },
  verdict: 'one-way-c2e-silent',
});

for (const engine of ENGINES) {
  describe(
    `call quality records on ${engine}`,
    { skip: engine === 'postgres' && environmentSkip(postgresMissing()) },
    () => {
      it('comes back as written; a second write for the call changes nothing', async () => {
        const repo = new SqlQualityRepo((await stores.open(engine)).db);
        const r = record('c1', 1_765_000_000_000);
        await repo.save(r);
        assert.deepEqual(await repo.byCall('c1'), r);
        await repo.save({ ...r, verdict: 'two-way' });
        assert.equal((await repo.byCall('c1'))?.verdict, 'one-way-c2e-silent');
        const missed: QualityRecord = {
          ...r,
          callId: 'c2',
          outcome: 'missed',
          endReason: 'no-answer',
          callee: { report: null, activationFailed: false },
          c2e: { firstRtpMs: null, packets: 0, stalls: 0, heard: false },
          e2c: { firstRtpMs: null, packets: 0, stalls: 0, heard: false },
          verdict: 'not-answered',
        };
        await repo.save(missed);
        assert.deepEqual(await repo.byCall('c2'), missed, 'a callee that never reported: no report');
      });

      it('refuses a verdict, platform or path outside the contract', async () => {
        const repo = new SqlQualityRepo((await stores.open(engine)).db);
        const r = record('c1', 1);
        await assert.rejects(repo.save({ ...r, verdict: 'half-way' as 'two-way' }));
        const report = r.caller.report;
        assert.ok(report);
        await assert.rejects(
          repo.save({ ...r, caller: { ...r.caller, report: { ...report, path: 'relay' as 'host' } } }),
        );
        assert.equal(await repo.byCall('c1'), undefined);
      });

      it('the retention prune deletes the records of calls ended before the cut, and only those', async () => {
        const repo = new SqlQualityRepo((await stores.open(engine)).db);
        await repo.save(record('old', 1_000));
        await repo.save(record('edge', 2_000));
        await repo.save(record('new', 3_000));
        assert.equal(await repo.prune(2_000), 1);
        assert.equal(await repo.byCall('old'), undefined);
        assert.ok(await repo.byCall('edge'));
        assert.ok(await repo.byCall('new'));
      });

      it("015 keeps the pages' per-party summaries under their new name", async () => {
        const where = await stores.fresh(engine);
        const db = rawDb(engine, where);
        try {
          await migrate(
            db,
            engine,
            MIGRATIONS.filter((m) => m.version < 15),
          );
          await sql`INSERT INTO users (id, username, username_key, display_name, password_hash, created_at)
            VALUES ('u1', 'ann', 'ann', 'Ann', 'x', 0)`.execute(db);
          await sql`INSERT INTO calls (id, caller_id, callee_id, created_at) VALUES ('c1', 'u1', 'u1', 0)`.execute(
            db,
          );
          await sql`INSERT INTO call_quality (call_id, user_id, summary) VALUES ('c1', 'u1', '{"heard":true}')`.execute(
            db,
          );
          assert.deepEqual(await migrate(db, engine), ['015_call_quality', '016_call_quality_daily']);
          const kept = await db.selectFrom('call_party_summaries').selectAll().execute();
          assert.deepEqual(kept, [{ call_id: 'c1', user_id: 'u1', summary: '{"heard":true}' }]);
          assert.deepEqual(await db.selectFrom('call_quality').selectAll().execute(), []);
        } finally {
          await db.destroy();
        }
      });
    },
  );
}
