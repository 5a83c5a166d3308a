/**
 * One call: its state (changed only through {@link CallSession.dispatch}, which logs "from → to"),
 * its no-answer timer, its media room, its history row, and the messages each transition sends.
 *
 * The callee may have several devices: all of them ring; the first to answer becomes *the* callee
 * and the others are told "answered elsewhere". Declining on any device declines the call.
 *
 * A callee device woken by a push joins later, through {@link CallSession.report}. While the call
 * waits for such a device (`woken`), it ends as unreachable if none reports (or rings) in time.
 *
 * A device whose signalling drops keeps its place (and its media) for the reconnect grace: the
 * {@link Member} stays in the call, and Presence hands the same one back when the device connects
 * again ({@link CallSession.awayDevice}), which then gets the call as it is now (`call:resync`).
 *
 * Who is in the call (the caller's device, the callee's ringing devices, the one that answered) is
 * kept here and nowhere else: {@link CallService} finds a user's call through {@link involves}, and
 * the media room's parties follow it. What each event does is the table's (`call-machine.ts`); this
 * class first completes the change (state and who is in the call), then tells the devices.
 */
import type { Direction } from '../media/direction-watch.ts';
import {
  StaleSubscription,
  type MediaDelivery,
  type MediaRoom,
  type WatchOptions,
} from '../media/media-room.ts';
import { MediaWorkerDied, type MediaServer } from '../media/media-server.ts';
import type { Logger } from '../log.ts';
import type { Member } from '../presence/presence.ts';
import {
  CallState,
  EndReason,
  ErrorCode,
  outcomeOf,
  verdictOf,
  type CallId,
  type DeviceReport,
  type DirectionFigures,
  type EndedBy as WireEndedBy,
  type MediaDownstream,
  type MediaPayload,
  type MediaRequestName,
  type PartyRecord,
  type Peer,
  type RequestResult,
  type ServerEventPayload,
  type StallCause,
  type StallDirection,
  type UserId,
} from '../protocol/index.ts';
import type { CallRecord } from './call-record.ts';
import { CallError } from './call-error.ts';
import { transition, type CallEvent, type EndedBy, type Role } from './call-machine.ts';

/** A socket of a device already in the call that joins it later (the iPhone shell's own, claiming). */
export interface LateSocket {
  socketId: string;
  emit: Member['emit'];
}

export interface CallSessionDeps {
  media: MediaServer;
  /** The call's history writes (queued, in order). */
  calls: CallRecord;
  log: Logger;
  noAnswerTimeoutMs: number;
  /** How long a device whose signalling dropped keeps its place in the call. */
  reconnectGraceMs: number;
  /** How the answered call's directions are watched for media stalls. */
  watch: WatchOptions;
  onEnded: (call: CallSession, reason: EndReason) => void;
  /** A device away from the call missed its end: told again if it reconnects. */
  endedAway: (device: Member, ended: ServerEventPayload<'call:ended'>) => void;
  /** Set when devices were woken by a push: how many, and how long to wait for one of them to report. */
  woken?: { devices: number; reportTimeoutMs: number };
}

const CALLER = 'caller';
/** The media requests that restart a party's ICE (a page's transport, a native engine's legs). */
const ICE_RESTARTS = new Set<MediaRequestName>([
  'media:restart-ice',
  'media:publish-restart',
  'media:subscribe-restart',
]);
const other = (role: Role): Role => (role === 'caller' ? 'callee' : 'caller');
const calleeParty = (m: Member) => `callee:${m.deviceId}`;
/** The direction a role's upstream feeds: what its partner hears. */
const directionFrom = (role: Role): Direction => (role === 'caller' ? 'caller->callee' : 'callee->caller');
const senderOf = (d: Direction): Role => (d === 'caller->callee' ? 'caller' : 'callee');

export class CallSession {
  private _state: CallState = CallState.Calling;
  private readonly noAnswerTimer: NodeJS.Timeout;
  private readonly reportTimer: NodeJS.Timeout | undefined;
  private readonly room: Promise<MediaRoom>;
  private readonly log: Logger;
  /** Callee devices still alerting; emptied on answer. */
  private readonly ringing: Set<Member>;
  private answeredBy: Member | null = null;
  private _answeredAt: number | null = null;
  /** A busy callee, or one with no device to ring, is never offered the call: they are not in it. */
  private readonly offered: boolean;
  /**
   * Each party's downstream: the publisher it was asked for, one at a time. The caller's upstream
   * coming up and a callee device's late report can both ask for the same device in the same
   * moment; the caller, subscribed to the one device ringing, moves to the device that answers.
   */
  private readonly subscriptions = new Map<string, string>();
  /** The downstream each device was sent and which of its sockets got it, for one that joins later. */
  private readonly downstream = new Map<Member, { delivery: MediaDelivery; sentTo: Set<string> }>();
  private readonly held = new Set<Role>();
  /** What each party's device said about itself, for the call's quality record. */
  private readonly parties = new Map<Role, PartyRecord>();
  /** Devices whose signalling dropped, each with the end of its reconnect grace. */
  private readonly away = new Map<Member, NodeJS.Timeout>();
  /** Push-woken callee devices that have reported the call. */
  private wokenReported = 0;
  /** The parties heard of its end from another node already (see {@link lostElsewhere}). */
  private endTold = false;
  readonly createdAt = Date.now();

  constructor(
    readonly id: CallId,
    readonly caller: Member,
    readonly callee: { peer: Peer; devices: Member[] },
    private readonly deps: CallSessionDeps,
  ) {
    this.log = deps.log.child({ callId: id });
    this.ringing = new Set(callee.devices);
    this.offered = callee.devices.length > 0 || deps.woken !== undefined;
    deps.calls.created({ id, callerId: caller.peer.id, calleeId: callee.peer.id, at: this.createdAt });
    this.noAnswerTimer = setTimeout(
      () => this.dispatch({ type: 'no-answer-timeout' }),
      deps.noAnswerTimeoutMs,
    );
    this.reportTimer =
      deps.woken === undefined ? undefined : setTimeout(() => this.noReport(), deps.woken.reportTimeoutMs);
    this.room = this.offered ? this.openRoom() : Promise.reject(new Error('no callee device'));
    // Failures are handled inside openRoom; this keeps an early rejection from being "unhandled".
    this.room.catch(() => undefined);
    this.log.info(
      { caller: caller.peer.id, callee: callee.peer.id, devices: callee.devices.length },
      'call created',
    );
  }

  get state(): CallState {
    return this._state;
  }

  /** When the callee answered, or null. */
  get answeredAt(): number | null {
    return this._answeredAt;
  }

  /** Whether the user takes part in this call (a callee from the moment the call is offered). */
  involves(user: UserId): boolean {
    return user === this.caller.peer.id || (this.offered && user === this.callee.peer.id);
  }

  /** The role a connected device plays in this call, if any. */
  roleOf(member: Member): Role | undefined {
    if (member === this.caller) return 'caller';
    if (member === this.answeredBy || this.ringing.has(member)) return 'callee';
    return undefined;
  }

  /**
   * Applies an event; throws {@link CallError} when the current state refuses it. `regroup` changes
   * who is in the call; it runs once the table has accepted the event and before anyone is told.
   */
  dispatch(event: CallEvent, regroup?: () => void): void {
    const t = transition(this._state, event);
    if (t.kind === 'refuse') throw new CallError(t.code, t.message);
    const from = this._state;
    if (t.kind !== 'stay') this._state = t.kind === 'end' ? CallState.Ended : t.state;
    regroup?.();
    if (t.kind === 'stay') return;
    this.log.info({ event: event.type, from, to: this._state }, `call ${from} -> ${this._state}`);
    if (t.kind === 'end') this.onEnded(t.reason, t.by);
    else this.onStateChanged(t.state);
  }

  /**
   * A push-woken callee device has reported the call to CallKit: it rings along with the others, and
   * the first report is what tells the caller the callee is ringing.
   */
  report(device: Member, late?: LateSocket): void {
    const joins = !this.ringing.has(device);
    this.dispatch({ type: 'report' }, () => this.ringing.add(device));
    if (!joins) {
      // Another socket of a device that rings already (the iPhone shell's own, claiming what the
      // page heard of first): it gets the downstream offer it was not connected for.
      const sent = this.downstream.get(device);
      if (sent && late && !sent.sentTo.has(late.socketId)) {
        sent.sentTo.add(late.socketId);
        this.deliver(late.emit, sent.delivery);
      }
      return;
    }
    this.wokenReported += 1;
    this.log.info({ device: device.deviceId }, 'woken device reported the call');
    void this.room
      .then((room) => {
        room.addParty(calleeParty(device));
        // Joined after the caller's upstream came up: onPublisherUp has passed this device by.
        if (room.isPublished(CALLER)) this.subscribe(room, calleeParty(device), CALLER, device);
      })
      .catch(() => undefined);
  }

  /**
   * A Web Push notification for the call is showing on one of the callee's browsers: the callee is
   * being alerted, so the caller hears ringing and the call waits for an answer, not for a report.
   */
  notificationShown(): void {
    this.dispatch({ type: 'notification-shown' });
  }

  /**
   * A callee device answers: it becomes the callee, and only then are the parties told, so the other
   * devices hear "answered elsewhere" and nothing else.
   */
  answer(device: Member): void {
    const others = [...this.ringing].filter((d) => d !== device);
    this.dispatch({ type: 'answer' }, () => {
      this.answeredBy = device;
      this.ringing.clear();
    });
    for (const other of others) {
      this.clearAway(other);
      other.emit('call:ended', { callId: this.id, reason: EndReason.AnsweredElsewhere, by: 'self' });
      void this.room.then((room) => room.dropParty(calleeParty(other))).catch(() => undefined);
    }
    void this.room.then((room) => this.maybeSubscribeCaller(room)).catch(() => undefined);
  }

  hold(role: Role, held: boolean): void {
    this.dispatch({ type: 'hold' });
    if (held) this.held.add(role);
    else this.held.delete(role);
    // On hold the party's engine sends nothing on purpose: not a stall.
    void this.room.then((room) => room.setHeld(directionFrom(role), held)).catch(() => undefined);
    this.log.info({ role, held }, held ? 'call held' : 'call resumed');
    for (const m of this.targets(role)) m.emit('call:hold', { callId: this.id, held, by: 'self' });
    for (const m of this.targets(other(role))) m.emit('call:hold', { callId: this.id, held, by: 'peer' });
  }

  /**
   * A device lost its last connection. A ringing device that another can stand in for stops
   * ringing; any other keeps its place, and its media, through the reconnect grace.
   */
  deviceLeft(member: Member): void {
    const role = this.roleOf(member);
    if (!role || this.away.has(member) || this.leaveRinging(member)) return;
    this.dispatch({ type: 'party-away', who: role }, () =>
      this.away.set(
        member,
        setTimeout(() => this.graceOver(member), this.deps.reconnectGraceMs),
      ),
    );
    this.log.info({ role, device: member.deviceId, graceMs: this.deps.reconnectGraceMs }, 'party away');
    if (this.isAway(role)) this.tellPeerConnection(other(role), true);
  }

  /**
   * A new connection of a device in the call (it reconnected, or its old connection is not yet
   * known to be dead): it gets the call back as it is now, with the partner's downstream it may
   * have missed.
   */
  deviceBack(member: Member, socket: LateSocket): void {
    const role = this.roleOf(member);
    if (!role || this._state === CallState.Ended) return;
    const wasAway = this.isAway(role);
    this.dispatch({ type: 'party-back', who: role }, () => this.clearAway(member));
    const peerRole = other(role);
    const sent = this.downstream.get(member);
    socket.emit('call:resync', {
      callId: this.id,
      peer: role === 'caller' ? this.callee.peer : this.caller.peer,
      role,
      state: this._state,
      answered: this._answeredAt !== null,
      held: { self: this.held.has(role), peer: this.held.has(peerRole) },
      peerReconnecting: this.isAway(peerRole),
      ...(sent ? { downstream: downstreamOf(sent.delivery) } : {}),
    });
    if (wasAway) {
      this.log.info({ role, device: member.deviceId }, 'party back');
      this.tellPeerConnection(peerRole, false);
    }
  }

  /**
   * The call ends as server-lost, and its parties are not told again: the node that declared this
   * one dead told them (fencing), through the adapter's stream this node reads on from where it
   * stopped. A device away from it still hears it when it connects here.
   */
  lostElsewhere(): void {
    this.endTold = true;
    this.dispatch({ type: 'server-lost' });
  }

  /** The device, if it is in this call and its signalling is down: Presence gives it back on reconnect. */
  awayDevice(deviceId: string): Member | undefined {
    for (const m of this.away.keys()) if (m.deviceId === deviceId) return m;
    return undefined;
  }

  /** One of the party's media requests (transports, producer, consumer, SDP), run in the call's room. */
  async media<K extends MediaRequestName>(
    member: Member,
    event: K,
    payload: MediaPayload<K>,
  ): Promise<RequestResult<K>> {
    if (ICE_RESTARTS.has(event)) this.log.info({ party: this.partyOf(member), event }, 'ICE restart');
    const result = await this.mediaOp(async (room) => room.handle(this.partyOf(member), event, payload));
    // The re-offer replaces the downstream the device was sent: a socket that joins later, or comes
    // back, gets the credentials the SFU now has, not the ones the restart retired.
    const sent = this.downstream.get(member);
    if (event === 'media:subscribe-restart' && sent && 'sdp' in result)
      sent.delivery = { event: 'media:offer', payload: { sdp: result.sdp } };
    return result;
  }

  /**
   * Drops a ringing device from the ringing when another device can still take the call: another
   * rings, or a device woken by a push has yet to report it. True if it was dropped.
   */
  private leaveRinging(member: Member): boolean {
    if (!this.ringing.has(member) || (this.ringing.size === 1 && !this.awaitingWoken())) return false;
    this.dispatch({ type: 'ringing-device-left' }, () => {
      this.clearAway(member);
      this.ringing.delete(member);
    });
    void this.room.then((room) => room.dropParty(calleeParty(member))).catch(() => undefined);
    return true;
  }

  private awaitingWoken(): boolean {
    const woken = this.deps.woken;
    return (
      woken !== undefined &&
      this.wokenReported < woken.devices &&
      Date.now() - this.createdAt < woken.reportTimeoutMs
    );
  }

  /** The device did not reconnect in time. */
  /**
   * The device's sign-in session ended (signed out, expired, a password change) and its sockets
   * were closed: it can't come back with that session, so its grace is not waited out (a stolen
   * session's call would otherwise keep its media up for the grace).
   */
  deviceGone(member: Member): void {
    this.deviceLeft(member);
    if (!this.away.has(member)) return;
    clearTimeout(this.away.get(member));
    this.graceOver(member);
  }

  private graceOver(member: Member): void {
    this.away.delete(member);
    const role = this.roleOf(member);
    if (!role || this.leaveRinging(member)) return;
    this.log.info({ role, device: member.deviceId }, 'party did not reconnect');
    this.dispatch({ type: 'reconnect-timeout', who: role });
  }

  private clearAway(member: Member): void {
    clearTimeout(this.away.get(member));
    this.away.delete(member);
  }

  /** Every device that speaks for the role has its signalling down. */
  private isAway(role: Role): boolean {
    const devices = this.targets(role);
    return devices.length > 0 && devices.every((m) => this.away.has(m));
  }

  private tellPeerConnection(to: Role, reconnecting: boolean): void {
    for (const m of this.targets(to)) m.emit('call:peer-connection', { callId: this.id, reconnecting });
  }

  private partyOf(member: Member): string {
    return member === this.caller ? CALLER : calleeParty(member);
  }

  private async mediaOp<T>(op: (room: MediaRoom) => Promise<T>): Promise<T> {
    this.dispatch({ type: 'negotiate' });
    const room = await this.room.catch(() => {
      throw new CallError(ErrorCode.MediaUnavailable, 'the media server is unavailable');
    });
    this.dispatch({ type: 'negotiate' });
    try {
      return await op(room);
    } catch (err) {
      if (err instanceof CallError) throw err;
      this.log.warn({ err }, 'media request failed');
      throw new CallError(ErrorCode.MediaUnavailable, 'the media server refused the request');
    }
  }

  private async openRoom(): Promise<MediaRoom> {
    let room: MediaRoom;
    try {
      const parties = [CALLER, ...this.callee.devices.map(calleeParty)];
      room = await this.deps.media.openRoom(parties, this.log);
    } catch (err) {
      this.log.error({ err }, 'could not open a media room');
      this.dispatch({ type: err instanceof MediaWorkerDied ? 'media-server-restarted' : 'media-failed' });
      throw err;
    }
    if (this._state === CallState.Ended) {
      await room.close();
      throw new CallError(ErrorCode.CallNotFound, 'the call has ended');
    }
    room.on('publisher-up', (party) => this.onPublisherUp(room, party));
    room.on('downstream-closed', (subscriber, publisher) =>
      this.onDownstreamClosed(room, subscriber, publisher),
    );
    room.on('talking', (party, talking) => {
      const role: Role = party === CALLER ? 'caller' : 'callee';
      for (const m of this.targets(role)) m.emit('media:talking', { callId: this.id, who: 'self', talking });
      for (const m of this.targets(other(role)))
        m.emit('media:talking', { callId: this.id, who: 'peer', talking });
    });
    room.on('lost', (why) => {
      this.log.error({ why }, 'media lost');
      this.dispatch({ type: 'media-server-restarted' });
    });
    room.on('leg-failed', (party, leg, why) => {
      this.log.warn({ party, leg, why }, 'media leg failed');
      this.dispatch({ type: 'leg-failed', who: party === CALLER ? 'caller' : 'callee' });
    });
    room.on('stall', (direction, cause) => this.onStall(room, direction, cause));
    room.on('recovered', (direction, cause, stalledMs) => {
      this.dispatch({ type: 'media-recovered' });
      this.log.info({ direction, cause, stalledMs }, 'media recovered');
      this.deps.calls.saveDirections(this.id, room.directions());
      this.tellDirection(direction, (m, side) =>
        m.emit('media:recovered', { callId: this.id, direction: side }),
      );
    });
    return room;
  }

  /**
   * A direction of the answered call carries nothing: both parties are told (each from its side),
   * and what can be healed is: a sender whose audio does not reach the SFU restarts ICE on its
   * upstream, as after a network blip.
   */
  private onStall(room: MediaRoom, direction: Direction, cause: StallCause): void {
    this.dispatch({ type: 'media-stall' });
    const sender = senderOf(direction);
    this.log.warn({ direction, cause, held: [...this.held] }, 'media stall');
    this.deps.calls.saveDirections(this.id, room.directions());
    this.tellDirection(direction, (m, side) =>
      m.emit('media:stall', { callId: this.id, direction: side, cause }),
    );
    if (cause === 'no-rtp-from-sender') {
      for (const m of this.targets(sender)) m.emit('media:restart-ice-please', { callId: this.id });
    }
  }

  /** Tells both parties about `direction`: its sender as "to-peer", its listener as "from-peer". */
  private tellDirection(direction: Direction, tell: (m: Member, side: StallDirection) => void): void {
    const sender = senderOf(direction);
    for (const m of this.targets(sender)) tell(m, 'to-peer');
    for (const m of this.targets(other(sender))) tell(m, 'from-peer');
  }

  /**
   * A party's audio can be consumed once it has published. Every ringing callee device
   * subscribes to the caller as soon as it can; the caller subscribes to a callee device once it
   * knows which one will take the call: the one that answered, or the only one ringing.
   */
  private onPublisherUp(room: MediaRoom, party: string): void {
    if (party === CALLER) {
      for (const device of this.answeredBy ? [this.answeredBy] : this.ringing) {
        this.subscribe(room, calleeParty(device), CALLER, device);
      }
      return;
    }
    this.maybeSubscribeCaller(room);
  }

  /**
   * The device a party heard left the call (the callee device that rang alone, dropped when another
   * answered): the caller hears the one that took the call once it has published. Or a native
   * engine rebuilt its connections and publishes again (MediaRoom `dropNativeMedia`): each side is
   * subscribed again once what it hears is published.
   */
  private onDownstreamClosed(room: MediaRoom, subscriber: string, publisher: string): void {
    if (this.subscriptions.get(subscriber) !== publisher) return;
    this.subscriptions.delete(subscriber);
    this.log.info({ subscriber, publisher }, 'downstream closed with its publisher');
    if (subscriber === CALLER) {
      this.maybeSubscribeCaller(room);
      return;
    }
    // A callee device whose own connection was rebuilt (a native engine's media-services reset):
    // it hears the caller again, or once the caller has published again.
    const device = this.targets('callee').find((d) => calleeParty(d) === subscriber);
    if (device && room.isPublished(CALLER)) this.subscribe(room, subscriber, CALLER, device);
  }

  /** Subscribes the caller to the device that will take the call; a no-op if it hears it already. */
  private maybeSubscribeCaller(room: MediaRoom): void {
    if (this._state === CallState.Ended) return;
    const only = this.ringing.size === 1 ? [...this.ringing][0] : undefined;
    const device = this.answeredBy ?? only;
    if (!device || !room.isPublished(calleeParty(device))) return;
    this.subscribe(room, CALLER, calleeParty(device), this.caller);
  }

  private subscribe(room: MediaRoom, subscriber: string, publisher: string, to: Member): void {
    if (this.subscriptions.get(subscriber) === publisher) return;
    const replaced = this.subscriptions.get(subscriber);
    this.subscriptions.set(subscriber, publisher);
    if (replaced)
      this.log.info({ subscriber, from: replaced, to: publisher }, 'downstream moves to another publisher');
    room
      .subscribe(subscriber, publisher)
      .then((d) => {
        if (this._state === CallState.Ended) return;
        this.downstream.set(to, { delivery: d, sentTo: to.socketIds() });
        this.deliver(to.emit.bind(to), d);
        this.log.info({ subscriber, publisher, as: d.event }, 'downstream sent');
      })
      .catch((err: unknown) => {
        if (err instanceof StaleSubscription || this._state === CallState.Ended || !this.roleOf(to)) return;
        this.log.error({ err, subscriber }, 'subscribe failed');
        this.dispatch({ type: 'media-failed' });
      });
  }

  /** The partner's downstream: an SDP offer (the native engine) or a consumer (mediasoup-client). */
  private deliver(emit: Member['emit'], d: MediaDelivery): void {
    if (d.event === 'media:offer') emit(d.event, { callId: this.id, ...d.payload });
    else emit(d.event, { callId: this.id, ...d.payload });
  }

  /** The caller's device, or the callee's: the answering device, or every ringing one before that. */
  private targets(role: Role): Member[] {
    if (role === 'caller') return [this.caller];
    return this.answeredBy ? [this.answeredBy] : [...this.ringing];
  }

  /** A party's device report: the latest replaces what its side said before. */
  deviceReported(role: Role, report: DeviceReport): void {
    this.parties.set(role, { ...this.partyRecord(role), report });
  }

  /** A party's audio-activation step failed (kept for the quality record too). */
  activationFailed(role: Role): void {
    this.parties.set(role, { ...this.partyRecord(role), activationFailed: true });
  }

  private partyRecord(role: Role): PartyRecord {
    return this.parties.get(role) ?? { report: null, activationFailed: false };
  }

  /**
   * The call's quality record from what the SFU saw: each direction's figures, heard when packets
   * reached its listener and the level signal found sound on its sender's upstream.
   */
  private saveQuality(room: MediaRoom | null, endedAt: number, reason: EndReason): void {
    const answered = this._answeredAt !== null;
    const records = room?.directions() ?? [];
    const callee = this.answeredBy ? calleeParty(this.answeredBy) : null;
    const figures = (d: Direction): DirectionFigures => {
      const r = records.find((x) => x.direction === d);
      const sender = d === 'caller->callee' ? CALLER : callee;
      const packets = r?.packets ?? 0;
      const heard = packets > 0 && sender !== null && room !== null && room.soundFrom(sender);
      return { firstRtpMs: r?.firstRtpMs ?? null, packets, stalls: r?.stalls ?? 0, heard };
    };
    const c2e = figures('caller->callee');
    const e2c = figures('callee->caller');
    const verdict = verdictOf(answered, c2e, e2c);
    // The evidence behind the verdict, for whoever reads a record they doubt.
    if (answered) this.log.info({ verdict, loudestDbov: room?.loudest() ?? {} }, 'quality verdict');
    this.deps.calls.saveQuality({
      callId: this.id,
      endedAt,
      outcome: outcomeOf(answered, reason),
      endReason: reason,
      caller: this.partyRecord('caller'),
      callee: this.partyRecord('callee'),
      c2e,
      e2c,
      verdict,
    });
  }

  private noReport(): void {
    this.log.info({ ms: this.deps.woken?.reportTimeoutMs }, 'no woken device reported the call');
    this.dispatch({ type: 'report-timeout' });
  }

  private onStateChanged(state: CallState): void {
    clearTimeout(this.reportTimer);
    if (state === CallState.Answered) {
      clearTimeout(this.noAnswerTimer);
      this._answeredAt = Date.now();
      this.deps.calls.answered(this.id, this._answeredAt);
      const callee = this.answeredBy;
      if (callee)
        void this.room
          .then((room) => room.watch(CALLER, calleeParty(callee), this.deps.watch))
          .catch(() => undefined);
    }
    for (const m of [...this.targets('caller'), ...this.targets('callee')]) {
      m.emit('call:state', { callId: this.id, state });
    }
  }

  private onEnded(reason: EndReason, by: EndedBy): void {
    clearTimeout(this.noAnswerTimer);
    clearTimeout(this.reportTimer);
    for (const timer of this.away.values()) clearTimeout(timer);
    const endedAt = Date.now();
    this.deps.calls.ended(this.id, endedAt, reason, by);
    for (const role of ['caller', 'callee'] as const) {
      const wireBy: WireEndedBy = by === 'server' ? 'server' : by === role ? 'self' : 'peer';
      const ended = { callId: this.id, reason, by: wireBy };
      for (const m of this.targets(role)) {
        if (!this.endTold) m.emit('call:ended', ended);
        if (this.away.has(m)) this.deps.endedAway(m, ended);
      }
    }
    this.log.info({ reason, by, ms: Date.now() - this.createdAt }, 'call ended');
    this.room
      .then((room) => {
        if (this._answeredAt !== null) this.deps.calls.saveDirections(this.id, room.directions());
        this.saveQuality(room, endedAt, reason);
        return room.close();
      })
      // A call whose room never opened carried nothing: its record says so.
      .catch(() => this.saveQuality(null, endedAt, reason));
    this.deps.onEnded(this, reason);
  }
}

function downstreamOf(d: MediaDelivery): MediaDownstream {
  return d.event === 'media:offer'
    ? { event: d.event, sdp: d.payload.sdp }
    : { event: d.event, consumer: d.payload.consumer };
}
