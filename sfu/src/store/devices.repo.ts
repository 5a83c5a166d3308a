/** The devices (browsers, app installs) a user has signed in from. */
import type { Db } from './db.ts';

export interface DeviceRow {
  id: string;
  userId: string;
  label: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface DevicesRepo {
  /** Records a device connecting (creates it on first sight). False if the id belongs to another user. */
  seen(device: { id: string; userId: string; label: string }, now: number): boolean;
  listByUser(userId: string): DeviceRow[];
}

export class SqliteDevicesRepo implements DevicesRepo {
  constructor(private readonly db: Db) {}

  seen(d: { id: string; userId: string; label: string }, now: number): boolean {
    const r = this.db
      .prepare(
        `INSERT INTO devices (id, user_id, label, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET label = excluded.label, last_seen_at = excluded.last_seen_at
         WHERE devices.user_id = excluded.user_id`,
      )
      .run(d.id, d.userId, d.label, now, now);
    return r.changes === 1;
  }

  listByUser(userId: string): DeviceRow[] {
    return this.db
      .prepare(
        'SELECT id, user_id AS userId, label, created_at AS createdAt, last_seen_at AS lastSeenAt FROM devices WHERE user_id = ? ORDER BY last_seen_at DESC',
      )
      .all(userId) as DeviceRow[];
  }
}
