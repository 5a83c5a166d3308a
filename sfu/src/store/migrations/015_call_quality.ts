// The quality record of every ended call (issue 21): who was on which platform, OS, app build, media
// engine and network path, and what the SFU saw of each direction, so that one-way audio can be
// counted by iOS version, app version, engine, path and day. It names nobody (no user ids): the
// aggregates are over devices and builds, and `call_id` links back to the call for an operator.
// A call ends once, and the record is written then, so `call_id` is the key; `ended_at` is what the
// retention prune and every `since=` filter range over.
//
// `call_quality` was the name of the per-party summary each page reports (001): that table is kept
// as it is under `call_party_summaries`, so the shared name goes to the record issue 21 defines.
import { sql, type Kysely } from 'kysely';

const PLATFORMS = sql`('browser', 'ios-shell')`;
const ENGINES = sql`('native', 'page', 'browser')`;
const PATHS = sql`('host', 'srflx', 'prflx', 'relay-udp', 'relay-tcp', 'relay-tls')`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the schema as it was then, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('call_quality').renameTo('call_party_summaries').execute();

  let table = db.schema
    .createTable('call_quality')
    .addColumn('call_id', 'text', (c) => c.primaryKey())
    .addColumn('ended_at', 'bigint', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome IN ('answered', 'missed', 'failed')`))
    .addColumn('end_reason', 'text', (c) => c.notNull());
  for (const p of ['caller', 'callee'] as const) {
    table = table
      .addColumn(`${p}_platform`, 'text', (c) => c.check(sql`${sql.ref(`${p}_platform`)} IN ${PLATFORMS}`))
      .addColumn(`${p}_os`, 'text')
      .addColumn(`${p}_os_version`, 'text')
      .addColumn(`${p}_model`, 'text')
      .addColumn(`${p}_app_version`, 'text')
      .addColumn(`${p}_engine`, 'text', (c) => c.check(sql`${sql.ref(`${p}_engine`)} IN ${ENGINES}`))
      .addColumn(`${p}_path`, 'text', (c) => c.check(sql`${sql.ref(`${p}_path`)} IN ${PATHS}`))
      .addColumn(`${p}_did_activate_ms`, 'bigint')
      .addColumn(`${p}_activation_failed`, 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn(`${p}_watchdog`, 'text')
      .addColumn(`${p}_page_frozen`, 'integer', (c) => c.notNull().defaultTo(0));
  }
  for (const d of ['c2e', 'e2c'] as const) {
    table = table
      .addColumn(`${d}_first_rtp_ms`, 'bigint')
      .addColumn(`${d}_packets`, 'bigint', (c) => c.notNull())
      .addColumn(`${d}_stalls`, 'integer', (c) => c.notNull())
      .addColumn(`${d}_heard`, 'integer', (c) => c.notNull());
  }
  await table
    .addColumn('verdict', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`verdict IN ('two-way', 'one-way-c2e-silent', 'one-way-e2c-silent', 'no-audio', 'not-answered')`,
        ),
    )
    .execute();
  await db.schema.createIndex('call_quality_ended_at').on('call_quality').column('ended_at').execute();
}
