/**
 * The media engine inside the iOS shell: the peer connections live in the app process (the shell's
 * native engine, `ios-shell/Shell/Media`), where CallKit's audio session is, and this class drives
 * them over the bridge. The page keeps signalling: it forwards the native offer/answer to the
 * server (whose SDP edge turns them into SFU transports) and the server's to the shell. Capture starts only when the audio-activation step has
 * passed (`media.start`) and the shell has call audio (between `didActivate` and `didDeactivate`);
 * the shell says when with `media.capture`.
 */
import type { CallId, IceServer, NativeToWeb } from '@softphone/sfu/protocol';
import type { MediaEngine, MediaEngineEvents, MediaSignalling, MediaStats } from './media-engine.ts';
import type { ShellBridge } from './shell-bridge.ts';

/** The shell answers within a few ms; this only stops a lost answer from hanging the call. */
const REPLY_TIMEOUT_MS = 5_000;

export class IosMediaEngine implements MediaEngine {
  private signalling: MediaSignalling | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private _capturing = false;
  private stopped = false;
  private nextRequestId = 0;

  constructor(
    private readonly bridge: ShellBridge,
    private readonly callId: CallId,
    events: MediaEngineEvents,
    /** The page's STUN/TURN servers: the native engine's peer connections use the same. */
    private readonly iceServers: IceServer[] = [],
  ) {
    this.unsubscribe.push(
      bridge.on('media.capture', (m) => {
        if (m.callId === callId) this._capturing = m.capturing;
      }),
      bridge.on('media.failed', (m) => {
        if (m.callId === callId && !this.stopped) events.failed(m.why);
      }),
    );
  }

  get capturing(): boolean {
    return this._capturing;
  }

  async prepare(signalling: MediaSignalling): Promise<void> {
    this.signalling = signalling;
    this.unsubscribe.push(
      signalling.on('media:offer', ({ sdp }) => {
        this.acceptRemoteOffer(sdp).catch((err: unknown) => console.warn('subscribe failed', err));
      }),
    );
    const offer = this.reply('media.local-offer', () => true);
    // Before every call: the list (and its credentials) are the current ones when the shell makes
    // its peer connections.
    this.bridge.send({ type: 'media.ice-servers', iceServers: this.iceServers });
    this.bridge.send({ type: 'media.prepare', callId: this.callId });
    const { sdp: answer } = await signalling.request('media:publish', { sdp: (await offer).sdp });
    if (this.stopped) return;
    this.bridge.send({ type: 'media.publisher-answer', callId: this.callId, sdp: answer });
  }

  private async acceptRemoteOffer(sdp: string): Promise<void> {
    const signalling = this.signalling;
    if (!signalling) throw new Error('prepare() first');
    const answer = this.reply('media.local-answer', () => true);
    this.bridge.send({ type: 'media.subscriber-offer', callId: this.callId, sdp });
    const { sdp: local } = await answer;
    if (this.stopped) return;
    await signalling.request('media:subscribe-answer', { sdp: local });
  }

  start(): Promise<void> {
    if (!this.stopped) this.bridge.send({ type: 'media.start', callId: this.callId });
    return Promise.resolve();
  }

  /**
   * On iOS hold is CallKit's (callkit-link.ts sends it): its held action turns call audio off in the
   * shell, and resuming waits for CallKit to activate audio again.
   */
  hold(): void {
    // nothing to do in the page: see above
  }

  /** The route (receiver, speaker, Bluetooth) belongs to the system's picker on iOS. */
  setOutputDevice(): Promise<void> {
    return Promise.resolve();
  }

  setMuted(muted: boolean): void {
    this.bridge.send({ type: 'media.mute', callId: this.callId, muted });
  }

  async stats(): Promise<MediaStats> {
    const requestId = this.nextRequestId++;
    const reply = this.reply('media.stats', (m) => m.requestId === requestId);
    this.bridge.send({ type: 'media.stats-request', callId: this.callId, requestId });
    return (await reply).stats;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this._capturing = false;
    this.bridge.send({ type: 'media.stop', callId: this.callId });
    this.unsubscribe.forEach((u) => u());
  }

  /** The next message of `type` for this call that `match` accepts. */
  private reply<T extends 'media.local-offer' | 'media.local-answer' | 'media.stats'>(
    type: T,
    match: (m: Extract<NativeToWeb, { type: T }>) => boolean,
  ): Promise<Extract<NativeToWeb, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`the shell did not answer with ${type}`));
      }, REPLY_TIMEOUT_MS);
      const off = this.bridge.on(type, (m: Extract<NativeToWeb, { type: T }>) => {
        if ((m as { callId: CallId }).callId !== this.callId || !match(m)) return;
        clearTimeout(timer);
        off();
        resolve(m);
      });
    });
  }
}
