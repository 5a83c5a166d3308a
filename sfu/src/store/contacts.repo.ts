/** Whose presence each user is told (see migration 012): people they added, called or were called by. */
import type { Peer, UserId } from '../protocol/index.ts';
import type { Db } from './db.ts';

/** A contact and whether a push can wake one of their devices (callable while not connected). */
export interface Contact {
  peer: Peer;
  wakeable: boolean;
}

export interface ContactsRepo {
  /** `user` is told `contact`'s presence from now on; false when it already was. */
  add(user: UserId, contact: UserId, now: number): boolean;
  contactsOf(user: UserId): Contact[];
  /** Whether a push can wake one of the user's devices. */
  wakeable(user: UserId): boolean;
}

const WAKEABLE = (id: string) =>
  `EXISTS (SELECT 1 FROM voip_registrations WHERE user_id = ${id}) OR EXISTS (SELECT 1 FROM web_push_subscriptions WHERE user_id = ${id})`;

export class SqliteContactsRepo implements ContactsRepo {
  constructor(private readonly db: Db) {}

  add(user: UserId, contact: UserId, now: number): boolean {
    return (
      this.db
        .prepare('INSERT OR IGNORE INTO contacts (user_id, contact_id, created_at) VALUES (?, ?, ?)')
        .run(user, contact, now).changes === 1
    );
  }

  contactsOf(user: UserId): Contact[] {
    const rows = this.db
      .prepare(
        `SELECT u.id, u.display_name AS displayName, (${WAKEABLE('u.id')}) AS wakeable
         FROM contacts c JOIN users u ON u.id = c.contact_id WHERE c.user_id = ?`,
      )
      .all(user) as { id: string; displayName: string; wakeable: number }[];
    return rows.map((r) => ({ peer: { id: r.id, displayName: r.displayName }, wakeable: r.wakeable === 1 }));
  }

  wakeable(user: UserId): boolean {
    const row = this.db.prepare(`SELECT (${WAKEABLE('?')}) AS w`).get(user, user) as { w: number };
    return row.w === 1;
  }
}
