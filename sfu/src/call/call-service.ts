/**
 * Every live call, found by id or by user; the one place that checks a device may act on a call.
 * Handlers call this; it answers with results or throws {@link CallError}. Who is in a call is the
 * call's own business ({@link CallSession.involves}, {@link CallSession.roleOf}); this keeps no
 * second record of it.
 */
import crypto from 'node:crypto';
import type { WatchOptions } from '../media/media-room.ts';
import type { MediaServer } from '../media/media-server.ts';
import type { Logger } from '../log.ts';
import type { Member, Presence } from '../presence/presence.ts';
import {
  CallState,
  ErrorCode,
  type CallId,
  type MediaPayload,
  type MediaRequestName,
  type MicPermission,
  type Peer,
  type QualitySummary,
  type DeviceReport,
  type RequestResult,
  type ServerEventPayload,
  type UserId,
} from '../protocol/index.ts';
import type { CallWaker, WakeTargets } from '../push/incoming-call-pusher.ts';
import type { CallsRepo } from '../store/calls.repo.ts';
import type { UserRow, UsersRepo } from '../store/users.repo.ts';
import { CallError } from './call-error.ts';
import { actorOf, transition, type CallEvent, type Role } from './call-machine.ts';
import type { CallRecord } from './call-record.ts';
import { CallSession, type LateSocket } from './call-session.ts';
import type { InviteLimits } from './invite-limits.ts';

export interface CallServiceDeps {
  presence: Presence;
  media: MediaServer;
  users: UsersRepo;
  /** Reads of call history (who took part, the unread badge). */
  calls: CallsRepo;
  /** Live calls' history writes, in each call's order. */
  record: CallRecord;
  log: Logger;
  noAnswerTimeoutMs: number;
  /** How long a device whose signalling dropped keeps its place in its call. */
  reconnectGraceMs: number;
  /** How an answered call's directions are watched for media stalls. */
  watch: WatchOptions;
  /** Wakes a callee's devices that are not connected. */
  waker: CallWaker;
  /** How long a call whose callee was woken by a push waits for a device to report or ring. */
  reportTimeoutMs: number;
  /** Invites per caller and per callee. */
  limits: InviteLimits;
  /** Told when a call starts and ends here (the cluster's call → home map). */
  homes?: CallHomeHooks;
}

/** A call this node holds: its id and users. */
export interface HeldCall {
  id: CallId;
  users: UserId[];
}

export interface CallHomeHooks {
  started(call: HeldCall): void;
  ended(call: HeldCall): void;
}

/** What this node can't see of a callee: a call of theirs held elsewhere, their devices on other nodes. */
export interface CalleeElsewhere {
  busy: boolean;
  devices: Member[];
}

type PartyEvent = Extract<CallEvent['type'], 'ring' | 'decline' | 'hangup' | 'answer-failed'>;

export class CallService {
  private readonly live = new Map<CallId, CallSession>();
  /**
   * How calls ended while one of their devices was away, by user and device: told to the device
   * when it reconnects within the grace (it has not given the call up yet).
   */
  private readonly endedAway = new Map<string, ServerEventPayload<'call:ended'>>();
  private readonly log: Logger;

  constructor(private readonly deps: CallServiceDeps) {
    this.log = deps.log.child({ module: 'calls' });
  }

  get activeCalls(): number {
    return this.live.size;
  }

  get reconnectGraceMs(): number {
    return this.deps.reconnectGraceMs;
  }

  /**
   * The limits are counted and both accounts read first, and are the only waits: everything after
   * runs in one go, so two invites can't both find the caller free.
   */
  async invite(from: Member, to: UserId, elsewhere?: CalleeElsewhere): Promise<CallId> {
    await this.deps.limits.admitInvite(from.peer.id, to);
    if (to === from.peer.id) throw new CallError(ErrorCode.InvalidTarget, 'you cannot call yourself');
    const [user, caller, targets] = await Promise.all([
      this.deps.users.byId(to),
      this.deps.users.byId(from.peer.id),
      this.deps.waker.targets(to),
    ]);
    if (!user) throw new CallError(ErrorCode.UserNotFound, 'no such user');
    return this.start(from, user, caller?.username ?? from.peer.displayName, targets, elsewhere);
  }

  /**
   * Who has this username (case-folded as accounts are), for a call by username. A name nobody has
   * costs the caller an invite, as a call to someone would: the field can't try names faster than
   * the invite limit lets anyone call, and a caller over the limit is refused alike whether the
   * name exists or not.
   */
  /**
   * A look-up that is not a call (adding a contact) costs the asker one invite, found or not: over
   * the limit every name is refused alike, so no field tests names faster than anyone may call.
   */
  async admitLookUp(from: UserId): Promise<void> {
    await this.deps.limits.admitCaller(from);
  }

  async lookUp(from: UserId, username: string): Promise<Peer> {
    const user = await this.deps.users.byUsername(username);
    if (!user) {
      await this.deps.limits.admitCaller(from);
      throw new CallError(ErrorCode.UserNotFound, 'no such user');
    }
    return { id: user.id, displayName: user.displayName };
  }

  /** The calls held here. */
  held(): HeldCall[] {
    return [...this.live.values()].map(heldCall);
  }

  /** Whether the user is in a call held here. */
  inCall(user: UserId): boolean {
    return this.callOf(user) !== undefined;
  }

  /** Whether the call is held here. */
  holds(callId: CallId): boolean {
    return this.live.has(callId);
  }

  /** Every live call ends: this node is going away (past its drain deadline). */
  endAll(): void {
    for (const call of [...this.live.values()]) call.dispatch({ type: 'server-lost' });
  }

  /** Every live call ends, its parties told already by the node that declared this one dead. */
  endAllLostElsewhere(): void {
    for (const call of [...this.live.values()]) call.lostElsewhere();
  }

  private start(
    from: Member,
    user: UserRow,
    callerHandle: string,
    targets: WakeTargets,
    elsewhere?: CalleeElsewhere,
  ): CallId {
    const to = user.id;
    if (this.callOf(from.peer.id)) throw new CallError(ErrorCode.AlreadyInCall, 'you are already in a call');
    if (!this.deps.media.isReady)
      throw new CallError(ErrorCode.MediaUnavailable, 'the media server is restarting');

    const busy = this.callOf(to) !== undefined || elsewhere?.busy === true;
    const devices = busy ? [] : [...this.deps.presence.devicesOf(to), ...(elsewhere?.devices ?? [])];
    const callId = crypto.randomUUID();
    const sentAt = Date.now();
    const woken = busy
      ? 0
      : this.deps.waker.wake(
          targets,
          {
            callId,
            caller: {
              id: from.peer.id,
              handle: callerHandle,
              displayName: from.peer.displayName,
            },
            sentAt,
            expiresAt: sentAt + this.deps.reportTimeoutMs,
            ringTimeoutMs: this.deps.noAnswerTimeoutMs,
          },
          new Set(devices.map((d) => d.deviceId)),
        );
    const call = new CallSession(
      callId,
      from,
      { peer: { id: user.id, displayName: user.displayName }, devices },
      {
        media: this.deps.media,
        calls: this.deps.record,
        log: this.log,
        noAnswerTimeoutMs: this.deps.noAnswerTimeoutMs,
        reconnectGraceMs: this.deps.reconnectGraceMs,
        watch: this.deps.watch,
        onEnded: (c) => this.forget(c),
        endedAway: (device, ended) => this.keepEndedAway(device, ended),
        ...(woken ? { woken: { devices: woken, reportTimeoutMs: this.deps.reportTimeoutMs } } : {}),
      },
    );
    this.live.set(call.id, call);
    this.deps.homes?.started(heldCall(call));
    if (busy || devices.length + woken === 0) {
      // The caller gets its call id first (the ack is written within this tick) and then the end
      // with its reason, like any other outcome; ending sooner would reach a caller that can't
      // yet tell which call it is about.
      setImmediate(() => call.dispatch({ type: busy ? 'busy' : 'unreachable' }));
      return call.id;
    }
    for (const d of devices) d.emit('call:incoming', { callId: call.id, from: from.peer });
    return call.id;
  }

  /**
   * A push-woken device reports the call it was told about. A call that ended meanwhile (or was
   * answered on another device) is "no longer available": the device ends its CallKit call.
   */
  async report(member: Member, callId: CallId, late?: LateSocket): Promise<Peer> {
    const call =
      this.live.get(callId) ?? (await this.refuseEnded(member.peer.id, callId, { type: 'report' }));
    if (call.callee.peer.id !== member.peer.id)
      throw new CallError(ErrorCode.NotParticipant, 'you are not the callee of this call');
    call.report(member, late);
    return call.caller.peer;
  }

  /** The callee's service worker is showing the call's notification (Web Push, no page open). */
  async notificationShown(userId: UserId, callId: CallId): Promise<void> {
    const call =
      this.live.get(callId) ?? (await this.refuseEnded(userId, callId, { type: 'notification-shown' }));
    if (call.callee.peer.id !== userId)
      throw new CallError(ErrorCode.NotParticipant, 'you are not the callee of this call');
    call.notificationShown();
  }

  /** A device's own action on its call: ring, decline, hang up, or give up on its answer. */
  act(member: Member, callId: CallId, type: PartyEvent): void {
    const { call, role } = this.participant(member, callId);
    this.checkActor(type, role);
    call.dispatch(type === 'hangup' ? { type, by: role } : { type });
  }

  answer(member: Member, callId: CallId): void {
    const { call, role } = this.participant(member, callId);
    this.checkActor('answer', role);
    call.answer(member);
    if (call.answeredAt !== null) this.deps.waker.answered(call.id);
  }

  hold(member: Member, callId: CallId, held: boolean): void {
    const { call, role } = this.participant(member, callId);
    call.hold(role, held);
  }

  /** A party's media request (transports, producer, consumer, SDP) in its call's room. */
  async media<K extends MediaRequestName>(
    member: Member,
    callId: CallId,
    event: K,
    payload: MediaPayload<K>,
  ): Promise<RequestResult<K>> {
    return this.participant(member, callId).call.media(member, event, payload);
  }

  /** The device gave the call up after its signalling was down past the grace: the call ends for both. */
  connectionLost(member: Member, callId: CallId): void {
    const { call, role } = this.participant(member, callId);
    call.dispatch({ type: 'reconnect-timeout', who: role });
  }

  /** The party's media could not be recovered after a network loss: the call ends for both. */
  mediaLost(member: Member, callId: CallId): void {
    const { call, role } = this.participant(member, callId);
    call.dispatch({ type: 'media-lost', who: role });
  }

  /** The party's media path could not be set up: the call ends for both, saying so. */
  mediaFailed(member: Member, callId: CallId): void {
    this.participant(member, callId).call.dispatch({ type: 'media-failed' });
  }

  /** A device's audio-activation step failed: logged with the call, the call itself goes on. */
  activationFailed(member: Member, callId: CallId, why: 'not-activated' | 'failed'): void {
    const { call, role } = this.participant(member, callId);
    call.activationFailed(role);
    this.log.warn({ callId, role, device: member.deviceId, why }, 'audio activation failed');
  }

  /** What a party's device says about itself and its side of the call, for the quality record. */
  deviceReport(member: Member, callId: CallId, report: DeviceReport): void {
    const { call, role } = this.participant(member, callId);
    call.deviceReported(role, report);
  }

  /**
   * A party's microphone permission, kept with the call. Checked against history like quality: the
   * call may already be over when a slow device says it. Anything but `granted` is a silent uplink,
   * so it is logged as a warning while the call can still be looked at.
   */
  async micPermission(member: Member, callId: CallId, state: MicPermission): Promise<void> {
    const at = Date.now();
    await this.checkParty(member, callId);
    await this.deps.calls.saveMicPermission(callId, member.peer.id, state, at);
    const said = { callId, user: member.peer.id, device: member.deviceId, state };
    if (state === 'granted') this.log.info(said, 'microphone permission');
    else this.log.warn(said, 'microphone permission not granted: this party sends silence');
  }

  /** Quality arrives after the call ended, so it is checked against history, not live calls. */
  async saveQuality(member: Member, callId: CallId, summary: QualitySummary): Promise<void> {
    await this.checkParty(member, callId);
    await this.deps.calls.saveQuality(callId, member.peer.id, summary);
  }

  /** History is asked once the call's own rows are written: a call just made is in it. */
  private async checkParty(member: Member, callId: CallId): Promise<void> {
    await this.deps.record.written(callId);
    if (!(await this.deps.calls.isParty(callId, member.peer.id)))
      throw new CallError(ErrorCode.NotParticipant, 'you are not part of this call');
  }

  /** A device's last connection dropped: its call waits for it through the reconnect grace. */
  disconnected(member: Member): void {
    this.callOf(member.peer.id)?.deviceLeft(member);
  }

  /** The device's last socket was closed because its session ended: its call does not wait for it. */
  sessionEnded(member: Member): void {
    this.callOf(member.peer.id)?.deviceGone(member);
  }

  /**
   * A device connected (again): if it is in a call, the new connection gets the call back; if its
   * call ended while it was away, it hears how.
   */
  connected(member: Member, socket: LateSocket): void {
    const key = deviceKey(member);
    const ended = this.endedAway.get(key);
    this.endedAway.delete(key);
    if (ended) socket.emit('call:ended', ended);
    this.callOf(member.peer.id)?.deviceBack(member, socket);
  }

  /** The device of this user that is away from its call, for Presence to give back on reconnect. */
  awayDevice(user: UserId, deviceId: string): Member | undefined {
    return this.callOf(user)?.awayDevice(deviceId);
  }

  /** The user's live call: at most one, since a user in a call is busy for every other. */
  private callOf(user: UserId): CallSession | undefined {
    for (const call of this.live.values()) if (call.involves(user)) return call;
    return undefined;
  }

  /**
   * For a call that is not live: the table's refusal of `event` for an ended one (a call this user
   * took part in that is in history but no longer live has ended), else "no such call".
   */
  private async refuseEnded(user: UserId, callId: CallId, event: CallEvent): Promise<never> {
    const t = transition(CallState.Ended, event);
    await this.deps.record.written(callId);
    if (t.kind === 'refuse' && (await this.deps.calls.isParty(callId, user)))
      throw new CallError(t.code, t.message);
    throw new CallError(ErrorCode.CallNotFound, 'no such call');
  }

  private checkActor(type: CallEvent['type'], role: Role): void {
    const actor = actorOf(type);
    if (actor && actor !== role)
      throw new CallError(ErrorCode.NotParticipant, `only the ${actor} can ${type}`);
  }

  private participant(member: Member, callId: CallId): { call: CallSession; role: Role } {
    const call = this.live.get(callId);
    if (!call) throw new CallError(ErrorCode.CallNotFound, 'no such call');
    const role = call.roleOf(member);
    if (!role) throw new CallError(ErrorCode.NotParticipant, 'you are not part of this call');
    return { call, role };
  }

  private keepEndedAway(device: Member, ended: ServerEventPayload<'call:ended'>): void {
    const key = deviceKey(device);
    this.endedAway.set(key, ended);
    // Past the grace the device has given the call up by itself.
    setTimeout(() => {
      if (this.endedAway.get(key) === ended) this.endedAway.delete(key);
    }, this.deps.reconnectGraceMs).unref();
  }

  private forget(call: CallSession): void {
    this.live.delete(call.id);
    this.deps.homes?.ended(heldCall(call));
    this.deps.waker.ended(call.id, call.answeredAt !== null);
    void this.tellHistory(call);
  }

  /**
   * Both parties' devices, once the call's end is written: their history has the call (a page that
   * keeps the list on screen reloads it), and the callee's badge counts it if it was missed.
   */
  private async tellHistory(call: CallSession): Promise<void> {
    await this.deps.record.written(call.id);
    for (const user of [call.caller.peer.id, call.callee.peer.id]) {
      try {
        const unreadMissed = await this.deps.calls.unreadMissed(user);
        for (const d of this.deps.presence.devicesOf(user)) d.emit('history:changed', { unreadMissed });
      } catch (err) {
        this.log.error({ err, callId: call.id }, 'missed-call badge not counted');
      }
    }
  }
}

const deviceKey = (m: Member) => `${m.peer.id} ${m.deviceId}`;
const heldCall = (c: CallSession): HeldCall => ({ id: c.id, users: [c.caller.peer.id, c.callee.peer.id] });
