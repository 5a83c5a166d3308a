/** Sign-in sessions, keyed by a hash of the cookie token. */
import type { Db } from './db.ts';

export interface SessionRow {
  userId: string;
  /** Unix ms. */
  expiresAt: number;
}

export interface SessionsRepo {
  create(tokenHash: string, userId: string, expiresAt: number): Promise<void>;
  /** A live session, or undefined (unknown or expired). */
  find(tokenHash: string, now: number): Promise<SessionRow | undefined>;
  /** Returns whether there was such a session. */
  delete(tokenHash: string): Promise<boolean>;
  /** Deletes every session expired at `now`; returns their token hashes. */
  deleteExpired(now: number): Promise<string[]>;
  /** Deletes every session of `userId` but `keep`; returns their token hashes. */
  deleteOthers(userId: string, keep: string): Promise<string[]>;
}

const hashes = (rows: { token_hash: string }[]) => rows.map((r) => r.token_hash);

export class SqlSessionsRepo implements SessionsRepo {
  constructor(private readonly db: Db) {}

  async create(tokenHash: string, userId: string, expiresAt: number): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({ token_hash: tokenHash, user_id: userId, created_at: Date.now(), expires_at: expiresAt })
      .execute();
  }

  find(tokenHash: string, now: number): Promise<SessionRow | undefined> {
    return this.db
      .selectFrom('sessions')
      .select(['user_id as userId', 'expires_at as expiresAt'])
      .where('token_hash', '=', tokenHash)
      .where('expires_at', '>', now)
      .executeTakeFirst();
  }

  async delete(tokenHash: string): Promise<boolean> {
    const r = await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async deleteExpired(now: number): Promise<string[]> {
    return hashes(
      await this.db.deleteFrom('sessions').where('expires_at', '<=', now).returning('token_hash').execute(),
    );
  }

  async deleteOthers(userId: string, keep: string): Promise<string[]> {
    return hashes(
      await this.db
        .deleteFrom('sessions')
        .where('user_id', '=', userId)
        .where('token_hash', '<>', keep)
        .returning('token_hash')
        .execute(),
    );
  }
}
