// The daily rollup of the quality records (issue 21): the rates over 90 days of a million calls took
// 5–6 s reading every record twice; per day × dimension × key they read a few thousand rows. Kept
// by the quality repo in the transaction that saves or prunes the records. The primary key leads
// with the dimension because every query asks for one dimension over a range of days.
//
// The records already stored are rolled up here by the repo's own rule (quality-daily.ts), in pages
// of 5 000 by call_id. Importing today's rule is what a backfill wants: it runs once, and a later
// change of the rule needs its own migration to rebuild the rollup anyway.
import type { Kysely } from 'kysely';
import { addToDaily, ROLLUP_COLUMNS, rollUp, type RollupSource } from '../quality-daily.ts';

const PAGE = 5000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the schema as it was then, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  let table = db.schema
    .createTable('call_quality_daily')
    .addColumn('dimension', 'text', (c) => c.notNull())
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull());
  for (const count of ['calls', 'two_way', 'one_way_c2e', 'one_way_e2c', 'no_audio', 'failed'])
    table = table.addColumn(count, 'integer', (c) => c.notNull());
  await table.addPrimaryKeyConstraint('call_quality_daily_pk', ['dimension', 'day', 'key']).execute();

  for (let after: string | undefined; ;) {
    const page = (await db
      .selectFrom('call_quality')
      .select(['call_id', ...ROLLUP_COLUMNS])
      .$if(after !== undefined, (q) => q.where('call_id', '>', after))
      .orderBy('call_id')
      .limit(PAGE)
      .execute()) as (RollupSource & { call_id: string })[];
    if (page.length === 0) break;
    await addToDaily(db, rollUp(page));
    after = page.at(-1)?.call_id;
  }
}
