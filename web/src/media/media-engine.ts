/**
 * What the call logic needs from a media implementation. The browser engine runs WebRTC in the
 * page; the iOS shell's native engine (issue 4) runs it in the app process, behind this same interface.
 *
 * Order of calls: prepare (while ringing: transport up, nothing captured or sent) → acceptRemoteOffer
 * (whenever the partner's downstream is ready) → start (only from the audio-activation step) →
 * setMuted* → stop.
 */
import type { MediaPath, IceCandidate, MediaLeg } from '@softphone/sfu/protocol';

/** The signalling a media engine needs, bound to one call. */
export interface MediaSignalling {
  publish(sdp: string): Promise<string>;
  answerSubscription(sdp: string): Promise<void>;
  trickle(leg: MediaLeg, candidate: IceCandidate | null): Promise<void>;
  /**
   * ICE restart. Upstream: our new offer in, the answer out. Downstream: no SDP in, the server's
   * new offer out (answer it with {@link answerSubscription}).
   */
  restartIce(leg: MediaLeg, offerSdp?: string): Promise<string>;
}

/** Cumulative counters from the engine's peer connections (WebRTC stats names). */
export interface MediaStats {
  /** Epoch ms when sampled. */
  at: number;
  inbound: {
    packetsReceived: number;
    packetsLost: number;
    totalSamplesReceived: number;
    concealedSamples: number;
    totalAudioEnergy: number;
    totalSamplesDuration: number;
    jitter: number;
    /** Seconds, summed over emitted samples; with the count, the jitter buffer's mean delay. */
    jitterBufferDelay?: number;
    jitterBufferEmittedCount?: number;
  } | null;
  outbound: { packetsSent: number } | null;
  /** The local capture's own level (0..1): tells "mic dead" from "path broken". */
  sourceLevel: number | null;
  roundTripTime: number | null;
  /** The received audio's candidate pair (engines that can tell). */
  path?: MediaPath | null;
}

export interface MediaEngineEvents {
  /** The media path could not be set up. */
  failed(why: string): void;
  /** The media path dropped and is being recovered (true), or is back (false). */
  recovering(on: boolean): void;
  /** The media path dropped and could not be recovered: the call is over. */
  lost(): void;
}

export interface MediaEngine {
  prepare(signalling: MediaSignalling): Promise<void>;
  acceptRemoteOffer(sdp: string): Promise<void>;
  /** Starts (or, after hold, restarts) capture and sending. Only the audio-activation step calls this. */
  start(): Promise<void>;
  /** Stops capture and playout while the call stays connected; `start()` resumes. */
  hold(): void;
  /** Plays the far end on this output (a `MediaDeviceInfo.deviceId`). */
  setOutputDevice(deviceId: string): Promise<void>;
  setMuted(muted: boolean): void;
  stats(): Promise<MediaStats>;
  stop(): void;
  /** True once capture has started (the rig asserts nothing was captured before activation). */
  readonly capturing: boolean;
}
