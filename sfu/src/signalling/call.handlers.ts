/** Wires one connection's request events to the services: one line per event. */
import type { CallService } from '../call/call-service.ts';
import type { MediaLimits } from '../call/media-limits.ts';
import type { Logger } from '../log.ts';
import type { Member, Presence } from '../presence/presence.ts';
import type { CallRouter } from '../cluster/call-router.ts';
import type { Drain } from '../cluster/drain.ts';
import { ErrorCode, mediaRequests, requests, type MediaRequestName, type UserId } from '../protocol/index.ts';
import { partyRequests } from './call-requests.ts';
import type { CallsRepo } from '../store/calls.repo.ts';
import type { AppSocket } from './types.ts';
import { onRequest, replyError } from './with-ack.ts';

export interface HandlerDeps {
  calls: CallService;
  /** Runs a call's requests on its home node. */
  router: CallRouter;
  drain: Drain;
  history: CallsRepo;
  presence: Presence;
  /** Media requests per connection and per device. */
  mediaLimits: MediaLimits;
  log: Logger;
}

/** `socket` is one of `member`'s: a request from any socket of a device is the device's. */
export function registerCallHandlers(
  socket: AppSocket,
  member: Member,
  { calls, router, drain, history, presence, mediaLimits, log }: HandlerDeps,
): void {
  const me = member.peer.id;
  const asker = { member, socketId: socket.id };
  const onMediaRequest = <K extends MediaRequestName>(event: K) =>
    onRequest(socket, event, log, async (p) => {
      // Counted before anything else is looked at: a flood costs the limiter's count, no more.
      await mediaLimits.admit(socket.id, me, member.deviceId);
      return router.route(asker, event, p);
    });
  const invite = async (to: UserId) => {
    const callId = await router.invite(asker, to);
    // The call is made: its ack does not depend on the contact rows, only waits for them.
    await presence
      .met(socket, member.peer, to)
      .catch((err: unknown) => log.error({ err, callId }, 'contacts not saved'));
    return callId;
  };
  onRequest(socket, 'call:invite', log, async ({ to }) => {
    drain.admitCall();
    return { callId: await invite(to) };
  });
  onRequest(socket, 'call:dial', log, async ({ username }) => {
    drain.admitCall();
    const callee = await calls.lookUp(me, username);
    return { callId: await invite(callee.id), callee };
  });
  for (const event of Object.keys(partyRequests) as (keyof typeof partyRequests)[])
    onRequest(socket, event, log, (p) => router.route(asker, event, p));
  onRequest(
    socket,
    'call:mic-permission',
    log,
    async ({ callId, state }) => (await calls.micPermission(member, callId, state), {}),
  );
  onRequest(
    socket,
    'call:quality',
    log,
    async ({ callId, summary }) => (await calls.saveQuality(member, callId, summary), {}),
  );
  onRequest(socket, 'history:list', log, async ({ limit }) => ({
    entries: await history.history(me, limit ?? 50),
    unreadMissed: await history.unreadMissed(me),
  }));
  onRequest(socket, 'history:mark-seen', log, async () => {
    await history.markSeen(me, Date.now());
    for (const d of presence.devicesOf(me)) d.emit('history:changed', { unreadMissed: 0 });
    return {};
  });
  onRequest(socket, 'contacts:add', log, async ({ username }) => {
    await calls.admitLookUp(me);
    return presence.add(socket, username);
  });
  for (const event of Object.keys(mediaRequests) as MediaRequestName[]) onMediaRequest(event);
  socket.onAny((event: string, ...args: unknown[]) => {
    if (Object.hasOwn(requests, event)) return;
    log.warn({ event, user: me }, 'unknown event');
    replyError(socket, event, args[args.length - 1], {
      code: ErrorCode.UnknownEvent,
      message: `unknown event "${event}"`,
    });
  });
}
