/** The devices (browsers, app installs) a user has signed in from. */
import type { Db } from './db.ts';

export interface DeviceRow {
  id: string;
  userId: string;
  label: string;
  createdAt: number;
  lastSeenAt: number;
}

/**
 * Devices kept per user. A handshake may name any new device id (it is made on the device), so each
 * would be a row: past this many, a new device pushes out the user's least recently seen one (its
 * push registrations go with it).
 */
export const MAX_DEVICES_PER_USER = 20;

export interface DevicesRepo {
  /**
   * Records a signed-in device connecting (creates it on first sight, within
   * {@link MAX_DEVICES_PER_USER}). False if the id belongs to another user.
   */
  seen(device: { id: string; userId: string; label: string }, now: number): boolean;
  listByUser(userId: string): DeviceRow[];
}

export class SqliteDevicesRepo implements DevicesRepo {
  constructor(private readonly db: Db) {}

  seen(d: { id: string; userId: string; label: string }, now: number): boolean {
    return this.db.transaction(() => {
      const r = this.db
        .prepare(
          `INSERT INTO devices (id, user_id, label, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET label = excluded.label, last_seen_at = excluded.last_seen_at
           WHERE devices.user_id = excluded.user_id`,
        )
        .run(d.id, d.userId, d.label, now, now);
      if (r.changes !== 1) return false;
      this.db
        .prepare(
          `DELETE FROM devices WHERE id IN (
             SELECT id FROM devices WHERE user_id = ? AND id <> ?
             ORDER BY last_seen_at DESC LIMIT -1 OFFSET ?)`,
        )
        .run(d.userId, d.id, MAX_DEVICES_PER_USER - 1);
      return true;
    })();
  }

  listByUser(userId: string): DeviceRow[] {
    return this.db
      .prepare(
        'SELECT id, user_id AS userId, label, created_at AS createdAt, last_seen_at AS lastSeenAt FROM devices WHERE user_id = ? ORDER BY last_seen_at DESC',
      )
      .all(userId) as DeviceRow[];
  }
}
