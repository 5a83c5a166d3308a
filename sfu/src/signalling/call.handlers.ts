/** Wires one connection's request events to the call service: one line per event. */
import type { CallService } from '../call/call-service.ts';
import type { Logger } from '../log.ts';
import { ErrorCode, requests } from '../protocol/index.ts';
import type { Member } from '../presence/presence.ts';
import { onRequest, replyError } from './with-ack.ts';

export function registerCallHandlers(member: Member, calls: CallService, log: Logger): void {
  const { socket } = member;
  const me = member.peer.id;
  onRequest(socket, 'call:invite', log, ({ to }) => ({ callId: calls.invite(member, to) }));
  onRequest(socket, 'call:ringing', log, ({ callId }) => (calls.act(me, callId, 'ring'), {}));
  onRequest(socket, 'call:answer', log, ({ callId }) => (calls.act(me, callId, 'answer'), {}));
  onRequest(socket, 'call:decline', log, ({ callId }) => (calls.act(me, callId, 'decline'), {}));
  onRequest(socket, 'call:hangup', log, ({ callId }) => (calls.act(me, callId, 'hangup'), {}));
  onRequest(socket, 'media:publish', log, async ({ callId, sdp }) => ({
    sdp: await calls.publish(me, callId, sdp),
  }));
  onRequest(socket, 'media:subscribe-answer', log, async ({ callId, sdp }) => {
    await calls.answerSubscription(me, callId, sdp);
    return {};
  });
  onRequest(socket, 'media:trickle', log, async ({ callId, leg, candidate }) => {
    await calls.trickle(me, callId, leg, candidate);
    return {};
  });
  socket.onAny((event: string, ...args: unknown[]) => {
    if (event in requests) return;
    log.warn({ event, user: me }, 'unknown event');
    replyError(socket, event, args[args.length - 1], {
      code: ErrorCode.UnknownEvent,
      message: `unknown event "${event}"`,
    });
  });
}
