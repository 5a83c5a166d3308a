/** Wires one connection's request events to the services: one line per event. */
import type { CallService } from '../call/call-service.ts';
import type { MediaLimits } from '../call/media-limits.ts';
import type { Logger } from '../log.ts';
import type { Member, Presence } from '../presence/presence.ts';
import {
  ErrorCode,
  mediaRequests,
  requests,
  type CallId,
  type MediaPayload,
  type MediaRequestName,
  type RequestPayload,
} from '../protocol/index.ts';
import type { CallsRepo } from '../store/calls.repo.ts';
import type { AppSocket } from './types.ts';
import { onRequest, replyError } from './with-ack.ts';

export interface HandlerDeps {
  calls: CallService;
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
  { calls, history, presence, mediaLimits, log }: HandlerDeps,
): void {
  const me = member.peer.id;
  const onMediaRequest = <K extends MediaRequestName>(event: K) =>
    onRequest(socket, event, log, async (p) => {
      // Counted before anything else is looked at: a flood costs the limiter's count, no more.
      await mediaLimits.admit(socket.id, me, member.deviceId);
      const { callId, ...payload } = p as RequestPayload<K> & { callId: CallId };
      return calls.media(member, callId, event, payload as MediaPayload<K>);
    });
  onRequest(socket, 'call:invite', log, async ({ to }) => {
    const callId = await calls.invite(member, to);
    // The call is made: its ack does not depend on the contact rows, only waits for them.
    await presence
      .met(socket, member.peer, to)
      .catch((err: unknown) => log.error({ err, callId }, 'contacts not saved'));
    return { callId };
  });
  onRequest(socket, 'call:reported', log, async ({ callId }) => {
    const late = { socketId: socket.id, emit: socket.emit.bind(socket) as Member['emit'] };
    return { call: { callId, from: await calls.report(member, callId, late) } };
  });
  onRequest(socket, 'call:ringing', log, ({ callId }) => (calls.act(member, callId, 'ring'), {}));
  onRequest(socket, 'call:answer', log, ({ callId }) => (calls.answer(member, callId), {}));
  onRequest(
    socket,
    'call:answer-failed',
    log,
    ({ callId }) => (calls.act(member, callId, 'answer-failed'), {}),
  );
  onRequest(socket, 'call:decline', log, ({ callId }) => (calls.act(member, callId, 'decline'), {}));
  onRequest(socket, 'call:hangup', log, ({ callId }) => (calls.act(member, callId, 'hangup'), {}));
  onRequest(socket, 'call:activation-failed', log, ({ callId, why }) => {
    calls.activationFailed(member, callId, why);
    return {};
  });
  onRequest(socket, 'call:connection-lost', log, ({ callId }) => (calls.connectionLost(member, callId), {}));
  onRequest(socket, 'call:media-lost', log, ({ callId }) => (calls.mediaLost(member, callId), {}));
  onRequest(socket, 'call:media-failed', log, ({ callId }) => (calls.mediaFailed(member, callId), {}));
  onRequest(socket, 'call:hold', log, ({ callId, held }) => (calls.hold(member, callId, held), {}));
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
  onRequest(socket, 'contacts:add', log, ({ username }) => presence.add(socket, username));
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
