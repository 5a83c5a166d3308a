/** Wires one connection's push registration requests to the store: where this device can be woken. */
import { CallError } from '../call/call-error.ts';
import type { Logger } from '../log.ts';
import type { Member } from '../presence/presence.ts';
import { ErrorCode } from '../protocol/index.ts';
import type { PushEndpointPolicy } from '../push/push-endpoints.ts';
import type { PushRepo } from '../store/push.repo.ts';
import type { AppSocket } from './types.ts';
import { onRequest } from './with-ack.ts';

export interface PushHandlerDeps {
  repo: PushRepo;
  /** The VAPID public key browsers subscribe with. */
  vapidPublicKey: string;
  /** The iOS bundle ids this server's APNs key may push to; empty accepts any. */
  bundleIds: readonly string[];
  /** Which Web Push endpoints the server will post to (review H3). */
  endpoints: PushEndpointPolicy;
  log: Logger;
}

export function registerPushHandlers(
  socket: AppSocket,
  member: Member,
  { repo, vapidPublicKey, bundleIds, endpoints, log }: PushHandlerDeps,
): void {
  const { deviceId } = member;
  const me = member.peer.id;
  onRequest(socket, 'push:register-voip', log, async (reg) => {
    if (bundleIds.length && !bundleIds.includes(reg.bundleId))
      throw new CallError(ErrorCode.InvalidPayload, `bundleId: this server does not push to ${reg.bundleId}`);
    if (!(await repo.registerVoip(deviceId, me, reg, Date.now()))) {
      log.warn({ user: me, device: deviceId }, 'VoIP token held by another account refused');
      throw new CallError(ErrorCode.PushAddressTaken, 'this VoIP token is registered to another account');
    }
    log.info(
      { user: me, device: deviceId, env: reg.environment, app: reg.appVersion },
      'VoIP token registered',
    );
    return {};
  });
  onRequest(socket, 'push:register-web', log, async ({ subscription }) => {
    const refused = await endpoints.refusal(subscription.endpoint);
    if (refused) {
      log.warn({ user: me, device: deviceId, refused }, 'Web Push endpoint refused');
      throw new CallError(ErrorCode.InvalidPayload, `subscription.endpoint: ${refused}`);
    }
    if (!(await repo.registerWeb(deviceId, me, subscription, Date.now()))) {
      log.warn({ user: me, device: deviceId }, 'Web Push endpoint held by another account refused');
      throw new CallError(
        ErrorCode.PushAddressTaken,
        'this push subscription is registered to another account',
      );
    }
    log.info(
      { user: me, device: deviceId, host: new URL(subscription.endpoint).host },
      'Web Push subscription registered',
    );
    return {};
  });
  onRequest(socket, 'push:unregister', log, async ({ token }) => {
    if (token === undefined) {
      await repo.unregisterDevice(deviceId);
      log.info({ user: me, device: deviceId }, 'push registrations removed');
      return {};
    }
    // The shell's PushKit invalidated `token`; the page may already have registered its successor.
    const removed = await repo.unregisterVoipToken(deviceId, token);
    log.info(
      { user: me, device: deviceId, token: token.slice(-8), removed },
      removed ? 'invalidated VoIP token removed' : 'invalidated VoIP token already replaced',
    );
    return {};
  });
  onRequest(socket, 'push:web-config', log, () => ({ vapidPublicKey }));
}
