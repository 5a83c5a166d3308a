/**
 * The softphone's call logic: signs in, places and answers calls, and drives the media engine
 * through the call's lifecycle. The UI reads {@link Phone.state} and calls the action methods;
 * every change goes through {@link Phone.setState}, which notifies subscribers.
 *
 * Media timeline of a call: the engine is prepared as soon as the call exists (caller: invite
 * acknowledged; callee: incoming), so transport is up while ringing. Capture starts only after
 * answer, through the audio-activation step.
 */
import {
  CallState,
  EndReason,
  type CallId,
  type EndedBy,
  type MediaLeg,
  type IceCandidate,
  type Peer,
  type UserId,
} from '@softphone/sfu/protocol';
import { SignallingClient } from '../signalling/signalling-client.ts';
import type { AudioActivation } from '../media/audio-activation.ts';
import { AudioMonitor } from '../media/audio-monitor.ts';
import type { MediaEngine, MediaEngineEvents } from '../media/media-engine.ts';
import { endMessage } from './end-messages.ts';
import { initialPhoneState, type ActiveCall, type PhoneState } from './phone-state.ts';

export interface PhoneOptions {
  serverUrl: string;
  createEngine: (events: MediaEngineEvents) => MediaEngine;
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
  endedAt?: number;
}

/** Per-call resources that are not UI state. */
interface CallRuntime {
  engine: MediaEngine;
  monitor: AudioMonitor;
  marks: CallMarks;
  /** Set if capture was ever seen running before activation (must never happen). */
  capturedBeforeActivation: boolean;
}

type Listener = (state: PhoneState) => void;

export class Phone {
  private _state: PhoneState = initialPhoneState;
  private readonly listeners = new Set<Listener>();
  private client: SignallingClient | null = null;
  private runtime: CallRuntime | null = null;
  /** The last call's runtime, kept after it ends so its figures can still be read. */
  private lastRuntime: CallRuntime | null = null;
  /** Partner offers that arrived before we knew the call id (caller side race). */
  private readonly earlyOffers = new Map<CallId, string>();

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

  // ---- actions (called by the UI) ----

  signIn(displayName: string): void {
    this.client?.close();
    this.setState({ connection: 'connecting', signInError: null, notice: null });
    const client = new SignallingClient(this.opts.serverUrl, displayName, {
      connected: () => this.setState({ connection: 'connected', notice: null }),
      refused: (e) => {
        client.close();
        this.client = null;
        this.setState({ connection: 'signed-out', self: null, signInError: e.message });
      },
      disconnected: (reason) => this.onDisconnected(reason),
    });
    this.client = client;
    this.listen(client);
    client.connect();
  }

  async call(to: UserId): Promise<void> {
    const client = this.client;
    const peer = this._state.users.find((u) => u.id === to);
    if (!client || !peer || this._state.call) return;
    const marks: CallMarks = { dialedAt: Date.now() };
    this.setState({ call: this.newCall('outgoing', peer), ended: null, notice: null });
    const res = await client.request('call:invite', { to });
    if (!res.ok) {
      this.setState({ call: null, notice: res.error.message });
      return;
    }
    const call = this.current();
    if (!call || call.id !== null || call.peer.id !== to) {
      // Hung up while the invite was in flight: end what the server has just created.
      await client.request('call:hangup', res.data);
      return;
    }
    this.setState({ call: { ...call, id: res.data.callId } });
    this.startMedia(res.data.callId, marks);
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

  dismissEnded(): void {
    this.setState({ ended: null });
  }

  signOut(): void {
    this.client?.close();
    this.client = null;
    this.teardown();
    this.setState({ ...initialPhoneState });
  }

  // ---- server events ----

  private listen(client: SignallingClient): void {
    client.on('session:welcome', ({ self }) => this.setState({ self }));
    client.on('presence:users', ({ users }) => this.setState({ users }));
    client.on('call:incoming', ({ callId, from }) => this.onIncoming(callId, from));
    client.on('call:state', ({ callId, state }) => this.onCallState(callId, state));
    client.on('call:ended', ({ callId, reason, by }) => {
      if (this._state.call?.id === callId) this.endLocally(reason, by);
    });
    client.on('media:offer', ({ callId, sdp }) => {
      if (this._state.call?.id === callId && this.runtime) this.acceptOffer(this.runtime, sdp);
      else this.earlyOffers.set(callId, sdp);
    });
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
    const engine = this.opts.createEngine({
      failed: (why) => {
        console.warn(`media failed: ${why}`);
        if (this._state.call?.id === callId) {
          void client.request('call:hangup', { callId });
          this.endLocally(EndReason.MediaFailed, 'server');
        }
      },
    });
    const monitor = new AudioMonitor(() => engine.stats());
    const rt: CallRuntime = { engine, monitor, marks, capturedBeforeActivation: false };
    this.runtime = rt;
    monitor.start();
    const request = async <T>(
      p: Promise<{ ok: true; data: T } | { ok: false; error: { message: string } }>,
    ) => {
      const res = await p;
      if (!res.ok) throw new Error(res.error.message);
      return res.data;
    };
    engine
      .prepare({
        publish: async (sdp) => (await request(client.request('media:publish', { callId, sdp }))).sdp,
        answerSubscription: async (sdp) =>
          void (await request(client.request('media:subscribe-answer', { callId, sdp }))),
        trickle: async (leg: MediaLeg, candidate: IceCandidate | null) =>
          void (await request(client.request('media:trickle', { callId, leg, candidate }))),
      })
      .catch((err: unknown) => console.warn('media prepare failed', err));
    const early = this.earlyOffers.get(callId);
    this.earlyOffers.delete(callId);
    if (early) this.acceptOffer(rt, early);
  }

  private acceptOffer(rt: CallRuntime, sdp: string): void {
    rt.engine.acceptRemoteOffer(sdp).catch((err: unknown) => console.warn('subscribe failed', err));
  }

  private async activateAudio(callId: CallId): Promise<void> {
    const rt = this.runtime;
    const call = this._state.call;
    if (!rt || !call) return;
    if (rt.engine.capturing) rt.capturedBeforeActivation = true;
    this.setState({ call: { ...call, audio: 'activating' } });
    try {
      await this.opts.activation.activated();
      if (this._state.call?.id !== callId) return;
      rt.marks.activatedAt = Date.now();
      await rt.engine.start();
      rt.marks.captureStartedAt = Date.now();
      this.patchCall(callId, { audio: 'active' });
    } catch (err) {
      console.warn('audio activation failed', err);
      this.patchCall(callId, { audio: 'failed' });
    }
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
    };
  }

  private patchCall(callId: CallId, patch: Partial<ActiveCall>): void {
    const call = this._state.call;
    if (call?.id === callId) this.setState({ call: { ...call, ...patch } });
  }

  private endLocally(reason: EndReason, by: EndedBy): void {
    const call = this._state.call;
    if (!call) return;
    if (this.runtime) this.runtime.marks.endedAt = Date.now();
    this.teardown();
    this.setState({
      call: null,
      ended: {
        peer: call.peer,
        direction: call.direction,
        reason,
        by,
        message: endMessage(reason, by, call.direction, call.peer.displayName),
        durationMs: call.answeredAt === null ? null : Date.now() - call.answeredAt,
      },
    });
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
      // Invite not acknowledged yet: nothing exists on the server to end.
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
