/**
 * Models `ios-shell/Shell/Media/NativeMediaEngine.swift`: one media session per call, negotiated
 * on the shell's own socket (MediaSignalling), with capture gated by the audio session
 * (`useManualAudio` + `isAudioEnabled` in the Swift shell). The engine runs in the app's window,
 * not the page's, so it goes on while the page is frozen; what each call heard is kept after the
 * call for the rig.
 */
import { pathKind, type BridgeMediaStats, type IceServer, type PathKind } from '@softphone/sfu/protocol';
import { AudioMonitor, type AudioWindow } from '../../media/audio-monitor.ts';
import { ToneProbe } from '../../media/tone-probe.ts';
import type { ToneSignatures } from '../../media/tone-signature.ts';
import type { Outgoing } from '../bridge/web-bridge.ts';
import type { CallKitSimulator } from '../callkit-simulator.ts';
import { NativePeerConnections, type NativeSignalling } from './native-peer-connections.ts';

export interface NativeMediaEngineDelegate {
  tellPage(message: Outgoing): void;
  /**
   * The media connection closed while the page may be asleep (A8), or its negotiation failed (a
   * publish refused or unacked, a downstream offer that can't be applied: S7): the call ends
   * everywhere, from the shell.
   */
  lostMedia(callId: string, why: string): void;
  /** NativeMediaEngine.swift `media(_:pathOf:is:)`: a stats read found the call's selected pair. */
  pathOf(callId: string, path: PathKind): void;
}

export class NativeMediaEngine {
  private readonly sessions = new Map<string, MediaSession>();
  /** What each call's engine heard, kept after the call: the rig reads it while the page is frozen. */
  private readonly heard = new Map<string, AudioMonitor>();
  /** The server's downstream offers that came before the call's session. */
  private readonly offers = new Map<string, string>();
  /**
   * The latest ICE servers, the page's `media.ice-servers` or the shell's own welcome and renewals
   * (whichever came last), for the next call's peer connections and the live ones.
   */
  private iceServers: RTCIceServer[] = [];
  /** The rig's signatures: each call's native audio windows say whose tones they carried. */
  private signatures: ToneSignatures | null = null;

  constructor(
    private readonly system: CallKitSimulator,
    private readonly isLive: (callId: string) => boolean,
    private readonly delegate: NativeMediaEngineDelegate,
  ) {}

  /** For every call's legs from now on and the ones already up (NativeMediaEngine.swift `setIceServers`). */
  setIceServers(servers: IceServer[]): void {
    this.iceServers = servers.map((s) => ({
      urls: s.urls,
      ...(s.username !== null ? { username: s.username } : {}),
      ...(s.credential !== null ? { credential: s.credential } : {}),
    }));
    for (const session of this.sessions.values()) session.setIceServers(this.iceServers);
  }

  /** From the next call on, what the engine hears is checked for these signatures. */
  listenFor(signatures: ToneSignatures | null): void {
    this.signatures = signatures;
  }

  /** What the engine heard of the far end in a call (the rig's view while the page is frozen). */
  heardIn(callId: string): { windows: AudioWindow[]; firstHeardAt: number | null } {
    const monitor = this.heard.get(callId);
    return { windows: monitor ? [...monitor.windows] : [], firstHeardAt: monitor?.firstHeardAt ?? null };
  }

  /** The server has this device in the call: its session negotiates on `signalling`. */
  join(callId: string, signalling: NativeSignalling, audioEnabled: boolean): void {
    if (this.sessions.has(callId)) return;
    const relays = this.iceServers.filter((s) => [s.urls].flat().some((u) => u.startsWith('turn'))).length;
    this.system.log('media-joined', callId, `iceServers=${this.iceServers.length} turn=${relays}`);
    const session = new MediaSession(
      callId,
      (msg) => this.delegate.tellPage(msg),
      {
        capture: (on) => this.system.log(on ? 'capture-started' : 'capture-stopped', callId),
        closed: (why) => this.delegate.lostMedia(callId, why),
        path: (path) => this.delegate.pathOf(callId, path),
        log: (kind, detail) => this.system.log(kind, callId, detail),
      },
      this.iceServers,
      () => this.system.recordPermission === 'granted',
    );
    this.sessions.set(callId, session);
    const monitor = new AudioMonitor(() => session.statsNow());
    const signatures = this.signatures;
    if (signatures) monitor.listen(new ToneProbe(() => session.receivedAudio(), signatures));
    this.heard.set(callId, monitor);
    monitor.start();
    session.prepare(signalling);
    const offer = this.offers.get(callId);
    this.offers.delete(callId);
    if (offer) session.subscriberOffer(offer);
    session.setAudioEnabled(audioEnabled);
  }

  subscriberOffer(callId: string, sdp: string): void {
    const session = this.sessions.get(callId);
    this.system.log(
      'downstream-offer',
      callId,
      session ? 'to the engine' : this.isLive(callId) ? 'kept' : 'no call',
    );
    if (session) session.subscriberOffer(sdp);
    else if (this.isLive(callId)) this.offers.set(callId, sdp);
  }

  setMuted(callId: string, muted: boolean): void {
    this.sessions.get(callId)?.setMuted(muted);
  }

  /** The gate: each session captures only while `enabledFor` its call. */
  setAudioEnabled(enabledFor: (callId: string) => boolean): void {
    for (const [id, session] of this.sessions) session.setAudioEnabled(enabledFor(id));
  }

  stats(callId: string, requestId: number): void {
    const session = this.sessions.get(callId);
    // Before the session exists (the claim in flight) the answer is "no media yet", never silence.
    if (session) void session.stats(requestId);
    else {
      const stats = { at: Date.now(), inbound: null, outbound: null, sourceLevel: null, roundTripTime: null };
      this.delegate.tellPage({ type: 'media.stats', callId, requestId, stats });
    }
  }

  stop(callId: string): void {
    this.heard.get(callId)?.stop();
    this.sessions.get(callId)?.stop();
    this.sessions.delete(callId);
    this.offers.delete(callId);
  }

  /**
   * `rebuildAfterMediaServicesReset`: every audio object is gone, the peer connections with them.
   * Each call gets new connections and publishes again; the SFU takes the new upstream in place of
   * the old one and offers the downstream again on a new transport (MediaRoom `dropNativeMedia`).
   */
  rebuildAfterMediaServicesReset(): void {
    this.system.log('media-rebuilt', undefined, `calls=${this.sessions.size}`);
    for (const session of this.sessions.values()) session.rebuild();
  }

  /** The process is killed: every session and monitor goes with it. */
  terminate(): void {
    for (const session of this.sessions.values()) session.stop();
    for (const monitor of this.heard.values()) monitor.stop();
  }
}

/** One call's media (the Swift engine's `Session`): its two peer connections and its capture gate. */
class MediaSession {
  private engine: NativePeerConnections;
  private signalling: NativeSignalling | null = null;
  /** The last downstream offer taken: a resync after a reconnect carries it again. */
  private lastOffer: string | null = null;
  private audioEnabled = false;
  private applying: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly callId: string,
    private readonly tell: (m: Outgoing) => void,
    private readonly notify: {
      capture(on: boolean): void;
      closed(why: string): void;
      path(path: PathKind): void;
      log(kind: string, detail: string): void;
    },
    private readonly iceServers: RTCIceServer[],
    private readonly recordingAllowed: () => boolean,
  ) {
    this.engine = this.connections();
  }

  private connections(): NativePeerConnections {
    return new NativePeerConnections(
      {
        failed: (why) => this.notify.closed(why),
        recovering: (on) =>
          this.tell({
            type: 'media.connection',
            callId: this.callId,
            state: on ? 'restarting' : 'connected',
          }),
        lost: () => this.notify.closed('media connection lost'),
        // NativeMediaEngine.swift's `ice restart <leg> attempt=<n> after <event>` and
        // `ice restart <leg> not negotiated` lines, in the system's event log.
        restarting: (leg, attempt, after) =>
          this.notify.log('ice-restart', `${leg} attempt=${attempt} after ${after}`),
        notNegotiated: (leg, why) => this.notify.log('ice-restart-not-negotiated', `${leg}: ${why}`),
      },
      this.iceServers,
      this.recordingAllowed,
    );
  }

  prepare(signalling: NativeSignalling): void {
    this.signalling = signalling;
    this.engine.prepare(signalling).catch((err: unknown) => this.negotiationFailed(err));
  }

  /** New connections after a media-services reset: a new publish, and the server's next offer for the new subscriber. */
  rebuild(): void {
    const signalling = this.signalling;
    if (this.stopped || !signalling) return;
    const old = this.engine;
    const wasCapturing = old.capturing;
    old.stop();
    if (wasCapturing) {
      this.notify.capture(false);
      this.tell({ type: 'media.capture', callId: this.callId, capturing: false });
    }
    this.engine = this.connections();
    this.lastOffer = null;
    this.prepare(signalling);
    this.apply();
  }

  subscriberOffer(sdp: string): void {
    if (sdp === this.lastOffer) return;
    this.lastOffer = sdp;
    this.engine.acceptRemoteOffer(sdp).catch((err: unknown) => this.negotiationFailed(err));
  }

  setIceServers(servers: RTCIceServer[]): void {
    this.engine.setIceServers(servers);
  }

  setAudioEnabled(on: boolean): void {
    this.audioEnabled = on;
    this.apply();
  }

  setMuted(muted: boolean): void {
    this.engine.setMuted(muted);
  }

  statsNow(): ReturnType<NativePeerConnections['stats']> {
    return this.engine.stats();
  }

  receivedAudio(): MediaStream | null {
    return this.engine.receivedAudio();
  }

  async stats(requestId: number): Promise<void> {
    const { at, inbound, outbound, sourceLevel, roundTripTime, path } = await this.engine.stats();
    // NativeMediaEngine.swift `stats`: the downstream leg's selected pair, read with each of the page's polls.
    if (path) this.notify.path(pathKind(path));
    // What the Swift engine sends: the bridge's fields only (its schema is strict), not every
    // figure the page's own stats reader gathers.
    const stats: BridgeMediaStats = {
      at,
      inbound: inbound && {
        packetsReceived: inbound.packetsReceived,
        packetsLost: inbound.packetsLost,
        totalSamplesReceived: inbound.totalSamplesReceived,
        concealedSamples: inbound.concealedSamples,
        totalAudioEnergy: inbound.totalAudioEnergy,
        totalSamplesDuration: inbound.totalSamplesDuration,
        jitter: inbound.jitter,
      },
      outbound: outbound && { packetsSent: outbound.packetsSent },
      sourceLevel,
      roundTripTime,
    };
    this.tell({ type: 'media.stats', callId: this.callId, requestId, stats });
  }

  stop(): void {
    this.stopped = true;
    this.apply();
    this.engine.stop();
  }

  private failed(err: unknown): void {
    if (!this.stopped)
      this.tell({ type: 'media.failed', callId: this.callId, why: String(err).slice(0, 500) });
  }

  /** NativeMediaEngine.fail: the page hears why, and the call ends from here, not when the page runs. */
  private negotiationFailed(err: unknown): void {
    if (this.stopped) return;
    this.failed(err);
    this.notify.closed(String(err).slice(0, 500));
  }

  /** Serialised, so that a quick on/off/on never leaves a stray microphone running. */
  private apply(): void {
    this.applying = this.applying
      .then(async () => {
        const want = this.audioEnabled && !this.stopped;
        if (want && !this.engine.capturing) {
          await this.engine.start();
          if (!this.engine.capturing) return;
          this.notify.capture(true);
          this.tell({ type: 'media.capture', callId: this.callId, capturing: true });
        } else if (!want && this.engine.capturing) {
          this.engine.hold();
          this.notify.capture(false);
          this.tell({ type: 'media.capture', callId: this.callId, capturing: false });
        }
      })
      .catch((err: unknown) => this.failed(err));
  }
}
