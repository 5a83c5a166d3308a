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
  seen(device: { id: string; userId: string; label: string }, now: number): Promise<boolean>;
  listByUser(userId: string): Promise<DeviceRow[]>;
}

export class SqlDevicesRepo implements DevicesRepo {
  constructor(private readonly db: Db) {}

  seen(d: { id: string; userId: string; label: string }, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (t) => {
      const r = await t
        .insertInto('devices')
        .values({ id: d.id, user_id: d.userId, label: d.label, created_at: now, last_seen_at: now })
        .onConflict((c) =>
          c
            .column('id')
            .doUpdateSet((eb) => ({
              label: eb.ref('excluded.label'),
              last_seen_at: eb.ref('excluded.last_seen_at'),
            }))
            .whereRef('devices.user_id', '=', 'excluded.user_id'),
        )
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows) !== 1) return false;
      const keep = t
        .selectFrom('devices')
        .select('id')
        .where('user_id', '=', d.userId)
        .where('id', '<>', d.id)
        .orderBy('last_seen_at', 'desc')
        .limit(MAX_DEVICES_PER_USER - 1);
      await t
        .deleteFrom('devices')
        .where('user_id', '=', d.userId)
        .where('id', '<>', d.id)
        .where('id', 'not in', keep)
        .execute();
      return true;
    });
  }

  listByUser(userId: string): Promise<DeviceRow[]> {
    return this.db
      .selectFrom('devices')
      .select(['id', 'user_id as userId', 'label', 'created_at as createdAt', 'last_seen_at as lastSeenAt'])
      .where('user_id', '=', userId)
      .orderBy('last_seen_at', 'desc')
      .execute();
  }
}
