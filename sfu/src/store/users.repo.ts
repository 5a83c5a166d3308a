/** Accounts. */
import type { Db } from './db.ts';

export interface UserRow {
  id: string;
  username: string;
  displayName: string;
  passwordHash: string;
  createdAt: number;
}

export interface UsersRepo {
  /** Returns false when the username is taken (case-insensitively). */
  create(user: UserRow): Promise<boolean>;
  byUsername(username: string): Promise<UserRow | undefined>;
  byId(id: string): Promise<UserRow | undefined>;
  setPasswordHash(id: string, passwordHash: string): Promise<void>;
}

/**
 * The case-insensitive key of a username: ASCII letters lower-cased, nothing else (usernames are
 * ASCII; a sign-in with another string must not fold onto one, as `'K'.toLowerCase()` would).
 */
export const usernameKey = (username: string): string => username.replace(/[A-Z]+/g, (s) => s.toLowerCase());

export class SqlUsersRepo implements UsersRepo {
  constructor(private readonly db: Db) {}

  private readonly select = () =>
    this.db
      .selectFrom('users')
      .select([
        'id',
        'username',
        'display_name as displayName',
        'password_hash as passwordHash',
        'created_at as createdAt',
      ]);

  async create(u: UserRow): Promise<boolean> {
    const r = await this.db
      .insertInto('users')
      .values({
        id: u.id,
        username: u.username,
        username_key: usernameKey(u.username),
        display_name: u.displayName,
        password_hash: u.passwordHash,
        created_at: u.createdAt,
      })
      .onConflict((c) => c.column('username_key').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows) === 1;
  }

  byUsername(username: string): Promise<UserRow | undefined> {
    return this.select().where('username_key', '=', usernameKey(username)).executeTakeFirst();
  }

  byId(id: string): Promise<UserRow | undefined> {
    return this.select().where('id', '=', id).executeTakeFirst();
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
  }
}
