/** Push registrations per device (VoIP tokens, Web Push subscriptions) and the server's own push keys. */
import type { ApsEnvironment, Peer, VoipRegistration, WebPushSubscription } from '../protocol/index.ts';
import type { Db } from './db.ts';

export interface VoipDevice {
  deviceId: string;
  token: string;
  environment: ApsEnvironment;
  bundleId: string;
}

export interface WebPushDevice {
  deviceId: string;
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
}

export interface PushRepo {
  /**
   * Registers the device's VoIP token (and Web Push subscription, below). A token or endpoint held by
   * another device of the same user moves to this one (a reinstall); one held by another user's
   * device stays there and the call returns false: whoever learns someone's token must not be able
   * to take their calls' pushes away. It is freed when that device signs out or the push service
   * retires it.
   */
  registerVoip(deviceId: string, userId: string, r: VoipRegistration, now: number): Promise<boolean>;
  registerWeb(deviceId: string, userId: string, s: WebPushSubscription, now: number): Promise<boolean>;
  /** Forgets every registration of the device (sign-out). */
  unregisterDevice(deviceId: string): Promise<void>;
  /** Forgets the device's VoIP registration if it still holds `token`; false when it holds another. */
  unregisterVoipToken(deviceId: string, token: string): Promise<boolean>;
  /** The push service says the address is dead (APNs 410 / BadDeviceToken, Web Push 404 / 410). */
  deleteVoipToken(token: string): Promise<boolean>;
  deleteWebEndpoint(endpoint: string): Promise<boolean>;
  voipTargets(userId: string): Promise<VoipDevice[]>;
  webTargets(userId: string): Promise<WebPushDevice[]>;
  /**
   * The stored key `name`, created with `make` (and stored) on first use. Nodes sharing a database
   * that start together each may make one: the first stored wins and every node returns it.
   */
  serverKey(name: string, make: () => string, now: number): Promise<string>;
  /** Users with at least one device that can be woken (a VoIP token or a Web Push subscription). */
  wakeableUsers(): Promise<Peer[]>;
}

const deleted = (r: { numDeletedRows: bigint }) => Number(r.numDeletedRows) > 0;

export class SqlPushRepo implements PushRepo {
  constructor(private readonly db: Db) {}

  registerVoip(deviceId: string, userId: string, r: VoipRegistration, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (t) => {
      const holder = await t
        .selectFrom('voip_registrations')
        .select('user_id')
        .where('token', '=', r.token)
        .where('device_id', '<>', deviceId)
        .executeTakeFirst();
      if (holder && holder.user_id !== userId) return false;
      await t
        .deleteFrom('voip_registrations')
        .where('token', '=', r.token)
        .where('device_id', '<>', deviceId)
        .execute();
      const row = {
        user_id: userId,
        token: r.token,
        environment: r.environment,
        bundle_id: r.bundleId,
        app_version: r.appVersion,
        updated_at: now,
      };
      await t
        .insertInto('voip_registrations')
        .values({ device_id: deviceId, ...row })
        .onConflict((c) => c.column('device_id').doUpdateSet(row))
        .execute();
      return true;
    });
  }

  registerWeb(deviceId: string, userId: string, s: WebPushSubscription, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (t) => {
      const holder = await t
        .selectFrom('web_push_subscriptions')
        .select('user_id')
        .where('endpoint', '=', s.endpoint)
        .where('device_id', '<>', deviceId)
        .executeTakeFirst();
      if (holder && holder.user_id !== userId) return false;
      await t
        .deleteFrom('web_push_subscriptions')
        .where('endpoint', '=', s.endpoint)
        .where('device_id', '<>', deviceId)
        .execute();
      const row = {
        user_id: userId,
        endpoint: s.endpoint,
        p256dh: s.keys.p256dh,
        auth: s.keys.auth,
        updated_at: now,
      };
      await t
        .insertInto('web_push_subscriptions')
        .values({ device_id: deviceId, ...row })
        .onConflict((c) => c.column('device_id').doUpdateSet(row))
        .execute();
      return true;
    });
  }

  async unregisterDevice(deviceId: string): Promise<void> {
    await this.db.transaction().execute(async (t) => {
      await t.deleteFrom('voip_registrations').where('device_id', '=', deviceId).execute();
      await t.deleteFrom('web_push_subscriptions').where('device_id', '=', deviceId).execute();
    });
  }

  async unregisterVoipToken(deviceId: string, token: string): Promise<boolean> {
    return deleted(
      await this.db
        .deleteFrom('voip_registrations')
        .where('device_id', '=', deviceId)
        .where('token', '=', token)
        .executeTakeFirst(),
    );
  }

  async deleteVoipToken(token: string): Promise<boolean> {
    return deleted(
      await this.db.deleteFrom('voip_registrations').where('token', '=', token).executeTakeFirst(),
    );
  }

  async deleteWebEndpoint(endpoint: string): Promise<boolean> {
    return deleted(
      await this.db.deleteFrom('web_push_subscriptions').where('endpoint', '=', endpoint).executeTakeFirst(),
    );
  }

  async voipTargets(userId: string): Promise<VoipDevice[]> {
    const rows = await this.db
      .selectFrom('voip_registrations')
      .select(['device_id as deviceId', 'token', 'environment', 'bundle_id as bundleId'])
      .where('user_id', '=', userId)
      .execute();
    // The column's CHECK admits only the two environments.
    return rows.map((r) => ({ ...r, environment: r.environment as ApsEnvironment }));
  }

  async webTargets(userId: string): Promise<WebPushDevice[]> {
    const rows = await this.db
      .selectFrom('web_push_subscriptions')
      .select(['device_id as deviceId', 'endpoint', 'p256dh', 'auth'])
      .where('user_id', '=', userId)
      .execute();
    return rows.map((r) => ({
      deviceId: r.deviceId,
      subscription: { endpoint: r.endpoint, keys: { p256dh: r.p256dh, auth: r.auth } },
    }));
  }

  wakeableUsers(): Promise<Peer[]> {
    return this.db
      .selectFrom('users as u')
      .select(['u.id', 'u.display_name as displayName'])
      .where('u.id', 'in', (eb) =>
        eb
          .selectFrom('voip_registrations')
          .select('user_id')
          .union(eb.selectFrom('web_push_subscriptions').select('user_id')),
      )
      .execute();
  }

  async serverKey(name: string, make: () => string, now: number): Promise<string> {
    const stored = () =>
      this.db.selectFrom('server_keys').select('value').where('name', '=', name).executeTakeFirst();
    const found = await stored();
    if (found) return found.value;
    await this.db
      .insertInto('server_keys')
      .values({ name, value: make(), created_at: now })
      .onConflict((c) => c.column('name').doNothing())
      .execute();
    const row = await stored();
    if (!row) throw new Error(`server key ${name} was stored and is gone`);
    return row.value;
  }
}
