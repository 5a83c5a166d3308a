/**
 * Models `ios-shell/Shell/Media/PeerConnectionLeg.swift` (twice) and the legs' recovery
 * (`IceRecovery.swift`), for one call of {@link NativeMediaEngine}: two plain
 * RTCPeerConnections speaking SDP, the party's upstream (publisher) and the partner's downstream
 * (subscriber), negotiated on the shell's own socket with the server's SDP edge, which turns them
 * into SFU transports (MediaSignalling.swift's events). While ringing the upstream is negotiated
 * with an empty sender, and the microphone is attached with `replaceTrack` when the shell allows
 * audio. The SFU is ICE-lite: no candidate is trickled. A leg that drops may heal by itself until
 * the recovery deadline, and is then lost.
 */
import type { MediaLeg } from '@softphone/sfu/protocol';
import { IceRecovery } from '../../media/ice-recovery.ts';
import type { MediaEngineEvents, MediaStats } from '../../media/media-engine.ts';
import { readStats } from '../../media/webrtc-stats.ts';

/** What the native engine says to the server's SDP edge (on the shell's own socket). */
export interface NativeSignalling {
  /** `media:publish`: the upstream's offer in, the SFU's answer out. */
  publish(sdp: string): Promise<string>;
  /** `media:subscribe-answer`: the answer to the server's `media:offer`. */
  answerSubscription(sdp: string): Promise<void>;
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
  private readonly recovery: Record<MediaLeg, IceRecovery> = {
    publisher: new IceRecovery(),
    subscriber: new IceRecovery(),
  };
  private readonly everConnected: Record<MediaLeg, boolean> = { publisher: false, subscriber: false };
  private recoveryTimer: ReturnType<typeof setInterval> | null = null;
  private recovering = false;

  constructor(
    private readonly events: MediaEngineEvents,
    /** From the page's `media.ice-servers`, as the shell's native engine gets them. */
    private readonly iceServers: RTCIceServer[] = [],
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
    track.enabled = !this.muted;
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
    if (this.track) this.track.enabled = !muted;
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
    if (this.recoveryTimer) clearInterval(this.recoveryTimer);
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
    pc.oniceconnectionstatechange = () => this.checkLeg(leg);
    return pc;
  }

  private legPc(leg: MediaLeg): RTCPeerConnection | null {
    return leg === 'publisher' ? this.publisher : this.subscriber;
  }

  /** Runs on every ICE state change, and on a timer while a leg is down (grace and retry periods). */
  private checkLeg(leg: MediaLeg): void {
    const pc = this.legPc(leg);
    if (!pc || this.stopped) return;
    const state = pc.iceConnectionState;
    if (state === 'connected' || state === 'completed') this.everConnected[leg] = true;
    if (state === 'failed' && !this.everConnected[leg]) {
      this.events.failed(`${leg} connection failed`);
      return;
    }
    const step = this.recovery[leg].step(state, Date.now());
    if (step === 'give-up') {
      this.setRecovering(false);
      this.events.lost();
      return;
    }
    this.setRecovering(this.recovery.publisher.recovering || this.recovery.subscriber.recovering);
  }

  private setRecovering(on: boolean): void {
    if (on && !this.recoveryTimer) {
      this.recoveryTimer = setInterval(() => {
        this.checkLeg('publisher');
        this.checkLeg('subscriber');
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
}
