/**
 * The store: one query layer (Kysely) over either engine. Without a database URL it is one SQLite
 * file (WAL) as it always was; with `postgres://…` it is PostgreSQL, shared by every node.
 *
 * Migrations are the numbered modules in ./migrations, the same on both engines, applied in order,
 * each in its own transaction, and recorded in `schema_migrations` (the table the `.sql` runner
 * before them kept, so a database it migrated skips what it already has). Our own runner rather
 * than Kysely's Migrator because that table and its numbering are what existing databases carry.
 * Several nodes may start at once on one PostgreSQL: each migration's transaction first takes a
 * transaction-scoped advisory lock, then re-reads whether it still has to run.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect, type Transaction } from 'kysely';
import pg from 'pg';
import * as m001 from './migrations/001_accounts_and_calls.ts';
import * as m010 from './migrations/010_push_registrations.ts';
import * as m011 from './migrations/011_call_directions.ts';
import * as m012 from './migrations/012_call_mic_permissions.ts';
import * as m013 from './migrations/013_contacts.ts';
import * as m014 from './migrations/014_shared_store.ts';
import * as m015 from './migrations/015_call_quality.ts';
import * as m016 from './migrations/016_call_quality_daily.ts';
import type { Tables } from './schema.ts';

export type Db = Kysely<Tables>;
export type Engine = 'sqlite' | 'postgres';

export interface Store {
  db: Db;
  engine: Engine;
  close(): Promise<void>;
}

export interface Migration {
  version: number;
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration sees the schema as it was then
  up: (db: Kysely<any>) => Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: '001_accounts_and_calls', up: m001.up },
  { version: 10, name: '010_push_registrations', up: m010.up },
  { version: 11, name: '011_call_directions', up: m011.up },
  { version: 12, name: '012_call_mic_permissions', up: m012.up },
  { version: 13, name: '013_contacts', up: m013.up },
  { version: 14, name: '014_shared_store', up: m014.up },
  { version: 15, name: '015_call_quality', up: m015.up },
  { version: 16, name: '016_call_quality_daily', up: m016.up },
];

/** Any number, as long as every node uses the same one: the key of the migrations' advisory lock. */
const MIGRATION_LOCK = 20_2020;
const INT8_OID = 20;

/**
 * `DATABASE_URL` (postgres://…) when given, else the SQLite file — the same file name in the data
 * directory as before, so an existing installation keeps its data.
 */
export async function openStore(o: { databaseUrl?: string | undefined; sqliteFile: string }): Promise<Store> {
  return o.databaseUrl ? openPostgres(o.databaseUrl) : openSqlite(o.sqliteFile);
}

export async function openSqlite(file: string): Promise<Store> {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return opened(new Kysely<Tables>({ dialect: new SqliteDialect({ database }) }), 'sqlite');
}

export async function openPostgres(url: string): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    // Times are epoch ms in BIGINT columns, and counts are BIGINT: pg returns int8 as a string
    // unless told otherwise (both fit a double: ms until the year 287396, counts far below 2^53).
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  return opened(new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) }), 'postgres');
}

async function opened(db: Db, engine: Engine): Promise<Store> {
  try {
    await migrate(db, engine);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, engine, close: () => db.destroy() };
}

/** Applies the migrations not yet recorded; returns the names of those it ran. */
export async function migrate(db: Db, engine: Engine, migrations = MIGRATIONS): Promise<string[]> {
  const lock = async (t: Transaction<Tables>) => {
    if (engine === 'postgres') await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(t);
  };
  await db.transaction().execute(async (t) => {
    await lock(t);
    await t.schema
      .createTable('schema_migrations')
      .ifNotExists()
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('applied_at', 'bigint', (c) => c.notNull())
      .execute();
  });
  const ran: string[] = [];
  for (const m of migrations) {
    const applied = await db.transaction().execute(async (t) => {
      await lock(t);
      const done = await t
        .selectFrom('schema_migrations')
        .select('version')
        .where('version', '=', m.version)
        .executeTakeFirst();
      if (done) return false;
      await m.up(t);
      await t
        .insertInto('schema_migrations')
        .values({ version: m.version, name: m.name, applied_at: Date.now() })
        .execute();
      return true;
    });
    if (applied) ran.push(m.name);
  }
  return ran;
}
