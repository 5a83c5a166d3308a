/**
 * The softphone's call logic: signs in, places and answers calls, and drives the media engine
 * through the call's lifecycle. The UI reads {@link Phone.state} and calls the action methods;
 * every change goes through {@link Phone.setState}, which notifies subscribers.
 *
 * Media timeline of a call: the engine is prepared as soon as the call exists (caller: invite
 * acknowledged; callee: incoming), so transport is up while ringing. Capture starts only after
 * answer (and again after resuming from hold), through the audio-activation step.
 */
import {
  CallState,
  EndReason,
  type Account,
  type CallId,
  type EndedBy,
  type Peer,
  type QualitySummary,
  type UserId,
  type VoipRegistration,
} from '@softphone/sfu/protocol';
import { accountClient, type AccountResult } from '../account/account-client.ts';
import { deviceIdentity } from '../account/device.ts';
import type { AudioActivation } from '../media/audio-activation.ts';
import { AudioNotActivatedError } from '../media/shell-activation.ts';
import { AudioMonitor } from '../media/audio-monitor.ts';
import type { MediaEngine, MediaEngineEvents } from '../media/media-engine.ts';
import { bindMediaSignalling } from '../media/media-signalling.ts';
import {
  currentCallNotifications,
  subscribeToCalls,
  unsubscribeFromCalls,
} from '../push/call-notifications.ts';
import type { Launch } from '../push/incoming-call-launch.ts';
import { SignallingClient } from '../signalling/signalling-client.ts';
import { endMessage } from './end-messages.ts';
import { initialPhoneState, type ActiveCall, type PhoneState } from './phone-state.ts';

export interface PhoneOptions {
  serverUrl: string;
  createEngine: (events: MediaEngineEvents, callId: CallId) => MediaEngine;
  activation: AudioActivation;
}

/** Epoch-ms milestones of the current call, for the quality summary and the test rig. */
export interface CallMarks {
  dialedAt?: number;
  incomingAt?: number;
  ringingAt?: number;
  answeredAt?: number;
  activatedAt?: number;
  captureStartedAt?: number;
  /** Audio activation after the last resume from hold. */
  resumedAt?: number;
  /** The media path last dropped, and last came back (ICE restart or healed by itself). */
  mediaLostAt?: number;
  mediaRecoveredAt?: number;
  /** ICE restarts asked for during the call (each leg counts). */
  iceRestarts?: number;
  endedAt?: number;
}

/** Per-call resources that are not UI state. */
interface CallRuntime {
  callId: CallId;
  engine: MediaEngine;
  monitor: AudioMonitor;
  marks: CallMarks;
  /** Set if capture was ever seen running before activation (must never happen). */
  capturedBeforeActivation: boolean;
  /** Set when the audio-activation step failed during the call. */
  activationFailure?: 'not-activated' | 'failed';
}

type Listener = (state: PhoneState) => void;

export class Phone {
  private _state: PhoneState = initialPhoneState;
  private readonly listeners = new Set<Listener>();
  private client: SignallingClient | null = null;
  private runtime: CallRuntime | null = null;
  /** The last call's runtime, kept after it ends so its figures can still be read. */
  private lastRuntime: CallRuntime | null = null;
  /**
   * Events about a call that arrived before we knew its id: the server acks an invite before it
   * sends anything else about the call, but both can arrive in one read, before the ack's await resumes.
   */
  private readonly early = new Map<CallId, { ended?: { reason: EndReason; by: EndedBy } }>();
  /** The call this device declined: another of the user's devices declining reads differently. */
  private declinedHere: CallId | null = null;
  /** A call the user picked from a notification, acted on once we are connected. */
  private launch: Launch | null = null;
  /** Told when the server says the launched call is over (the shell then ends its CallKit call). */
  private launchGone: ((callId: CallId) => void) | undefined;
  /** The iOS shell's VoIP token, registered at every connection (tokens change; the server forgets on sign-out). */
  private voip: VoipRegistration | null = null;

  constructor(private readonly opts: PhoneOptions) {}

  get state(): PhoneState {
    return this._state;
  }

  /** The current (or last) call's runtime figures. */
  get media(): Readonly<CallRuntime> | null {
    return this.runtime ?? this.lastRuntime;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this._state);
    return () => this.listeners.delete(listener);
  }

  // ---- account ----

  /** Resumes a session kept in the cookie, if any. */
  async restore(): Promise<void> {
    const res = await accountClient.me();
    if (res.ok) {
      this.connect(res.account);
      return;
    }
    if (res.code === 'offline') {
      // The offline shell loaded from the service worker: say so, and sign in again once back.
      this.setState({ authError: 'You are offline. Softphone will reconnect when the network is back.' });
      window.addEventListener('online', () => void this.restore(), { once: true });
    } else if (this._state.authError) {
      this.setState({ authError: null });
    }
  }

  async signIn(username: string, password: string): Promise<void> {
    await this.authenticate(accountClient.signIn({ username, password }));
  }

  async signUp(username: string, password: string, displayName: string): Promise<void> {
    await this.authenticate(accountClient.signUp({ username, password, displayName }));
  }

  async signOut(): Promise<void> {
    if (this._state.call?.id) await this.hangup();
    // A signed-out device must not be woken for its former user's calls.
    await this.client?.request('push:unregister', {});
    await unsubscribeFromCalls().catch(() => undefined);
    this.client?.close();
    this.client = null;
    this.teardown();
    await accountClient.signOut();
    this.setState({ ...initialPhoneState });
  }

  // ---- calls ----

  async call(to: UserId): Promise<void> {
    const client = this.client;
    const peer = [...this._state.users, ...this._state.asleep].find((u) => u.id === to);
    if (!client || !peer || this._state.call) return;
    const marks: CallMarks = { dialedAt: Date.now() };
    this.setState({ call: this.newCall('outgoing', peer), ended: null, notice: null });
    const res = await client.request('call:invite', { to });
    if (!res.ok) {
      this.setState({ call: null, notice: res.error.message });
      return;
    }
    const callId = res.data.callId;
    const call = this.current();
    if (!call || call.id !== null || call.peer.id !== to) {
      // Hung up while the invite was in flight: end what the server has just created.
      await client.request('call:hangup', { callId });
      return;
    }
    this.setState({ call: { ...call, id: callId } });
    const early = this.early.get(callId);
    this.early.delete(callId);
    if (early?.ended) {
      this.endLocally(early.ended.reason, early.ended.by);
      return;
    }
    this.startMedia(callId, marks);
  }

  async answer(): Promise<void> {
    const call = this._state.call;
    const rt = this.runtime;
    if (!call?.id || call.direction !== 'incoming' || call.answeredAt !== null || !this.client || !rt) return;
    const callId = call.id;
    rt.marks.answeredAt = Date.now();
    this.setState({ call: { ...call, answeredAt: rt.marks.answeredAt } });
    // Activation does not wait for the server's confirmation: CallKit doesn't either. If the answer
    // is refused (the caller just hung up), call:ended tears the engine down.
    const [res] = await Promise.all([
      this.client.request('call:answer', { callId }),
      this.activateAudio(callId),
    ]);
    if (!res.ok && this._state.call?.id === callId) this.endLocally(EndReason.Cancelled, 'peer');
  }

  async decline(): Promise<void> {
    this.declinedHere = this._state.call?.id ?? null;
    await this.simpleRequest('call:decline');
  }

  async hangup(): Promise<void> {
    await this.simpleRequest('call:hangup');
  }

  setMuted(muted: boolean): void {
    const call = this._state.call;
    if (!call) return;
    this.runtime?.engine.setMuted(muted);
    this.setState({ call: { ...call, muted } });
  }

  /** Hold stops our capture and playout; resume goes through audio activation again, as CallKit does. */
  async setHeld(held: boolean): Promise<void> {
    const call = this._state.call;
    const rt = this.runtime;
    if (!call?.id || call.answeredAt === null || !rt || !this.client || call.held.self === held) return;
    const res = await this.client.request('call:hold', { callId: call.id, held });
    if (!res.ok) {
      this.setState({ notice: res.error.message });
      return;
    }
    this.patchCall(call.id, { held: { ...call.held, self: held } });
    if (held) {
      rt.engine.hold();
      this.patchCall(call.id, { audio: 'idle' });
    } else {
      await this.activateAudio(call.id, 'resume');
    }
  }

  async setOutput(deviceId: string): Promise<void> {
    await this.runtime?.engine.setOutputDevice(deviceId);
    this.setState({ outputId: deviceId });
  }

  dismissEnded(): void {
    this.setState({ ended: null });
  }

  /**
   * The user picked a call from a notification: claim it from the server (the device then rings
   * like any other) and answer or decline it as asked. Waits for the connection if need be.
   */
  async takeLaunch(launch: Launch, onGone?: (callId: CallId) => void): Promise<void> {
    this.launch = launch;
    this.launchGone = onGone;
    if (this._state.connection === 'connected') await this.claimLaunch();
  }

  /** The iOS shell's VoIP token for this device: registered now if connected, and on every connection. */
  registerVoip(registration: VoipRegistration): void {
    this.voip = registration;
    if (this._state.connection === 'connected') void this.client?.request('push:register-voip', registration);
  }

  /** Turns on incoming-call notifications for when no tab is open (asks for permission). */
  async enableCallNotifications(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const cfg = await client.request('push:web-config', {});
    if (!cfg.ok) {
      this.setState({ notice: cfg.error.message });
      return;
    }
    const sub = await subscribeToCalls(cfg.data.vapidPublicKey);
    if (!sub.ok) {
      this.setState({ callNotifications: sub.state, notice: sub.message });
      return;
    }
    const res = await client.request('push:register-web', { subscription: sub.subscription });
    this.setState(res.ok ? { callNotifications: 'on' } : { notice: res.error.message });
  }

  // ---- history ----

  /** Shows the history and marks missed calls seen. */
  async showHistory(): Promise<void> {
    this.setState({ view: 'history' });
    const client = this.client;
    if (!client) return;
    const res = await client.request('history:list', { limit: 100 });
    if (res.ok) this.setState({ history: res.data.entries, unreadMissed: res.data.unreadMissed });
    if (res.ok && res.data.unreadMissed > 0) await client.request('history:mark-seen', {});
  }

  showPeople(): void {
    this.setState({ view: 'people' });
  }

  // ---- connection ----

  private async authenticate(request: Promise<AccountResult>): Promise<void> {
    this.setState({ authBusy: true, authError: null });
    const res = await request;
    if (!res.ok) {
      this.setState({ authBusy: false, authError: res.message });
      return;
    }
    this.setState({ authBusy: false });
    this.connect(res.account);
  }

  private connect(account: Account): void {
    this.client?.close();
    this.setState({ account, connection: 'connecting', authError: null, notice: null });
    const client = new SignallingClient(this.opts.serverUrl, deviceIdentity(), {
      connected: () => {
        this.setState({ connection: 'connected', notice: null });
        void this.claimLaunch();
        if (this.voip) void client.request('push:register-voip', this.voip);
        void currentCallNotifications().then((callNotifications) => this.setState({ callNotifications }));
      },
      refused: (e) => {
        client.close();
        this.client = null;
        this.setState({ connection: 'signed-out', account: null, self: null, authError: e.message });
      },
      disconnected: (reason) => this.onDisconnected(reason),
    });
    this.client = client;
    this.listen(client);
    client.connect();
  }

  private listen(client: SignallingClient): void {
    client.on('session:welcome', ({ self, unreadMissed }) => this.setState({ self, unreadMissed }));
    client.on('presence:users', ({ users, asleep }) => this.setState({ users, asleep }));
    client.on('history:changed', ({ unreadMissed }) => this.setState({ unreadMissed }));
    client.on('call:incoming', ({ callId, from }) => this.onIncoming(callId, from));
    client.on('call:state', ({ callId, state }) => this.onCallState(callId, state));
    client.on('call:hold', ({ callId, held, by }) => {
      const call = this._state.call;
      if (call?.id === callId && by === 'peer')
        this.patchCall(callId, { held: { ...call.held, peer: held } });
    });
    client.on('call:ended', ({ callId, reason, by }) => {
      if (this._state.call?.id === callId) this.endLocally(reason, by);
      else this.earlyEvent(callId, { ended: { reason, by } });
    });
  }

  private earlyEvent(callId: CallId, e: { ended?: { reason: EndReason; by: EndedBy } }): void {
    // Only an outgoing call whose invite is still in flight can be waiting for these.
    if (this._state.call?.direction === 'outgoing' && this._state.call.id === null) {
      this.early.set(callId, { ...this.early.get(callId), ...e });
    }
  }

  private onIncoming(callId: CallId, from: Peer): void {
    const client = this.client;
    if (!client || this._state.call) return;
    const marks: CallMarks = { incomingAt: Date.now() };
    this.setState({ call: { ...this.newCall('incoming', from), id: callId }, ended: null, notice: null });
    this.startMedia(callId, marks);
    void client.request('call:ringing', { callId }).then((res) => {
      if (res.ok) marks.ringingAt ??= Date.now();
    });
  }

  private async claimLaunch(): Promise<void> {
    const launch = this.launch;
    const client = this.client;
    if (!launch || !client) return;
    this.launch = null;
    if (this._state.call?.id !== launch.callId) {
      const res = await client.request('call:reported', { callId: launch.callId });
      if (!res.ok) {
        this.setState({ notice: res.error.message });
        this.launchGone?.(launch.callId);
        return;
      }
      this.onIncoming(launch.callId, res.data.call.from);
    }
    if (launch.action === 'answer') await this.answer();
    else if (launch.action === 'decline') await this.decline();
  }

  private onCallState(callId: CallId, state: CallState): void {
    const call = this._state.call;
    const rt = this.runtime;
    if (!call || call.id !== callId) return;
    if (state === CallState.Ringing && rt) rt.marks.ringingAt ??= Date.now();
    if (state === CallState.Answered && call.direction === 'outgoing' && rt) {
      rt.marks.answeredAt = Date.now();
      this.setState({ call: { ...call, state, answeredAt: rt.marks.answeredAt } });
      void this.activateAudio(callId);
      return;
    }
    this.setState({ call: { ...call, state } });
  }

  private onDisconnected(reason: string): void {
    if (this._state.call) this.endLocally(EndReason.Disconnected, 'self');
    // socket.io reconnects by itself unless the server or we closed the connection.
    const willRetry = reason !== 'io client disconnect' && reason !== 'io server disconnect';
    this.setState({
      connection: willRetry ? 'reconnecting' : 'signed-out',
      notice: willRetry ? 'Connection lost, reconnecting…' : null,
    });
  }

  // ---- media ----

  private startMedia(callId: CallId, marks: CallMarks): void {
    const client = this.client;
    if (!client) return;
    const engine = this.opts.createEngine(
      {
        failed: (why) => {
          console.warn(`media failed: ${why}`);
          if (this._state.call?.id === callId) {
            void client.request('call:hangup', { callId });
            this.endLocally(EndReason.MediaFailed, 'server');
          }
        },
        recovering: (on) => {
          if (on) marks.mediaLostAt = Date.now();
          else marks.mediaRecoveredAt = Date.now();
          this.patchCall(callId, { recovering: on });
        },
        lost: () => {
          if (this._state.call?.id !== callId) return;
          void client.request('call:media-lost', { callId });
          this.endLocally(EndReason.MediaLost, 'self');
        },
      },
      callId,
    );
    const monitor = new AudioMonitor(() => engine.stats());
    const rt: CallRuntime = { callId, engine, monitor, marks, capturedBeforeActivation: false };
    this.runtime = rt;
    monitor.start();
    engine
      .prepare(bindMediaSignalling(client, callId, () => (marks.iceRestarts = (marks.iceRestarts ?? 0) + 1)))
      .catch((err: unknown) => console.warn('media prepare failed', err));
    void this.listOutputs();
  }

  private async activateAudio(callId: CallId, why: 'answer' | 'resume' = 'answer'): Promise<void> {
    const rt = this.runtime;
    if (!rt || this._state.call?.id !== callId) return;
    if (why === 'answer' && rt.engine.capturing) rt.capturedBeforeActivation = true;
    this.patchCall(callId, { audio: 'activating' });
    try {
      await this.opts.activation.activated(callId);
      if (this._state.call?.id !== callId) return;
      if (why === 'answer') rt.marks.activatedAt = Date.now();
      else rt.marks.resumedAt = Date.now();
      await rt.engine.start();
      if (why === 'answer') rt.marks.captureStartedAt = Date.now();
      this.patchCall(callId, { audio: 'active' });
    } catch (err) {
      console.warn('audio activation failed', err);
      const failure = err instanceof AudioNotActivatedError ? 'not-activated' : 'failed';
      rt.activationFailure = failure;
      this.patchCall(callId, { audio: failure });
      void this.client?.request('call:activation-failed', { callId, why: failure });
    }
  }

  private async listOutputs(): Promise<void> {
    if (!('setSinkId' in HTMLMediaElement.prototype) || !navigator.mediaDevices?.enumerateDevices) return;
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
    const outputs = devices
      .filter((d) => d.kind === 'audiooutput' && d.deviceId)
      .map((d, i) => ({ id: d.deviceId, label: d.label || `Output ${i + 1}` }));
    this.setState({ outputs });
  }

  // ---- state ----

  private newCall(direction: ActiveCall['direction'], peer: Peer): ActiveCall {
    return {
      id: null,
      direction,
      peer,
      state: CallState.Calling,
      answeredAt: null,
      muted: false,
      audio: 'idle',
      held: { self: false, peer: false },
      recovering: false,
    };
  }

  private patchCall(callId: CallId, patch: Partial<ActiveCall>): void {
    const call = this._state.call;
    if (call?.id === callId) this.setState({ call: { ...call, ...patch } });
  }

  private endLocally(reason: EndReason, by: EndedBy): void {
    const call = this._state.call;
    if (!call) return;
    const rt = this.runtime;
    if (rt) rt.marks.endedAt = Date.now();
    this.teardown();
    this.setState({
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
    if (rt && call.answeredAt !== null && reason !== EndReason.AnsweredElsewhere) this.reportQuality(rt);
  }

  /** Sends what this side measured, kept with the call in history. */
  private reportQuality(rt: CallRuntime): void {
    const last = rt.monitor.latest;
    const answeredAt = rt.marks.answeredAt;
    const summary: QualitySummary = {
      heard: rt.monitor.firstHeardAt !== null,
      timeToFirstAudioMs:
        rt.monitor.firstHeardAt !== null && answeredAt
          ? Math.max(0, rt.monitor.firstHeardAt - answeredAt)
          : null,
      packetsReceived: last?.inbound?.packetsReceived ?? 0,
      packetsLost: Math.max(0, last?.inbound?.packetsLost ?? 0),
      jitterMs: Math.round((last?.inbound?.jitter ?? 0) * 1000 * 10) / 10,
      roundTripMs: last?.roundTripTime != null ? Math.round(last.roundTripTime * 1000 * 10) / 10 : null,
      ...(rt.activationFailure ? { activationFailure: rt.activationFailure } : {}),
    };
    void this.client?.request('call:quality', { callId: rt.callId, summary });
  }

  private teardown(): void {
    const rt = this.runtime;
    if (!rt) return;
    rt.monitor.stop();
    rt.engine.stop();
    this.lastRuntime = rt;
    this.runtime = null;
  }

  private async simpleRequest(event: 'call:decline' | 'call:hangup'): Promise<void> {
    const call = this._state.call;
    if (!call || !this.client) return;
    if (!call.id) {
      // Invite not acknowledged yet: call() hangs up what the server creates when the ack arrives.
      this.setState({ call: null });
      return;
    }
    const res = await this.client.request(event, { callId: call.id });
    if (!res.ok && this._state.call?.id === call.id) this.setState({ notice: res.error.message });
  }

  /** Read through a method so that narrowing from before an `await` does not stick. */
  private current(): ActiveCall | null {
    return this._state.call;
  }

  private setState(patch: Partial<PhoneState>): void {
    this._state = { ...this._state, ...patch };
    for (const l of this.listeners) l(this._state);
  }
}
