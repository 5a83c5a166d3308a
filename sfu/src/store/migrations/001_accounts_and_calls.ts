// Accounts, their sign-in sessions, their devices, and call history (issue 3).
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the schema as it was then, not today's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    // "scrypt$N$r$p$salt$hash" (base64url); never logged
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // Only a hash of each session token is stored: a leaked database does not sign anyone in.
  await db.schema
    .createTable('sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

  // A browser or app install of a user; its id is generated on the device and kept there.
  await db.schema
    .createTable('devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('devices_user').on('devices').column('user_id').execute();

  await db.schema
    .createTable('calls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('caller_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('callee_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('answered_at', 'bigint')
    .addColumn('ended_at', 'bigint')
    .addColumn('end_reason', 'text')
    .addColumn('ended_by', 'text')
    // when the callee saw a missed call; NULL and missed = unread (the badge)
    .addColumn('callee_seen_at', 'bigint')
    .execute();
  await db.schema.createIndex('calls_caller').on('calls').columns(['caller_id', 'created_at']).execute();
  await db.schema.createIndex('calls_callee').on('calls').columns(['callee_id', 'created_at']).execute();

  // One row per party and call: that party's media engine's summary when the call ended.
  await db.schema
    .createTable('call_quality')
    .addColumn('call_id', 'text', (c) => c.notNull().references('calls.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('summary', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('call_quality_pk', ['call_id', 'user_id'])
    .execute();
}
