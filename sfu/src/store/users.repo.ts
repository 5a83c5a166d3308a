/** Accounts. A server database can replace SQLite by implementing this interface. */
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
  create(user: UserRow): boolean;
  byUsername(username: string): UserRow | undefined;
  byId(id: string): UserRow | undefined;
  setPasswordHash(id: string, passwordHash: string): void;
}

const COLUMNS =
  'id, username, display_name AS displayName, password_hash AS passwordHash, created_at AS createdAt';

export class SqliteUsersRepo implements UsersRepo {
  constructor(private readonly db: Db) {}

  create(u: UserRow): boolean {
    const r = this.db
      .prepare(
        'INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING',
      )
      .run(u.id, u.username, u.displayName, u.passwordHash, u.createdAt);
    return r.changes === 1;
  }

  byUsername(username: string): UserRow | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM users WHERE username = ?`).get(username) as
      UserRow | undefined;
  }

  byId(id: string): UserRow | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM users WHERE id = ?`).get(id) as UserRow | undefined;
  }

  setPasswordHash(id: string, passwordHash: string): void {
    this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, id);
  }
}
