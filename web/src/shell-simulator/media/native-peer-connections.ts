/**
 * Models `ios-shell/Shell/Media/PeerConnectionLeg.swift` (twice) and the legs' recovery
 * (`IceRecovery.swift`), for one call of {@link NativeMediaEngine}: two plain
 * RTCPeerConnections speaking SDP, the party's upstream (publisher) and the partner's downstream
 * (subscriber), negotiated on the shell's own socket with the server's SDP edge, which turns them
 * into SFU transports (MediaSignalling.swift's events). While ringing the upstream is negotiated
 * with an empty sender, and the microphone is attached with `replaceTrack` when the shell allows
 * audio. The SFU is ICE-lite: no candidate is trickled. A leg that drops gets the Swift's recovery
 * (ice-recovery.ts): a short grace, then real ICE restarts on the SDP edge, each with a heal
 * deadline; only after the last deadline is it lost.
 */
import type { MediaLeg } from '@softphone/sfu/protocol';
import type { MediaEngineEvents, MediaStats } from '../../media/media-engine.ts';
import { readStats } from '../../media/webrtc-stats.ts';
import { IceRecoveryDriver, type RecoveryEvent } from './ice-recovery.ts';

/** What the native engine says to the server's SDP edge (on the shell's own socket). */
export interface NativeSignalling {
  /** `media:publish`: the upstream's offer in, the SFU's answer out. */
  publish(sdp: string): Promise<string>;
  /** `media:subscribe-answer`: the answer to the server's `media:offer`. */
  answerSubscription(sdp: string): Promise<void>;
  /** `media:publish-restart`: the upstream's ICE-restart offer in, the restarted transport's answer out. */
  restartPublisher(sdp: string): Promise<string>;
  /** `media:subscribe-restart`: the SFU restarts the downstream's transport; its re-offer out. */
  restartSubscriber(): Promise<string>;
}

/** The page's engine events, and what the shell's engine logs of each restart. */
export interface NativeEngineEvents extends MediaEngineEvents {
  restarting(leg: MediaLeg, attempt: number, after: RecoveryEvent): void;
  /** A restart's negotiation failed (refused, or the socket is down): logged, the deadline decides. */
  notNegotiated(leg: MediaLeg, why: string): void;
}

const RTC_CONFIG: RTCConfiguration = { bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };

export class NativePeerConnections {
  private publisher: RTCPeerConnection | null = null;
  private subscriber: RTCPeerConnection | null = null;
  private sender: RTCRtpSender | null = null;
  private signalling: NativeSignalling | null = null;
  private track: MediaStreamTrack | null = null;
  private readonly player: HTMLAudioElement;
  private muted = false;
  private stopped = false;
  private readonly recovery = new IceRecoveryDriver({
    restart: (leg, attempt, after) => {
      this.events.restarting(leg, attempt, after);
      this.report();
      void this.restartIce(leg);
    },
    giveUp: () => this.events.lost(),
  });
  private recovering = false;
  /** The upstream's latest ICE restart (NativeMediaEngine.swift's `publisherRestart`). */
  private publisherRestart = 0;

  constructor(
    private readonly events: NativeEngineEvents,
    /** The page's `media.ice-servers` or the shell's own welcome, as the native engine gets them. */
    private readonly iceServers: RTCIceServer[] = [],
    /**
     * The app's permission to record: without it iOS records "only silence" (Apple, Audio Session
     * Programming Guide, "Protecting User Privacy"), so the track runs but carries nothing.
     */
    private readonly recordingAllowed: () => boolean = () => true,
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

  async prepare(signalling: NativeSignalling): Promise<void> {
    this.signalling = signalling;
    const pc = this.newPeerConnection('publisher');
    this.publisher = pc;
    this.sender = pc.addTransceiver('audio', { direction: 'sendonly' }).sender;
    await pc.setLocalDescription(await pc.createOffer());
    const answer = await signalling.publish(pc.localDescription?.sdp ?? '');
    if (this.stopped) return;
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  }

  /**
   * As the shell's engine: the first offer makes the subscriber connection, a later one (the same
   * offer sent to another of the device's sockets, one after a restart, or the device that answered
   * when the caller first heard another: the same m-section, a new stream) is answered on it, one
   * at a time.
   */
  acceptRemoteOffer(sdp: string): Promise<void> {
    const next = this.answering.then(() => this.answerOffer(sdp));
    this.answering = next.catch(() => undefined);
    return next;
  }

  private answering: Promise<void> = Promise.resolve();

  private async answerOffer(sdp: string): Promise<void> {
    const signalling = this.requireSignalling();
    let pc = this.subscriber;
    if (!pc) {
      pc = this.newPeerConnection('subscriber');
      this.subscriber = pc;
      pc.ontrack = (e) => {
        this.player.srcObject = e.streams[0] ?? new MediaStream([e.track]);
        // Autoplay may be refused before a user gesture; the call screen's gesture retries it.
        this.player.play().catch(() => undefined);
      };
    }
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    if (this.stopped) return;
    await signalling.answerSubscription(pc.localDescription?.sdp ?? '');
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
    track.enabled = !this.muted && this.recordingAllowed();
    this.track = track;
    await this.sender?.replaceTrack(track);
    this.player.muted = false;
    this.player.play().catch(() => undefined);
  }

  hold(): void {
    this.track?.stop();
    this.track = null;
    void this.sender?.replaceTrack(null);
    this.player.muted = true;
  }

  async setOutputDevice(deviceId: string): Promise<void> {
    await this.player.setSinkId(deviceId);
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    if (this.track) this.track.enabled = !muted && this.recordingAllowed();
  }

  async stats(): Promise<MediaStats> {
    return readStats(this.subscriber, this.publisher);
  }

  receivedAudio(): MediaStream | null {
    return this.player.srcObject instanceof MediaStream ? this.player.srcObject : null;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.recovery.reset();
    this.track?.stop();
    this.track = null;
    this.publisher?.close();
    this.subscriber?.close();
    this.player.srcObject = null;
    this.player.remove();
  }

  private requireSignalling(): NativeSignalling {
    if (!this.signalling) throw new Error('prepare() first');
    return this.signalling;
  }

  private newPeerConnection(leg: MediaLeg): RTCPeerConnection {
    const pc = new RTCPeerConnection({ ...RTC_CONFIG, iceServers: this.iceServers });
    // As PeerConnectionLeg.swift: the leg's RTCPeerConnectionState drives its recovery.
    pc.onconnectionstatechange = () => this.legChanged(leg, pc.connectionState);
    return pc;
  }

  /** The device changed network (NetworkMonitor.swift's path change): each leg's recovery hears it. */
  networkChanged(): void {
    for (const leg of ['publisher', 'subscriber'] as const)
      if (this.legPc(leg)) this.recovery.handle('network-changed', leg);
  }

  private legPc(leg: MediaLeg): RTCPeerConnection | null {
    return leg === 'publisher' ? this.publisher : this.subscriber;
  }

  private legChanged(leg: MediaLeg, state: RTCPeerConnectionState): void {
    if (this.stopped) return;
    if (state === 'connected' || state === 'disconnected' || state === 'failed')
      this.recovery.handle(state, leg);
    this.report();
  }

  /** As NativeMediaEngine.swift's reportOverallState: restarting while a restart heals, else connected once every leg is. */
  private report(): void {
    const legs = [this.publisher, this.subscriber].filter((pc) => pc !== null);
    const on = this.recovery.restarting;
    if (on === this.recovering || (!on && !legs.every((pc) => pc.connectionState === 'connected'))) return;
    this.recovering = on;
    this.events.recovering(on);
  }

  /**
   * As NativeMediaEngine.swift's restartIce: the upstream offers again with new ICE credentials
   * (`restartIce()`, then an offer: W3C webrtc-pc §4.4.1.6) and applies the restarted transport's
   * answer; the downstream has the SFU restart and re-offer, answered in turn with any other offer.
   * A negotiation that fails is only logged: the heal deadline decides.
   */
  private async restartIce(leg: MediaLeg): Promise<void> {
    const signalling = this.requireSignalling();
    try {
      if (leg === 'publisher') {
        const pc = this.publisher;
        if (!pc) return;
        const restart = ++this.publisherRestart;
        pc.restartIce();
        await pc.setLocalDescription(await pc.createOffer());
        const answer = await signalling.restartPublisher(pc.localDescription?.sdp ?? '');
        // An answer to an earlier restart carries credentials the SFU has since replaced.
        if (this.stopped || pc !== this.publisher || restart !== this.publisherRestart) return;
        await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      } else {
        await this.acceptRemoteOffer(await signalling.restartSubscriber());
      }
    } catch (err) {
      if (!this.stopped) this.events.notNegotiated(leg, String(err));
    }
  }
}
