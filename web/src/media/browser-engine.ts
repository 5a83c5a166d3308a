/**
 * The media engine for browsers: mediasoup-client (loaded with the engine, on the first call),
 * with a send transport carrying the party's upstream and a recv transport carrying the partner's.
 *
 * While ringing: the device loads the router's capabilities, both transports are created, and the
 * upstream producer is made on a generated silent track that is detached at once, so ICE and DTLS
 * are up before anyone answers and nothing is captured (mediasoup-client cannot produce without a
 * track). The microphone is attached with `producer.replaceTrack` (no renegotiation) only when the
 * audio-activation step calls {@link start}. A transport that drops is brought back with
 * `transport.restartIce()` when `ice-recovery.ts` says so. The partner's audio is one consumer at a
 * time: a later `media:consumer` (the device that answered is not the one that rang first) replaces it.
 */
import type { ConsumerInfo, IceServer } from '@softphone/sfu/protocol';
import type { types as msc } from 'mediasoup-client';
import { IceRecovery } from './ice-recovery.ts';
import type { MediaEngine, MediaEngineEvents, MediaSignalling, MediaStats } from './media-engine.ts';
import { readStats } from './webrtc-stats.ts';

type Leg = 'send' | 'recv';

/** Host, server-reflexive and relayed paths are all up within a second or two when they exist. */
const MEDIA_PATH_DEADLINE_MS = 10_000;

/** mediasoup-client's transport states in the ICE terms `IceRecovery` reads. */
const ICE_STATE: Record<msc.ConnectionState, RTCIceConnectionState> = {
  new: 'new',
  connecting: 'checking',
  connected: 'connected',
  disconnected: 'disconnected',
  failed: 'failed',
  closed: 'closed',
};

/** A live audio track that captures nothing: what the producer is created with before answer. */
function silentTrack(): { track: MediaStreamTrack; close(): void } {
  const ctx = new AudioContext();
  const track = ctx.createMediaStreamDestination().stream.getAudioTracks()[0];
  if (!track) throw new Error('no generated audio track');
  return { track, close: () => void ctx.close().catch(() => undefined) };
}

export class BrowserMediaEngine implements MediaEngine {
  private signalling: MediaSignalling | null = null;
  private readonly transports: Partial<Record<Leg, msc.Transport>> = {};
  private recvTransport: Promise<msc.Transport> | null = null;
  private sendTransport: msc.Transport | null = null;
  private producer: msc.Producer | null = null;
  private consumer: msc.Consumer | null = null;
  /** `media:consumer`s taken one at a time, in the order they came: the last one is what plays. */
  private consuming: Promise<void> = Promise.resolve();
  private track: MediaStreamTrack | null = null;
  private readonly player: HTMLAudioElement;
  private readonly unsubscribe: (() => void)[] = [];
  private muted = false;
  private stopped = false;
  private readonly recovery: Record<Leg, IceRecovery> = { send: new IceRecovery(), recv: new IceRecovery() };
  private readonly everConnected: Record<Leg, boolean> = { send: false, recv: false };
  private recoveryTimer: ReturnType<typeof setInterval> | null = null;
  private recovering = false;
  private noPathReported = false;

  /** The wire's nulls as RTCIceServer's absent members. */
  private get rtcIceServers(): RTCIceServer[] {
    return this.iceServers.map((s) => ({
      urls: s.urls,
      ...(s.username !== null ? { username: s.username } : {}),
      ...(s.credential !== null ? { credential: s.credential } : {}),
    }));
  }

  constructor(
    private readonly events: MediaEngineEvents,
    /** The STUN/TURN servers the welcome (or the last refresh) gave: every transport uses them. */
    private iceServers: IceServer[] = [],
  ) {
    this.player = document.createElement('audio');
    this.player.autoplay = true;
    this.player.hidden = true;
    this.player.dataset['role'] = 'remote-audio';
    document.body.append(this.player);
  }

  get capturing(): boolean {
    return this.track !== null;
  }

  /**
   * Fresh TURN credentials (`session:ice-servers`) for the live transports too, so that an ICE
   * restart after the first ones expired relays with valid ones (review M4). mediasoup-client's
   * `updateIceServers` sets them on the transport's RTCPeerConnection (`setConfiguration`,
   * mediasoup-client 3.18.7 lib/handlers/Chrome111.js:159-165); transports made later take them
   * from here.
   */
  setIceServers(servers: IceServer[]): void {
    this.iceServers = servers;
    const update = (t: msc.Transport) =>
      t.updateIceServers({ iceServers: this.rtcIceServers }).catch((err: unknown) => {
        // A transport closed with the call: nothing to update.
        if (!t.closed) console.warn('ICE servers not applied', err);
      });
    if (this.sendTransport) void update(this.sendTransport);
    void this.recvTransport?.then(update, () => undefined);
  }

  async prepare(signalling: MediaSignalling): Promise<void> {
    this.signalling = signalling;
    this.unsubscribe.push(
      signalling.on('media:consumer', ({ consumer }) => {
        const next = this.consuming.then(() => this.consume(consumer));
        this.consuming = next.catch(() => undefined);
        next.catch((err: unknown) => {
          console.warn('consume failed', err);
          if (!this.stopped) this.events.failed('the partner audio could not be received');
        });
      }),
    );
    // The send transport needs nothing from the device: asked for at once, it is not one more
    // round trip on the way to the first packet (the callee may answer before all this is done).
    const sendInfo = signalling.request('media:transport-create', { direction: 'send' });
    sendInfo.catch(() => undefined);
    const [{ Device }, { rtpCapabilities }] = await Promise.all([
      import('mediasoup-client'),
      signalling.request('media:capabilities', {}),
    ]);
    const device = new Device();
    // The server's zod schemas checked the shape; mediasoup-client checks the meaning.
    await device.load({ routerRtpCapabilities: rtpCapabilities as msc.RtpCapabilities });
    if (this.stopped) return;
    this.recvTransport = signalling
      .request('media:transport-create', { direction: 'recv', rtpCapabilities: device.rtpCapabilities })
      .then(({ transport }) =>
        this.wire(
          'recv',
          device.createRecvTransport({
            ...(transport as msc.TransportOptions),
            iceServers: this.rtcIceServers,
          }),
        ),
      );
    this.recvTransport.catch(() => undefined);
    const { transport } = await sendInfo;
    const send = this.wire(
      'send',
      device.createSendTransport({ ...(transport as msc.TransportOptions), iceServers: this.rtcIceServers }),
    );
    this.sendTransport = send;
    send.on('produce', ({ rtpParameters }, done, fail) => {
      signalling
        .request('media:produce', { transportId: send.id, kind: 'audio', rtpParameters })
        .then(({ producerId }) => done({ id: producerId }), fail);
    });
    const placeholder = silentTrack();
    try {
      this.producer = await send.produce({ track: placeholder.track, stopTracks: false });
      await this.producer.replaceTrack({ track: this.track });
    } finally {
      placeholder.track.stop();
      placeholder.close();
    }
    await this.recvTransport;
  }

  async start(): Promise<void> {
    if (this.track || this.stopped) return;
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    const track = stream.getAudioTracks()[0];
    if (!track) throw new Error('no microphone track');
    if (this.stopped) {
      track.stop();
      return;
    }
    track.enabled = !this.muted;
    this.track = track;
    await this.producer?.replaceTrack({ track });
    this.player.muted = false;
    this.player.play().catch(() => undefined);
  }

  hold(): void {
    this.track?.stop();
    this.track = null;
    void this.producer?.replaceTrack({ track: null });
    this.player.muted = true;
  }

  async setOutputDevice(deviceId: string): Promise<void> {
    await this.player.setSinkId(deviceId);
  }

  restartIce(): void {
    const send = this.transports.send;
    // A leg already being recovered gets its restarts from `IceRecovery`, on its own schedule.
    if (send && !this.stopped && !this.recovery.send.recovering) void this.restartLeg(send);
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    if (this.track) this.track.enabled = !muted;
  }

  async stats(): Promise<MediaStats> {
    return readStats(this.transports.recv ?? null, this.transports.send ?? null);
  }

  receivedAudio(): MediaStream | null {
    return this.player.srcObject instanceof MediaStream ? this.player.srcObject : null;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.recoveryTimer) clearInterval(this.recoveryTimer);
    this.unsubscribe.forEach((u) => u());
    this.track?.stop();
    this.track = null;
    this.transports.send?.close();
    this.transports.recv?.close();
    this.player.srcObject = null;
    this.player.remove();
  }

  private wire(leg: Leg, transport: msc.Transport): msc.Transport {
    const signalling = this.signalling;
    if (!signalling) throw new Error('prepare() first');
    if (this.stopped) transport.close();
    this.transports[leg] = transport;
    transport.on('connect', ({ dtlsParameters }, done, fail) => {
      this.watchFirstConnection(leg, transport);
      signalling
        .request('media:transport-connect', { transportId: transport.id, dtlsParameters })
        .then(() => done(), fail);
    });
    transport.on('connectionstatechange', () => this.checkLeg(leg));
    return transport;
  }

  /**
   * ICE starts when the transport first connects; a path that is not up by the deadline will not
   * come (Chromium can take half a minute to call it failed): say so while the call still rings.
   */
  private watchFirstConnection(leg: Leg, transport: msc.Transport): void {
    const timer = setTimeout(() => {
      if (!this.everConnected[leg] && !this.stopped && this.transports[leg] === transport)
        this.failNoPath(leg);
    }, MEDIA_PATH_DEADLINE_MS);
    transport.on('connectionstatechange', (state) => {
      if (state === 'connected' || state === 'closed') clearTimeout(timer);
    });
  }

  private failNoPath(leg: Leg): void {
    if (this.noPathReported) return;
    this.noPathReported = true;
    const relayed = this.iceServers.some((s) => s.urls.some((u) => u.startsWith('turn')));
    this.events.failed(
      `no network path for the audio (${leg} transport): ${relayed ? 'not even through the TURN relay' : 'no TURN relay is configured'}`,
    );
  }

  private async consume(info: ConsumerInfo): Promise<void> {
    const signalling = this.signalling;
    if (!signalling || !this.recvTransport) throw new Error('prepare() first');
    const transport = await this.recvTransport;
    if (this.stopped || this.consumer?.id === info.id) return;
    const consumer = await transport.consume({
      id: info.id,
      producerId: info.producerId,
      kind: info.kind,
      rtpParameters: info.rtpParameters as msc.RtpParameters,
    });
    // The server has closed the consumer this one replaces (the device it carried left the call):
    // its side here is closed once the new track plays, so nothing is left half open.
    const replaced = this.consumer;
    this.consumer = consumer;
    // mediasoup-client has no `producerclose` (only the server hears of it, and sends the next
    // consumer): a track that ends under us is let go, and the next `media:consumer` plays.
    consumer.on('trackended', () => this.dropConsumer(consumer));
    consumer.on('transportclose', () => this.dropConsumer(consumer));
    this.player.srcObject = new MediaStream([consumer.track]);
    // Autoplay may be refused before a user gesture; the call screen's gesture retries it.
    this.player.play().catch(() => undefined);
    replaced?.close();
  }

  private dropConsumer(consumer: msc.Consumer): void {
    if (this.consumer !== consumer) return;
    this.consumer = null;
    consumer.close();
  }

  /** Runs on every transport state change, and on a timer while a leg is down (grace and retry periods). */
  private checkLeg(leg: Leg): void {
    const transport = this.transports[leg];
    if (!transport || this.stopped) return;
    const state = ICE_STATE[transport.connectionState];
    if (state === 'connected') this.everConnected[leg] = true;
    if (state === 'failed' && !this.everConnected[leg]) {
      this.failNoPath(leg);
      return;
    }
    const step = this.recovery[leg].step(state, Date.now(), this.signalling?.online ?? false);
    if (step === 'give-up') {
      this.setRecovering(false);
      this.events.lost();
      return;
    }
    if (step === 'restart') void this.restartLeg(transport);
    this.setRecovering(this.recovery.send.recovering || this.recovery.recv.recovering);
  }

  private setRecovering(on: boolean): void {
    if (on && !this.recoveryTimer) {
      this.recoveryTimer = setInterval(() => {
        this.checkLeg('send');
        this.checkLeg('recv');
      }, 500);
    } else if (!on && this.recoveryTimer) {
      clearInterval(this.recoveryTimer);
      this.recoveryTimer = null;
    }
    if (on !== this.recovering) {
      this.recovering = on;
      this.events.recovering(on);
    }
  }

  private async restartLeg(transport: msc.Transport): Promise<void> {
    const signalling = this.signalling;
    if (!signalling) return;
    try {
      const { iceParameters } = await signalling.request('media:restart-ice', { transportId: transport.id });
      if (!this.stopped) await transport.restartIce({ iceParameters: iceParameters as msc.IceParameters });
    } catch (err) {
      // The next check retries after the retry period, until the deadline.
      console.warn('ICE restart failed', err);
    }
  }
}
