// What the SFU saw of each direction of an answered call (issue 17): the packets it forwarded to the
// listener, answer → first packet, and the media stalls (a direction that carried nothing for a few
// seconds). Written while the call runs (at each stall and recovery) and when it ends.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the schema as it was then, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('call_directions')
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id').onDelete('cascade'))
    .addColumn('direction', 'text', (c) =>
      c.notNull().check(sql`direction IN ('caller->callee', 'callee->caller')`),
    )
    .addColumn('packets', 'bigint', (c) => c.notNull())
    .addColumn('first_rtp_ms', 'bigint')
    .addColumn('stalls', 'integer', (c) => c.notNull())
    .addColumn('stalled_ms', 'bigint', (c) => c.notNull())
    .addColumn('last_cause', 'text', (c) =>
      c.check(sql`last_cause IN ('no-rtp-from-sender', 'not-forwarded', 'producer-gone')`),
    )
    .addPrimaryKeyConstraint('call_directions_pk', ['call_id', 'direction'])
    .execute();
}
