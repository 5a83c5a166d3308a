/**
 * One call: its state (changed only through {@link CallSession.dispatch}, which logs "from → to"),
 * its no-answer timer, its media room, and the messages each transition sends to the two parties.
 */
import type { JanusGateway } from '../janus/janus-gateway.ts';
import { MediaRoom, type Candidate, type Leg } from '../janus/media-room.ts';
import type { Logger } from '../log.ts';
import type { Member } from '../presence/presence.ts';
import {
  CallState,
  ErrorCode,
  type CallId,
  type EndReason,
  type EndedBy as WireEndedBy,
} from '../protocol/index.ts';
import { CallError } from './call-error.ts';
import { transition, type CallEvent, type EndedBy, type Role } from './call-machine.ts';

export interface CallSessionDeps {
  gateway: JanusGateway;
  log: Logger;
  noAnswerTimeoutMs: number;
  onEnded: (call: CallSession) => void;
}

const other = (role: Role): Role => (role === 'caller' ? 'callee' : 'caller');

export class CallSession {
  private _state: CallState = CallState.Calling;
  private readonly noAnswerTimer: NodeJS.Timeout;
  private readonly room: Promise<MediaRoom>;
  private readonly log: Logger;
  readonly createdAt = Date.now();

  constructor(
    readonly id: CallId,
    readonly caller: Member,
    readonly callee: Member,
    private readonly deps: CallSessionDeps,
  ) {
    this.log = deps.log.child({ callId: id });
    this.noAnswerTimer = setTimeout(
      () => this.dispatch({ type: 'no-answer-timeout' }),
      deps.noAnswerTimeoutMs,
    );
    this.room = this.openRoom();
    // Failures are handled inside openRoom; this keeps an early rejection from being "unhandled".
    this.room.catch(() => undefined);
    this.log.info({ caller: caller.peer.id, callee: callee.peer.id }, 'call created');
  }

  get state(): CallState {
    return this._state;
  }

  member(role: Role): Member {
    return role === 'caller' ? this.caller : this.callee;
  }

  roleOf(userId: string): Role | undefined {
    if (this.caller.peer.id === userId) return 'caller';
    if (this.callee.peer.id === userId) return 'callee';
    return undefined;
  }

  /** Applies an event; throws {@link CallError} when the current state refuses it. */
  dispatch(event: CallEvent): void {
    const t = transition(this._state, event);
    if (!t.ok) throw new CallError(t.code, t.message);
    const from = this._state;
    this._state = t.state;
    this.log.info({ event: event.type, from, to: t.state }, `call ${from} -> ${t.state}`);
    if (t.state === CallState.Ended) this.onEnded(t.reason, t.by);
    else if (t.state !== from) this.onStateChanged(t.state);
  }

  async publish(role: Role, sdp: string): Promise<string> {
    return this.mediaOp(async (room) => room.publish(role, sdp));
  }

  async answerSubscription(role: Role, sdp: string): Promise<void> {
    await this.mediaOp(async (room) => room.answerSubscription(role, sdp));
  }

  async trickle(role: Role, leg: Leg, candidate: Candidate | null): Promise<void> {
    await this.mediaOp(async (room) => room.trickle(role, leg, candidate));
  }

  private async mediaOp<T>(op: (room: MediaRoom) => Promise<T>): Promise<T> {
    this.assertLive();
    const room = await this.room.catch(() => {
      throw new CallError(ErrorCode.MediaUnavailable, 'the media server is unavailable');
    });
    this.assertLive();
    try {
      return await op(room);
    } catch (err) {
      if (err instanceof CallError) throw err;
      this.log.warn({ err }, 'media request failed');
      throw new CallError(ErrorCode.MediaUnavailable, 'the media server refused the request');
    }
  }

  private assertLive(): void {
    if (this._state === CallState.Ended) throw new CallError(ErrorCode.CallNotFound, 'the call has ended');
  }

  private async openRoom(): Promise<MediaRoom> {
    let room: MediaRoom;
    try {
      room = await MediaRoom.open(this.deps.gateway, ['caller', 'callee'], this.log);
    } catch (err) {
      this.log.error({ err }, 'could not open a media room');
      if (this._state !== CallState.Ended) this.dispatch({ type: 'media-failed' });
      throw err;
    }
    if (this._state === CallState.Ended) {
      await room.close();
      throw new CallError(ErrorCode.CallNotFound, 'the call has ended');
    }
    room.on('publisher-up', (party) => this.onPublisherUp(room, party as Role));
    room.on('talking', (party, talking) => {
      const role = party as Role;
      this.member(role).socket.emit('media:talking', { callId: this.id, who: 'self', talking });
      this.member(other(role)).socket.emit('media:talking', { callId: this.id, who: 'peer', talking });
    });
    room.on('leg-failed', (party, leg, why) => {
      this.log.warn({ party, leg, why }, 'media leg failed');
      if (this._state !== CallState.Ended) this.dispatch({ type: 'media-failed' });
    });
    return room;
  }

  /** Janus only lets a feed be subscribed to once its publisher is up, so subscriptions start here. */
  private onPublisherUp(room: MediaRoom, publisher: Role): void {
    const subscriber = other(publisher);
    room
      .subscribe(subscriber, publisher)
      .then((sdp) => {
        if (this._state !== CallState.Ended) {
          this.member(subscriber).socket.emit('media:offer', { callId: this.id, sdp });
        }
      })
      .catch((err: unknown) => {
        if (this._state === CallState.Ended) return;
        this.log.error({ err, subscriber }, 'subscribe failed');
        this.dispatch({ type: 'media-failed' });
      });
  }

  private onStateChanged(state: CallState): void {
    if (state === CallState.Answered) clearTimeout(this.noAnswerTimer);
    for (const m of [this.caller, this.callee]) m.socket.emit('call:state', { callId: this.id, state });
  }

  private onEnded(reason: EndReason, by: EndedBy): void {
    clearTimeout(this.noAnswerTimer);
    for (const role of ['caller', 'callee'] as const) {
      const wireBy: WireEndedBy = by === 'server' ? 'server' : by === role ? 'self' : 'peer';
      this.member(role).socket.emit('call:ended', { callId: this.id, reason, by: wireBy });
    }
    this.log.info({ reason, by, ms: Date.now() - this.createdAt }, 'call ended');
    this.room.then((room) => room.close()).catch(() => undefined);
    this.deps.onEnded(this);
  }
}
