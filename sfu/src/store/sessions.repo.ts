/** Sign-in sessions, keyed by a hash of the cookie token. */
import type { Db } from './db.ts';

export interface SessionRow {
  userId: string;
  /** Unix ms. */
  expiresAt: number;
}

export interface SessionsRepo {
  create(tokenHash: string, userId: string, expiresAt: number): void;
  /** A live session, or undefined (unknown or expired). */
  find(tokenHash: string, now: number): SessionRow | undefined;
  /** Returns whether there was such a session. */
  delete(tokenHash: string): boolean;
  /** Deletes every session expired at `now`; returns their token hashes. */
  deleteExpired(now: number): string[];
  /** Deletes every session of `userId` but `keep`; returns their token hashes. */
  deleteOthers(userId: string, keep: string): string[];
}

const hashes = (rows: unknown[]) => (rows as { tokenHash: string }[]).map((r) => r.tokenHash);

export class SqliteSessionsRepo implements SessionsRepo {
  constructor(private readonly db: Db) {}

  create(tokenHash: string, userId: string, expiresAt: number): void {
    this.db
      .prepare('INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(tokenHash, userId, Date.now(), expiresAt);
  }

  find(tokenHash: string, now: number): SessionRow | undefined {
    return this.db
      .prepare(
        'SELECT user_id AS userId, expires_at AS expiresAt FROM sessions WHERE token_hash = ? AND expires_at > ?',
      )
      .get(tokenHash, now) as SessionRow | undefined;
  }

  delete(tokenHash: string): boolean {
    return this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash).changes > 0;
  }

  deleteExpired(now: number): string[] {
    return hashes(
      this.db
        .prepare('DELETE FROM sessions WHERE expires_at <= ? RETURNING token_hash AS tokenHash')
        .all(now),
    );
  }

  deleteOthers(userId: string, keep: string): string[] {
    return hashes(
      this.db
        .prepare(
          'DELETE FROM sessions WHERE user_id = ? AND token_hash <> ? RETURNING token_hash AS tokenHash',
        )
        .all(userId, keep),
    );
  }
}
