/**
 * One call's life on this device, from dial or ring to the end screen. Its state is the store's
 * `call` (and `ended` after it), changed only through {@link CallController.set}; whether the
 * call is answered is `call.answeredAt` and nothing else (`call.state` is the server's progress
 * word, shown as "Calling…" / "Ringing…"). Events about a call this device does not have yet wait
 * in one buffer, {@link CallController.early}, until the call appears.
 *
 * Media timeline: the engine is prepared as soon as the call exists, so transport is up while
 * ringing; capture starts only after answer (and again after resuming from hold), through the
 * audio-activation step.
 *
 * The call outlives this device's connection to the server: while the socket is down the call
 * waits (`call.reconnecting`, the media still flowing), and on reconnect the server's `call:resync`
 * brings it up to date. It ends when the server says so, or when the server's reconnect grace has
 * passed here with no reconnection.
 */
import {
  CallState,
  EndReason,
  ErrorCode,
  type Ack,
  type CallId,
  type EndedBy,
  type IceServer,
  type MicPermission,
  type Peer,
  type ProtocolError,
  type ServerEventPayload,
  type StallCause,
  type StallDirection,
  type UserId,
} from '@softphone/sfu/protocol';
import type { AudioActivation } from '../media/audio-activation.ts';
import type { AudioWindow, TonesProbe } from '../media/audio-monitor.ts';
import type { MediaEngine, MediaEngineEvents, MediaStats } from '../media/media-engine.ts';
import { bindMediaSignalling, type MediaEvent } from '../media/media-signalling.ts';
import { AudioNotActivatedError } from '../media/shell-activation.ts';
import type { Launch, LaunchAction } from '../push/incoming-call-launch.ts';
import type { SignallingLink } from '../signalling/signalling-link.ts';
import type { CallRequests } from './call-requests.ts';
import { CallMedia, type CallMarks } from './call-media.ts';
import { endMessage } from './end-messages.ts';
import { isAnswered, newCall, type ActiveCall, type OutputDevice, type PhoneState } from './phone-state.ts';
import type { StateStore } from './state-store.ts';

export interface CallControllerDeps {
  store: StateStore<PhoneState>;
  link: SignallingLink;
  /** The server's requests about the call: the page's own, or the iOS shell's. */
  requests: CallRequests;
  /** `iceServers`: the STUN/TURN servers the engine's transports use. */
  createEngine: (events: MediaEngineEvents, callId: CallId, iceServers: IceServer[]) => MediaEngine;
  activation: AudioActivation;
  /** The audio outputs this platform lets the user choose from (none: no choice offered). */
  listOutputs: () => Promise<OutputDevice[]>;
}

/** The current (or last) call's figures, for the test rig. */
export interface CallFigures {
  marks: CallMarks & { answeredAt?: number };
  capturing: boolean;
  firstHeardAt: number | null;
  windows: readonly AudioWindow[];
  /** The latest stats sample (loss, jitter, round trip, candidate pair). */
  link: MediaStats | null;
}

/** What arrived about a call before it became this device's call. */
interface Early {
  /**
   * Server events for an outgoing call whose invite is not acknowledged yet: the server acks first,
   * but the ack and these can arrive in one read, before the ack's await resumes.
   */
  media?: MediaEvent[];
  state?: CallState;
  ended?: { reason: EndReason; by: EndedBy };
  /**
   * The user picked the call from a notification or CallKit before the page had it: what they
   * chose (answer or decline on CallKit's screen may come while the claim is in flight), and who to
   * tell if the server says the call is over.
   */
  launch?: { action: LaunchAction; onGone: ((callId: CallId) => void) | undefined; claiming: boolean };
}

type CallPatch = Partial<
  Pick<PhoneState, 'call' | 'ended' | 'notice' | 'outputs' | 'outputId' | 'microphone'>
>;

export class CallController {
  private media: CallMedia | null = null;
  /** The last call's media and answer time, kept after it ends so its figures can still be read. */
  private last: { media: CallMedia; answeredAt: number | null } | null = null;
  private readonly early = new Map<CallId, Early>();
  /** QA: what reads whose signature each call's received audio carries ({@link listenFor}). */
  private probeFor: ((engine: MediaEngine) => TonesProbe) | null = null;
  /** The call this device declined: another of the user's devices declining reads differently. */
  private declinedHere: CallId | null = null;
  /** The server's reconnect grace (from its welcome): how long a call waits for a dropped connection. */
  private reconnectGraceMs = 20_000;
  /** Runs while the call waits for this device's connection; the call is given up when it fires. */
  private graceTimer: ReturnType<typeof setTimeout> | null = null;
  /** The call given up that way: if the server still waits for it, it is told. */
  private lostCall: CallId | null = null;

  constructor(private readonly d: CallControllerDeps) {
    const { link } = d;
    link.on('call:incoming', ({ callId, from }) => void this.incoming(callId, from));
    link.on('call:state', ({ callId, state }) => this.serverState(callId, state));
    link.on('call:hold', ({ callId, held, by }) => {
      const call = this.current();
      if (call?.id === callId && by === 'peer') this.patch(callId, { held: { ...call.held, peer: held } });
    });
    link.on('call:ended', ({ callId, reason, by }) => this.serverEnded(callId, reason, by));
    link.on('call:resync', (r) => this.resync(r));
    // The server's TURN credential refreshes reach the call's live transports, not only the next.
    // By content: a reconnect's welcome repeats the same list when there is no TURN to refresh.
    d.store.subscribe((s, before) => {
      if (JSON.stringify(s.iceServers) !== JSON.stringify(before.iceServers))
        this.media?.engine.setIceServers(s.iceServers);
    });
    link.on('call:peer-connection', ({ callId, reconnecting }) =>
      this.patch(callId, { peerReconnecting: reconnecting }),
    );
    link.on('session:welcome', ({ reconnectGraceMs }) => this.welcomed(reconnectGraceMs));
    link.on('media:stall', ({ callId, direction, cause }) => this.stalled(callId, direction, cause));
    link.on('media:recovered', ({ callId, direction }) => this.stalled(callId, direction, null));
    link.on('media:restart-ice-please', ({ callId }) => {
      if (this.media?.callId === callId) this.media.engine.restartIce();
    });
    link.on('media:consumer', (payload) => this.mediaEvent({ event: 'media:consumer', payload }));
    link.on('media:offer', (payload) => this.mediaEvent({ event: 'media:offer', payload }));
  }

  /** Read through a method so that narrowing from before an `await` does not stick. */
  current(): ActiveCall | null {
    return this.d.store.state.call;
  }

  get figures(): CallFigures | null {
    const media = this.media ?? this.last?.media;
    if (!media) return null;
    const answeredAt = this.media ? this.current()?.answeredAt : this.last?.answeredAt;
    return {
      marks: { ...media.marks, ...(answeredAt != null ? { answeredAt } : {}) },
      capturing: media.engine.capturing,
      firstHeardAt: media.monitor.firstHeardAt,
      windows: media.monitor.windows,
      link: media.monitor.latest,
    };
  }

  /**
   * QA (the rig, `window.softphone.listenFor`): from now on every call's audio windows say whose
   * signature they carried, so a party hearing itself or another call is not taken for hearing
   * its partner. Null stops it.
   */
  listenFor(probeFor: ((engine: MediaEngine) => TonesProbe) | null): void {
    this.probeFor = probeFor;
    if (this.media) this.media.monitor.listen(probeFor?.(this.media.engine) ?? null);
  }

  /** Calls someone the page knows: a contact, or someone from the history. */
  async invite(to: UserId): Promise<void> {
    const { users, asleep, history } = this.d.store.state;
    const peer = [...users, ...asleep, ...history.map((e) => e.peer)].find((u) => u.id === to);
    if (peer)
      await this.place(peer, async () => {
        const res = await this.d.requests.invite(peer);
        return res.ok ? { ok: true, data: { ...res.data, callee: peer } } : res;
      });
  }

  /**
   * Calls anyone by their exact username. Until the server says who that is, the call screen names
   * them as typed (and their id is unknown: empty); refusals are said in words on the people screen.
   */
  async dial(username: string): Promise<void> {
    const typed = username.trim();
    if (!typed) return;
    await this.place({ id: '', displayName: typed }, () => this.d.requests.dial(typed), dialRefusal(typed));
  }

  /**
   * Places a call: the outgoing screen at once, the server's call id (and, dialled by name, who it
   * is) when the request is acknowledged. `peer` is the dialling call's own object: a call hung up
   * meanwhile and dialled again is another, and this one's ack then only ends what it created.
   */
  private async place(
    peer: Peer,
    request: () => Promise<Ack<{ callId: CallId; callee: Peer }>>,
    refusal: (error: ProtocolError) => string = (error) => error.message,
  ): Promise<void> {
    const { link } = this.d;
    if (!link.isOpen || this.current()) return;
    const marks: CallMarks = { dialedAt: Date.now() };
    this.set({ call: newCall('outgoing', peer, null), ended: null, notice: null });
    const res = await request();
    const call = this.current();
    const stillDialing = call?.direction === 'outgoing' && call.id === null && call.peer === peer;
    if (!res.ok) {
      if (stillDialing) this.set({ call: null, notice: refusal(res.error) });
      return;
    }
    const callId = res.data.callId;
    const early = this.early.get(callId);
    // Whatever else waits without a launch was about a call this device never had.
    for (const [id, e] of this.early) if (!e.launch) this.early.delete(id);
    if (!stillDialing) {
      // Hung up while the invite was in flight: end what the server has just created.
      await this.d.requests.hangup(callId);
      return;
    }
    this.set({ call: { ...call, id: callId, peer: res.data.callee } });
    if (early?.ended) {
      this.end(early.ended.reason, early.ended.by);
      return;
    }
    this.startMedia(callId, marks, early?.media);
    if (early?.state) this.serverState(callId, early.state);
  }

  /** Answers the current call, or (CallKit) records the answer for a launched call not claimed yet. */
  async answer(callId?: CallId): Promise<void> {
    if (this.choose(callId, 'answer')) return;
    const call = this.current();
    if (!call?.id || call.direction !== 'incoming' || call.answeredAt !== null || !this.media) return;
    if (!this.d.link.isOpen && !this.d.requests.carriedElsewhere) return;
    const id = call.id;
    this.patch(id, { answeredAt: Date.now() });
    const media = this.media;
    // Activation does not wait for the server's confirmation: CallKit doesn't either. If the answer
    // is refused because the caller just hung up, call:ended (sent before the refusal) has ended it.
    const answering = this.d.requests.answer(id);
    // After the answer on the same socket: the server takes the report from the answered device.
    this.reportDevice(media);
    const [res] = await Promise.all([answering, this.activateAudio(id)]);
    if (res.ok || this.current()?.id !== id) return;
    // Refused for another reason, or not confirmed in time: the server may have the call answered,
    // so it is told, or the caller would stay in a call nobody is in.
    console.warn(`answer failed: ${res.error.message}`);
    void this.d.requests.answerFailed(id);
    this.end(EndReason.AnswerFailed, 'self');
  }

  async decline(callId?: CallId): Promise<void> {
    if (this.choose(callId, 'decline')) return;
    this.declinedHere = this.current()?.id ?? null;
    await this.request('decline');
  }

  async hangup(): Promise<void> {
    await this.request('hangup');
  }

  setMuted(muted: boolean): void {
    const call = this.current();
    if (!call) return;
    this.media?.engine.setMuted(muted);
    this.patch(call.id, { muted });
  }

  /** Hold stops our capture and playout; resume goes through audio activation again, as CallKit does. */
  async setHeld(held: boolean): Promise<void> {
    const call = this.current();
    const media = this.media;
    if (!call?.id || call.answeredAt === null || !media || call.held.self === held) return;
    const res = await this.d.requests.hold(call.id, held);
    if (!res.ok) {
      this.set({ notice: res.error.message });
      return;
    }
    const now = this.current();
    if (now?.id !== call.id) return;
    this.patch(call.id, { held: { ...now.held, self: held } });
    if (held) {
      media.engine.hold();
      this.patch(call.id, { audio: 'idle' });
    } else {
      await this.activateAudio(call.id, 'resume');
    }
  }

  /** The system held or resumed the call (an interrupting cellular call): as a hold in the page. */
  async shellHeld(held: boolean): Promise<void> {
    const call = this.current();
    const media = this.media;
    if (!call?.id || call.answeredAt === null || !media || call.held.self === held) return;
    this.patch(call.id, { held: { ...call.held, self: held } });
    if (held) {
      media.engine.hold();
      this.patch(call.id, { audio: 'idle' });
    } else {
      await this.activateAudio(call.id, 'resume');
    }
  }

  /** The media path is being recovered elsewhere (the shell's ICE restart), or is back. */
  mediaConnection(recovering: boolean): void {
    const call = this.current();
    if (call) this.patch(call.id, { recovering });
  }

  /**
   * The system muted or unmuted the call (CallKit's own button, Siri, a headset): the page shows it.
   * The engine is not told: the shell has already muted its track.
   */
  systemMuted(callId: CallId, muted: boolean): void {
    this.patch(callId, { muted });
  }

  /** The system's audio route for the call changed (a headset, the speaker, Bluetooth). */
  audioRoute(callId: CallId, route: NonNullable<ActiveCall['route']>): void {
    this.patch(callId, { route });
  }

  /** The shell's permission to record: what the user is told when it is not granted. */
  microphone(state: MicPermission): void {
    this.set({ microphone: state });
  }

  /** Something the user should read about the call (a refusal the page did not cause). */
  notify(notice: string): void {
    this.set({ notice });
  }

  async setOutput(deviceId: string): Promise<void> {
    await this.media?.engine.setOutputDevice(deviceId);
    this.set({ outputId: deviceId });
  }

  dismissEnded(): void {
    this.set({ ended: null });
  }

  /**
   * The user picked a call from a notification (or a push rang it on CallKit): claim it from the
   * server once connected (the device then rings like any other) and answer or decline it as asked.
   */
  async takeLaunch(launch: Launch, onGone?: (callId: CallId) => void): Promise<void> {
    const prev = this.early.get(launch.callId);
    const was = prev?.launch;
    this.early.set(launch.callId, {
      ...prev,
      launch: {
        action: launch.action === 'show' && was ? was.action : launch.action,
        onGone: onGone ?? was?.onGone,
        claiming: was?.claiming ?? false,
      },
    });
    if (this.d.store.state.connection === 'connected') await this.claim(launch.callId);
  }

  /** The connection is up (again): claim what was launched meanwhile. */
  async connected(): Promise<void> {
    await Promise.all([...this.early.keys()].map((id) => this.claim(id)));
  }

  /**
   * The connection dropped: the call waits for it through the server's reconnect grace, and is
   * given up here if it has not come back by then. A call whose invite is not acknowledged yet
   * has no id to resume by: it ends.
   */
  connectionLost(): void {
    const call = this.current();
    if (!call || this.d.requests.carriedElsewhere || call.reconnecting) return;
    if (call.id === null) {
      this.end(EndReason.Disconnected, 'self');
      return;
    }
    const callId = call.id;
    this.patch(callId, { reconnecting: true });
    this.graceTimer = setTimeout(() => {
      this.graceTimer = null;
      if (this.current()?.id !== callId) return;
      this.lostCall = callId;
      this.end(EndReason.Disconnected, 'self');
    }, this.reconnectGraceMs);
  }

  /** The server's word on a call, from the page's socket or relayed by the shell (`call.state`). */
  serverEnded(callId: CallId, reason: EndReason, by: EndedBy): void {
    if (this.current()?.id === callId) this.end(reason, by);
    else this.hold(callId, { ended: { reason, by } });
  }

  /**
   * A call the shell has and this page does not (the page has just loaded, after a cold launch or
   * a reload): it becomes this page's call as the shell describes it.
   */
  async adopt(call: { callId: CallId; peer: Peer; answered: boolean }): Promise<void> {
    const now = this.current();
    if (now && now.id !== call.callId) return;
    if (!now) await this.incoming(call.callId, call.peer);
    if (call.answered) await this.answer();
  }

  /** Signed out: nothing of this user's calls stays. */
  reset(): void {
    this.early.clear();
    this.stopWaiting();
    this.stopMedia(null);
  }

  /**
   * The call as the server has it, after this device reconnected: the same call goes on, with
   * what was missed meanwhile (answer, hold, the partner's connection, the partner's downstream).
   */
  private resync(r: ServerEventPayload<'call:resync'>): void {
    const call = this.current();
    if (call?.id !== r.callId) {
      // Given up here while the server still waited: it ends there too, as a lost connection.
      if (r.callId === this.lostCall) void this.d.requests.connectionLost(r.callId);
      return;
    }
    this.stopWaiting();
    this.patch(r.callId, {
      reconnecting: false,
      peerReconnecting: r.peerReconnecting,
      held: { ...call.held, peer: r.held.peer },
    });
    const { downstream } = r;
    if (downstream?.event === 'media:consumer')
      this.mediaEvent({
        event: downstream.event,
        payload: { callId: r.callId, consumer: downstream.consumer },
      });
    else if (downstream?.event === 'media:offer')
      this.mediaEvent({ event: downstream.event, payload: { callId: r.callId, sdp: downstream.sdp } });
    this.serverState(r.callId, r.answered ? CallState.Answered : r.state);
  }

  /**
   * Welcomed on a (new) connection. The server sends a call's resync before its welcome: a call
   * still waiting for its connection here is one the server no longer has.
   */
  private welcomed(reconnectGraceMs: number): void {
    this.reconnectGraceMs = reconnectGraceMs;
    if (this.current()?.reconnecting) this.end(EndReason.Disconnected, 'self');
  }

  private stopWaiting(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }

  private async claim(callId: CallId): Promise<void> {
    const launch = this.early.get(callId)?.launch;
    if (!launch || launch.claiming) return;
    if (this.current()?.id === callId) {
      this.early.delete(callId);
      await this.act(launch.action);
      return;
    }
    launch.claiming = true;
    const res = await this.d.requests.claim(callId);
    if (!res.ok) {
      this.early.delete(callId);
      this.set({ notice: res.error.message });
      launch.onGone?.(callId);
      return;
    }
    await this.incoming(callId, res.data.call.from);
  }

  private async incoming(callId: CallId, from: Peer): Promise<void> {
    if (this.current()) return;
    const marks: CallMarks = { incomingAt: Date.now() };
    this.set({ call: newCall('incoming', from, callId), ended: null, notice: null });
    this.startMedia(callId, marks);
    void this.d.requests.ringing(callId).then((res) => {
      if (res.ok) marks.ringingAt ??= Date.now();
    });
    const launch = this.early.get(callId)?.launch;
    this.early.delete(callId);
    if (launch) await this.act(launch.action);
  }

  private async act(action: LaunchAction): Promise<void> {
    if (action === 'answer') await this.answer();
    else if (action === 'decline') await this.decline();
  }

  /** A choice about a call that is not (yet) this device's: kept with its launch. True if taken. */
  private choose(callId: CallId | undefined, action: 'answer' | 'decline'): boolean {
    if (callId === undefined || this.current()?.id === callId) return false;
    const launch = this.early.get(callId)?.launch;
    if (launch) launch.action = action;
    return true;
  }

  /** Keeps a server event about an unknown call, if an invite in flight may turn out to be it. */
  private hold(callId: CallId, e: Omit<Early, 'launch'>): void {
    const call = this.current();
    if (call?.direction === 'outgoing' && call.id === null) {
      this.early.set(callId, { ...this.early.get(callId), ...e });
    }
  }

  private mediaEvent(e: MediaEvent): void {
    const { callId } = e.payload;
    if (this.media?.callId === callId) this.media.deliver(e);
    else this.hold(callId, { media: [...(this.early.get(callId)?.media ?? []), e] });
  }

  serverState(callId: CallId, state: CallState): void {
    const call = this.current();
    if (call?.id !== callId) {
      this.hold(callId, { state });
      return;
    }
    if (state === CallState.Ringing && this.media) this.media.marks.ringingAt ??= Date.now();
    if (state === CallState.Answered && call.direction === 'outgoing' && call.answeredAt === null) {
      this.patch(callId, { state, answeredAt: Date.now() });
      if (this.media) this.reportDevice(this.media);
      void this.activateAudio(callId);
      return;
    }
    this.patch(callId, { state });
  }

  /** The server's word that a direction of the call carries no audio (a cause), or does again (null). */
  private stalled(callId: CallId, direction: StallDirection, cause: StallCause | null): void {
    const call = this.current();
    if (call?.id === callId) this.patch(callId, { stalled: { ...call.stalled, [direction]: cause } });
  }

  /** The call's media could not be set up: the server ends it for the partner too, with this reason. */
  private mediaFailed(callId: CallId, why: string): void {
    console.warn(`media failed: ${why}`);
    if (this.current()?.id !== callId) return;
    void this.d.requests.mediaFailed(callId);
    this.end(EndReason.MediaFailed, 'server');
  }

  private startMedia(callId: CallId, marks: CallMarks, early: MediaEvent[] = []): void {
    const { link } = this.d;
    const engine = this.d.createEngine(
      {
        failed: (why) => this.mediaFailed(callId, why),
        recovering: (on) => {
          if (on) marks.mediaLostAt = Date.now();
          else marks.mediaRecoveredAt = Date.now();
          this.patch(callId, { recovering: on });
        },
        lost: () => {
          if (this.current()?.id !== callId) return;
          void this.d.requests.mediaLost(callId);
          this.end(EndReason.MediaLost, 'self');
        },
      },
      callId,
      this.d.store.state.iceServers,
    );
    const media = new CallMedia(callId, engine, marks, (quality) => this.patch(callId, { quality }));
    this.media = media;
    media.monitor.listen(this.probeFor?.(engine) ?? null);
    media.prepare(
      bindMediaSignalling(link, callId, () => (marks.iceRestarts = (marks.iceRestarts ?? 0) + 1)),
      (why) => this.mediaFailed(callId, why),
    );
    for (const e of early) media.deliver(e);
    void this.d.listOutputs().then((outputs) => this.set({ outputs }));
  }

  /**
   * The call is answered: this device's report goes to the server for the quality record, now with
   * the path as far as it is known, and again whenever the path changes.
   */
  private reportDevice(media: CallMedia): void {
    const send = () => void this.d.requests.deviceReport(media.callId, media.pathKind, media.pageFrozen);
    media.onPathKind = send;
    send();
  }

  /**
   * The page ran again after the system froze it (the document's `resume`, Page Lifecycle): the
   * call's record says so. Nothing runs while frozen, so the report goes now (settled once the
   * server has it); before the answer, the answer's report carries it.
   */
  async pageResumed(): Promise<void> {
    const media = this.media;
    const call = this.current();
    if (!media || !call || call.id !== media.callId) return;
    media.pageFrozen = true;
    if (isAnswered(call)) await this.d.requests.deviceReport(media.callId, media.pathKind, true);
  }

  private async activateAudio(callId: CallId, why: 'answer' | 'resume' = 'answer'): Promise<void> {
    const media = this.media;
    if (!media || this.current()?.id !== callId) return;
    this.patch(callId, { audio: 'activating' });
    try {
      await this.d.activation.activated(callId);
      if (this.current()?.id !== callId) return;
      if (why === 'answer') media.marks.activatedAt = Date.now();
      else media.marks.resumedAt = Date.now();
      await media.engine.start();
      if (why === 'answer') media.marks.captureStartedAt = Date.now();
      this.patch(callId, { audio: 'active' });
    } catch (err) {
      console.warn('audio activation failed', err);
      const failure = err instanceof AudioNotActivatedError ? 'not-activated' : 'failed';
      media.activationFailure = failure;
      this.patch(callId, { audio: failure });
      void this.d.requests.activationFailed(callId, failure);
    }
  }

  private end(reason: EndReason, by: EndedBy): void {
    const call = this.current();
    if (!call) return;
    this.stopWaiting();
    const media = this.stopMedia(call.answeredAt);
    this.set({
      call: null,
      ended: {
        peer: call.peer,
        direction: call.direction,
        reason,
        by,
        message:
          reason === EndReason.Declined && by === 'self' && this.declinedHere !== call.id
            ? 'Declined on another device'
            : endMessage(reason, by, call.direction, call.peer.displayName),
        durationMs: call.answeredAt === null ? null : Date.now() - call.answeredAt,
      },
    });
    if (media && call.answeredAt !== null && reason !== EndReason.AnsweredElsewhere) {
      void this.d.link.request('call:quality', {
        callId: media.callId,
        summary: media.quality(call.answeredAt),
      });
    }
  }

  private stopMedia(answeredAt: number | null): CallMedia | null {
    const media = this.media;
    if (!media) return null;
    media.stop();
    this.last = { media, answeredAt };
    this.media = null;
    return media;
  }

  private async request(action: 'decline' | 'hangup'): Promise<void> {
    const call = this.current();
    if (!call || !this.d.link.isOpen) return;
    if (!call.id) {
      // Invite not acknowledged yet: invite() hangs up what the server creates when the ack arrives.
      this.set({ call: null });
      return;
    }
    const res = await this.d.requests[action](call.id);
    if (!res.ok && this.current()?.id === call.id) this.set({ notice: res.error.message });
  }

  /** Changes fields of the current call if it is still `callId`; true if any changed. */
  private patch(callId: CallId | null, fields: Partial<ActiveCall>): boolean {
    const call = this.current();
    if (!call || call.id !== callId) return false;
    const same = (Object.keys(fields) as (keyof ActiveCall)[]).every((k) => shallowEqual(call[k], fields[k]));
    return !same && this.set({ call: { ...call, ...fields } });
  }

  /** The one setter of the call's state; true if anything changed. */
  private set(patch: CallPatch): boolean {
    return this.d.store.set(patch);
  }
}

/** Why a call by username was refused, in words: who the name is not, or what the server said. */
function dialRefusal(username: string): (error: ProtocolError) => string {
  return (error) =>
    error.code === ErrorCode.UserNotFound
      ? `Nobody has the username “${username}”.`
      : error.code === ErrorCode.InvalidTarget
        ? 'That is your own username.'
        : error.code === ErrorCode.RateLimited
          ? 'Too many calls in a short time: try again in a minute.'
          : error.message;
}

function shallowEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  return (
    ka.length === Object.keys(b).length &&
    ka.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
