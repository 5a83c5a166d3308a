// Each party's microphone permission as its device joined the call (issue 18, S4): an iPhone whose
// permission is denied, or was never given (a first call answered on the lock screen, where iOS
// can't show its prompt), sends only silence, and this tells that apart from a network fault.
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the schema as it was then, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('call_mic_permissions')
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state IN ('granted', 'denied', 'undetermined')`))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('call_mic_permissions_pk', ['call_id', 'user_id'])
    .execute();
}
