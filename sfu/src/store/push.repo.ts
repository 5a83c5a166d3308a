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
  registerVoip(deviceId: string, userId: string, r: VoipRegistration, now: number): boolean;
  registerWeb(deviceId: string, userId: string, s: WebPushSubscription, now: number): boolean;
  /** Forgets every registration of the device (sign-out). */
  unregisterDevice(deviceId: string): void;
  /** Forgets the device's VoIP registration if it still holds `token`; false when it holds another. */
  unregisterVoipToken(deviceId: string, token: string): boolean;
  /** The push service says the address is dead (APNs 410 / BadDeviceToken, Web Push 404 / 410). */
  deleteVoipToken(token: string): boolean;
  deleteWebEndpoint(endpoint: string): boolean;
  voipTargets(userId: string): VoipDevice[];
  webTargets(userId: string): WebPushDevice[];
  /** The stored key `name`, created with `make` (and stored) on first use. */
  serverKey(name: string, make: () => string, now: number): string;
  /** Users with at least one device that can be woken (a VoIP token or a Web Push subscription). */
  wakeableUsers(): Peer[];
}

export class SqlitePushRepo implements PushRepo {
  constructor(private readonly db: Db) {}

  registerVoip(deviceId: string, userId: string, r: VoipRegistration, now: number): boolean {
    return this.db.transaction(() => {
      const holder = this.db
        .prepare('SELECT user_id AS userId FROM voip_registrations WHERE token = ? AND device_id <> ?')
        .get(r.token, deviceId) as { userId: string } | undefined;
      if (holder && holder.userId !== userId) return false;
      this.db
        .prepare('DELETE FROM voip_registrations WHERE token = ? AND device_id <> ?')
        .run(r.token, deviceId);
      this.db
        .prepare(
          `INSERT INTO voip_registrations (device_id, user_id, token, environment, bundle_id, app_version, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (device_id) DO UPDATE SET user_id = excluded.user_id, token = excluded.token,
             environment = excluded.environment, bundle_id = excluded.bundle_id,
             app_version = excluded.app_version, updated_at = excluded.updated_at`,
        )
        .run(deviceId, userId, r.token, r.environment, r.bundleId, r.appVersion, now);
      return true;
    })();
  }

  registerWeb(deviceId: string, userId: string, s: WebPushSubscription, now: number): boolean {
    return this.db.transaction(() => {
      const holder = this.db
        .prepare('SELECT user_id AS userId FROM web_push_subscriptions WHERE endpoint = ? AND device_id <> ?')
        .get(s.endpoint, deviceId) as { userId: string } | undefined;
      if (holder && holder.userId !== userId) return false;
      this.db
        .prepare('DELETE FROM web_push_subscriptions WHERE endpoint = ? AND device_id <> ?')
        .run(s.endpoint, deviceId);
      this.db
        .prepare(
          `INSERT INTO web_push_subscriptions (device_id, user_id, endpoint, p256dh, auth, updated_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (device_id) DO UPDATE SET user_id = excluded.user_id, endpoint = excluded.endpoint,
             p256dh = excluded.p256dh, auth = excluded.auth, updated_at = excluded.updated_at`,
        )
        .run(deviceId, userId, s.endpoint, s.keys.p256dh, s.keys.auth, now);
      return true;
    })();
  }

  unregisterDevice(deviceId: string): void {
    this.db.prepare('DELETE FROM voip_registrations WHERE device_id = ?').run(deviceId);
    this.db.prepare('DELETE FROM web_push_subscriptions WHERE device_id = ?').run(deviceId);
  }

  unregisterVoipToken(deviceId: string, token: string): boolean {
    return (
      this.db.prepare('DELETE FROM voip_registrations WHERE device_id = ? AND token = ?').run(deviceId, token)
        .changes > 0
    );
  }

  deleteVoipToken(token: string): boolean {
    return this.db.prepare('DELETE FROM voip_registrations WHERE token = ?').run(token).changes > 0;
  }

  deleteWebEndpoint(endpoint: string): boolean {
    return this.db.prepare('DELETE FROM web_push_subscriptions WHERE endpoint = ?').run(endpoint).changes > 0;
  }

  voipTargets(userId: string): VoipDevice[] {
    return this.db
      .prepare(
        'SELECT device_id AS deviceId, token, environment, bundle_id AS bundleId FROM voip_registrations WHERE user_id = ?',
      )
      .all(userId) as VoipDevice[];
  }

  webTargets(userId: string): WebPushDevice[] {
    const rows = this.db
      .prepare(
        'SELECT device_id AS deviceId, endpoint, p256dh, auth FROM web_push_subscriptions WHERE user_id = ?',
      )
      .all(userId) as { deviceId: string; endpoint: string; p256dh: string; auth: string }[];
    return rows.map((r) => ({
      deviceId: r.deviceId,
      subscription: { endpoint: r.endpoint, keys: { p256dh: r.p256dh, auth: r.auth } },
    }));
  }

  wakeableUsers(): Peer[] {
    return this.db
      .prepare(
        `SELECT u.id, u.display_name AS displayName FROM users u
         WHERE u.id IN (SELECT user_id FROM voip_registrations UNION SELECT user_id FROM web_push_subscriptions)`,
      )
      .all() as Peer[];
  }

  serverKey(name: string, make: () => string, now: number): string {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT value FROM server_keys WHERE name = ?').get(name) as
        { value: string } | undefined;
      if (row) return row.value;
      const value = make();
      this.db
        .prepare('INSERT INTO server_keys (name, value, created_at) VALUES (?, ?, ?)')
        .run(name, value, now);
      return value;
    })();
  }
}
