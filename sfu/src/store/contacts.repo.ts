/** Whose presence each user is told (see migration 013): people they added, called or were called by. */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Peer, UserId } from '../protocol/index.ts';
import type { Db } from './db.ts';

/** A contact and whether a push can wake one of their devices (callable while not connected). */
export interface Contact {
  peer: Peer;
  wakeable: boolean;
}

export interface ContactsRepo {
  /** `user` is told `contact`'s presence from now on; false when it already was. */
  add(user: UserId, contact: UserId, now: number): Promise<boolean>;
  contactsOf(user: UserId): Promise<Contact[]>;
  /** Whether a push can wake one of the user's devices. */
  wakeable(user: UserId): Promise<boolean>;
}

/** Whether the user can be woken: PostgreSQL answers a boolean, SQLite 0 or 1 (read with Boolean()). */
const wakeable = (user: Expression<string>) =>
  sql<SqlBool>`(EXISTS (SELECT 1 FROM voip_registrations WHERE user_id = ${user})
    OR EXISTS (SELECT 1 FROM web_push_subscriptions WHERE user_id = ${user}))`;

export class SqlContactsRepo implements ContactsRepo {
  constructor(private readonly db: Db) {}

  async add(user: UserId, contact: UserId, now: number): Promise<boolean> {
    const r = await this.db
      .insertInto('contacts')
      .values({ user_id: user, contact_id: contact, created_at: now })
      .onConflict((c) => c.doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows) === 1;
  }

  async contactsOf(user: UserId): Promise<Contact[]> {
    const rows = await this.db
      .selectFrom('contacts as c')
      .innerJoin('users as u', 'u.id', 'c.contact_id')
      .select((eb) => ['u.id', 'u.display_name as displayName', wakeable(eb.ref('u.id')).as('wakeable')])
      .where('c.user_id', '=', user)
      .execute();
    return rows.map((r) => ({
      peer: { id: r.id, displayName: r.displayName },
      wakeable: Boolean(r.wakeable),
    }));
  }

  async wakeable(user: UserId): Promise<boolean> {
    const r = await sql<{ w: SqlBool }>`SELECT ${wakeable(sql.val(user))} AS w`.execute(this.db);
    return Boolean(r.rows[0]?.w);
  }
}
