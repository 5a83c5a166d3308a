/**
 * Every live call, found by id or by user; the one place that checks a user may act on a call.
 * Handlers call this; it answers with results or throws {@link CallError}.
 */
import crypto from 'node:crypto';
import type { JanusGateway } from '../janus/janus-gateway.ts';
import type { Candidate, Leg } from '../janus/media-room.ts';
import type { Logger } from '../log.ts';
import type { Member, Presence } from '../presence/presence.ts';
import { ErrorCode, type CallId, type UserId } from '../protocol/index.ts';
import { CallError } from './call-error.ts';
import { actorOf, type CallEvent, type Role } from './call-machine.ts';
import { CallSession } from './call-session.ts';

export interface CallServiceDeps {
  presence: Presence;
  gateway: JanusGateway;
  log: Logger;
  noAnswerTimeoutMs: number;
}

type PartyEvent = Extract<CallEvent['type'], 'ring' | 'answer' | 'decline' | 'hangup'>;

export class CallService {
  private readonly calls = new Map<CallId, CallSession>();
  private readonly callOfUser = new Map<UserId, CallSession>();
  private readonly log: Logger;

  constructor(private readonly deps: CallServiceDeps) {
    this.log = deps.log.child({ module: 'calls' });
    deps.gateway.on('lost', () => this.endAll({ type: 'media-server-restarted' }));
  }

  get activeCalls(): number {
    return this.calls.size;
  }

  invite(from: Member, to: UserId): CallId {
    if (to === from.peer.id) throw new CallError(ErrorCode.InvalidTarget, 'you cannot call yourself');
    if (this.callOfUser.has(from.peer.id))
      throw new CallError(ErrorCode.AlreadyInCall, 'you are already in a call');
    const callee = this.deps.presence.get(to);
    if (!callee) throw new CallError(ErrorCode.UserNotFound, 'that user is not online');
    if (!this.deps.gateway.isReady)
      throw new CallError(ErrorCode.MediaUnavailable, 'the media server is restarting');

    const call = new CallSession(crypto.randomUUID(), from, callee, {
      gateway: this.deps.gateway,
      log: this.log,
      noAnswerTimeoutMs: this.deps.noAnswerTimeoutMs,
      onEnded: (c) => this.forget(c),
    });
    this.calls.set(call.id, call);
    this.callOfUser.set(from.peer.id, call);
    if (this.callOfUser.has(to)) {
      // The caller still gets a call id and then a "busy" end, like any other outcome of a call.
      queueMicrotask(() => call.dispatch({ type: 'busy' }));
      return call.id;
    }
    this.callOfUser.set(to, call);
    callee.socket.emit('call:incoming', { callId: call.id, from: from.peer });
    return call.id;
  }

  /** A party's own action on its call: ring, answer, decline or hang up. */
  act(userId: UserId, callId: CallId, type: PartyEvent): void {
    const { call, role } = this.participant(userId, callId);
    const actor = actorOf(type);
    if (actor && actor !== role)
      throw new CallError(ErrorCode.NotParticipant, `only the ${actor} can ${type}`);
    call.dispatch(type === 'hangup' ? { type, by: role } : { type });
  }

  async publish(userId: UserId, callId: CallId, sdp: string): Promise<string> {
    const { call, role } = this.participant(userId, callId);
    return call.publish(role, sdp);
  }

  async answerSubscription(userId: UserId, callId: CallId, sdp: string): Promise<void> {
    const { call, role } = this.participant(userId, callId);
    await call.answerSubscription(role, sdp);
  }

  async trickle(userId: UserId, callId: CallId, leg: Leg, candidate: Candidate | null): Promise<void> {
    const { call, role } = this.participant(userId, callId);
    await call.trickle(role, leg, candidate);
  }

  /** The user's connection dropped: their call, if any, ends with "disconnected". */
  disconnected(userId: UserId): void {
    const call = this.callOfUser.get(userId);
    const role = call?.roleOf(userId);
    if (call && role) call.dispatch({ type: 'disconnect', who: role });
  }

  private endAll(event: CallEvent): void {
    const calls = [...this.calls.values()];
    if (calls.length) this.log.warn({ calls: calls.length, event: event.type }, 'ending every call');
    for (const call of calls) call.dispatch(event);
  }

  private participant(userId: UserId, callId: CallId): { call: CallSession; role: Role } {
    const call = this.calls.get(callId);
    if (!call) throw new CallError(ErrorCode.CallNotFound, 'no such call');
    const role = call.roleOf(userId);
    if (!role) throw new CallError(ErrorCode.NotParticipant, 'you are not part of this call');
    return { call, role };
  }

  private forget(call: CallSession): void {
    this.calls.delete(call.id);
    for (const m of [call.caller, call.callee]) {
      if (this.callOfUser.get(m.peer.id) === call) this.callOfUser.delete(m.peer.id);
    }
  }
}
