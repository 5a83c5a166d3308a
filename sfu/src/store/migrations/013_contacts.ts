// Whose presence each user is told (issue 19, review M7): a row (user, contact) means the user's
// devices learn when the contact comes online, falls asleep or goes offline. Made by adding someone
// by username (one row) and by a call between two people (a row each way).
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the schema as it was then, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('contacts')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('contact_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('contacts_pk', ['user_id', 'contact_id'])
    .addCheckConstraint('contacts_not_self', sql`user_id <> contact_id`)
    .execute();

  // Everyone who has called or been called by someone already knows them: each call so far makes
  // a contact both ways.
  for (const [user, contact] of [
    ['caller_id', 'callee_id'],
    ['callee_id', 'caller_id'],
  ] as const) {
    await sql`INSERT INTO contacts (user_id, contact_id, created_at)
      SELECT ${sql.ref(user)}, ${sql.ref(contact)}, MIN(created_at) FROM calls
       WHERE caller_id <> callee_id GROUP BY ${sql.ref(user)}, ${sql.ref(contact)}
      ON CONFLICT DO NOTHING`.execute(db);
  }
}
