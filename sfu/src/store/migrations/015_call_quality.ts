// One quality record per ended call (issue 21): what each party ran (platform, OS, app, engine,
// network path), what the SFU saw of each direction, the verdict, and for iPhones what CallKit
// and the shell said. Aggregated by /api/quality and `npm run quality`; nothing names a person
// (no user ids: a record outlives neither the retention nor the need, and is no one's history),
// so it has no foreign key to `calls` either and is pruned on its own (QUALITY_RETENTION_DAYS).
//
// `call_quality` was the name of the pages' own per-party summaries (migration 001); they keep
// their rows under `call_quality_summaries`, and the name goes to the record the contract names.
import { sql, type Kysely } from 'kysely';

const PLATFORMS = sql`('browser', 'ios-shell')`;
const ENGINES = sql`('native', 'page', 'browser')`;
const PATHS = sql`('host', 'srflx', 'prflx', 'relay-udp', 'relay-tcp', 'relay-tls')`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the schema as it was then, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('call_quality').renameTo('call_quality_summaries').execute();

  let table = db.schema
    .createTable('call_quality')
    .addColumn('call_id', 'text', (c) => c.primaryKey())
    .addColumn('ended_at', 'bigint', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome IN ('answered', 'missed', 'failed')`))
    .addColumn('end_reason', 'text', (c) => c.notNull());
  for (const party of ['caller', 'callee'] as const) {
    const col = (name: string) => sql.ref(`${party}_${name}`);
    table = table
      .addColumn(`${party}_platform`, 'text', (c) =>
        c.notNull().check(sql`${col('platform')} IN ${PLATFORMS}`),
      )
      .addColumn(`${party}_os`, 'text', (c) => c.notNull())
      .addColumn(`${party}_os_version`, 'text', (c) => c.notNull())
      .addColumn(`${party}_model`, 'text')
      .addColumn(`${party}_app_version`, 'text', (c) => c.notNull())
      .addColumn(`${party}_engine`, 'text', (c) => c.notNull().check(sql`${col('engine')} IN ${ENGINES}`))
      .addColumn(`${party}_path`, 'text', (c) => c.check(sql`${col('path')} IN ${PATHS}`));
  }
  for (const direction of ['c2e', 'e2c'] as const) {
    table = table
      .addColumn(`${direction}_first_rtp_ms`, 'bigint')
      .addColumn(`${direction}_packets`, 'bigint', (c) => c.notNull())
      .addColumn(`${direction}_stalls`, 'integer', (c) => c.notNull())
      .addColumn(`${direction}_heard`, 'integer', (c) =>
        c.notNull().check(sql`${sql.ref(`${direction}_heard`)} IN (0, 1)`),
      );
  }
  table = table.addColumn('verdict', 'text', (c) =>
    c
      .notNull()
      .check(
        sql`verdict IN ('two-way', 'one-way-c2e-silent', 'one-way-e2c-silent', 'no-audio', 'not-answered')`,
      ),
  );
  for (const party of ['caller', 'callee'] as const) {
    const col = (name: string) => sql.ref(`${party}_${name}`);
    table = table
      .addColumn(`${party}_did_activate_ms`, 'bigint')
      .addColumn(`${party}_activation_failed`, 'integer', (c) =>
        c
          .notNull()
          .defaultTo(0)
          .check(sql`${col('activation_failed')} IN (0, 1)`),
      )
      .addColumn(`${party}_watchdog`, 'text')
      .addColumn(`${party}_page_frozen`, 'integer', (c) =>
        c
          .notNull()
          .defaultTo(0)
          .check(sql`${col('page_frozen')} IN (0, 1)`),
      );
  }
  await table.execute();
  await db.schema.createIndex('call_quality_ended_at').on('call_quality').column('ended_at').execute();
}
