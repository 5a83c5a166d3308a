// The store shared by several nodes (issue 20). PostgreSQL has no NOCASE collation, so usernames
// get a key both engines compare exactly: ASCII letters lower-cased, which is what SQLite's NOCASE
// folded (usernames are ASCII). And each call records its home node, so that when a node dies
// exactly one survivor finalises its unfinished calls; rows from before belong to the single node
// ('local', the id a node has when NODE_ID is not set for the store: see server.ts).
import { sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the schema as it was then, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('username_key', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await sql`UPDATE users SET username_key = lower(username)`.execute(db);
  await db.schema.createIndex('users_username_key_idx').on('users').column('username_key').unique().execute();

  await db.schema
    .alterTable('calls')
    .addColumn('home_node', 'text', (c) => c.notNull().defaultTo('local'))
    .execute();
  await db.schema
    .createIndex('calls_unfinished')
    .on('calls')
    .column('home_node')
    .where(sql.ref('ended_at'), 'is', null)
    .execute();
}
