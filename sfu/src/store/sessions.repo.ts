/** Sign-in sessions, keyed by a hash of the cookie token. */
import type { Db } from './db.ts';

export interface SessionsRepo {
  create(tokenHash: string, userId: string, expiresAt: number): void;
  /** The user of a live session, or undefined (unknown or expired). */
  userOf(tokenHash: string, now: number): string | undefined;
  delete(tokenHash: string): void;
  /** Deletes the sessions that expired by `now` (nothing reads them again); returns how many. */
  purgeExpired(now: number): number;
}

export class SqliteSessionsRepo implements SessionsRepo {
  constructor(private readonly db: Db) {}

  create(tokenHash: string, userId: string, expiresAt: number): void {
    this.db
      .prepare('INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(tokenHash, userId, Date.now(), expiresAt);
  }

  userOf(tokenHash: string, now: number): string | undefined {
    const row = this.db
      .prepare('SELECT user_id AS userId FROM sessions WHERE token_hash = ? AND expires_at > ?')
      .get(tokenHash, now) as { userId: string } | undefined;
    return row?.userId;
  }

  delete(tokenHash: string): void {
    this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash);
  }

  purgeExpired(now: number): number {
    return this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now).changes;
  }
}
