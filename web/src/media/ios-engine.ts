/**
 * The media engine inside the iOS shell: the peer connections live in the app process (the shell's
 * native engine, `ios-shell/Shell/Media`), where CallKit's audio session is, and the shell
 * negotiates them with the server on its own socket (bridge v2): the page neither relays SDP nor
 * starts capture. The shell captures only between `didActivate` and `didDeactivate` of an answered
 * call and says so with `media.capture`; the page's part is mute, the output, and the stats its
 * audio monitor reads.
 */
import { AudioOutputSchema, type CallId, type IceServer, type NativeToWeb } from '@softphone/sfu/protocol';
import type { MediaEngine, MediaEngineEvents, MediaStats } from './media-engine.ts';
import type { ShellBridge } from './shell-bridge.ts';

/** The shell answers within a few ms; this only stops a lost answer from hanging the call. */
const REPLY_TIMEOUT_MS = 5_000;

export class IosMediaEngine implements MediaEngine {
  private readonly unsubscribe: (() => void)[] = [];
  private _capturing = false;
  private stopped = false;
  private nextRequestId = 0;

  constructor(
    private readonly bridge: ShellBridge,
    private readonly callId: CallId,
    events: MediaEngineEvents,
    /** The page's STUN/TURN servers: the native engine's peer connections use the same. */
    private iceServers: IceServer[] = [],
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

  /**
   * The shell negotiates over its own socket once the server has the device in the call (its
   * `media:publish`, and the `media:offer` the server sends every socket of the device): the page's
   * signalling is not used. The ICE servers go first, with their current credentials, for the
   * peer connections the shell makes for this call.
   */
  prepare(): Promise<void> {
    this.bridge.send({ type: 'media.ice-servers', iceServers: this.iceServers });
    return Promise.resolve();
  }

  /**
   * callkit-link.ts sends the shell every refresh of the page's list too; this one keeps a
   * `prepare` replayed after a refresh (LazyMediaEngine: the engine's code was loading) from
   * sending the shell the list this engine was made with last. The shell sets each list on its
   * live peer connections (NativeMediaEngine.swift `setIceServers`); the same list twice is harmless.
   */
  setIceServers(servers: IceServer[]): void {
    this.iceServers = servers;
    this.bridge.send({ type: 'media.ice-servers', iceServers: servers });
  }

  /** Capture is the shell's: it starts with CallKit's `didActivate` for an answered call. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  /** Hold is the shell's (`callkit.hold`); resuming waits for CallKit to activate audio again. */
  hold(): void {
    // nothing to do in the page: see above
  }

  /** The shell hears the server's request on its own socket and restarts its own peer connection. */
  restartIce(): void {
    // nothing to do in the page: see above
  }

  setOutputDevice(deviceId: string): Promise<void> {
    const output = AudioOutputSchema.safeParse(deviceId);
    if (output.success && !this.stopped)
      this.bridge.send({ type: 'audio.output', callId: this.callId, output: output.data });
    return Promise.resolve();
  }

  setMuted(muted: boolean): void {
    this.bridge.send({ type: 'media.mute', callId: this.callId, muted });
  }

  async stats(): Promise<MediaStats> {
    const requestId = this.nextRequestId++;
    const reply = this.reply((m) => m.requestId === requestId);
    this.bridge.send({ type: 'media.stats-request', callId: this.callId, requestId });
    return (await reply).stats;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this._capturing = false;
    this.unsubscribe.forEach((u) => u());
  }

  private reply(
    match: (m: Extract<NativeToWeb, { type: 'media.stats' }>) => boolean,
  ): Promise<Extract<NativeToWeb, { type: 'media.stats' }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error('the shell did not answer with media.stats'));
      }, REPLY_TIMEOUT_MS);
      const off = this.bridge.on('media.stats', (m) => {
        if (m.callId !== this.callId || !match(m)) return;
        clearTimeout(timer);
        off();
        resolve(m);
      });
    });
  }
}
