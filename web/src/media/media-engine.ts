/**
 * What the call logic needs from a media implementation. The browser engine runs mediasoup-client
 * in the page; the iOS shell's native engine runs plain WebRTC in the app process, behind this same
 * interface (the server turns its SDP into SFU transports).
 *
 * Order of calls: prepare (while ringing: transports up, nothing captured or sent; the partner's
 * audio arrives through the signalling whenever the server has it) → start (only from the
 * audio-activation step) → setMuted* → stop.
 */
import type {
  IceServer,
  MediaPath,
  MediaPayload,
  MediaRequestName,
  RequestResult,
  ServerEventPayload,
} from '@softphone/sfu/protocol';

/** Server events an engine listens to, about its own call. */
export type MediaEventName = 'media:consumer' | 'media:offer';

/** The signalling a media engine needs, bound to one call (web/src/media/media-signalling.ts). */
export interface MediaSignalling {
  /** A media request for this call; rejects with the server's message when refused. */
  request<K extends MediaRequestName>(event: K, payload: MediaPayload<K>): Promise<RequestResult<K>>;
  /**
   * Whether a request can reach the server now: false while the signalling socket is down (a
   * request then waits in socket.io's buffer, and a reconnect may drop it).
   */
  readonly online: boolean;
  /** Listens to a media event for this call; returns the function that stops listening. */
  on<K extends MediaEventName>(event: K, listener: (payload: ServerEventPayload<K>) => void): () => void;
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
  /**
   * The upstream's STUN round trips so far: their sum (s) and count, for a mean over any
   * interval (the current one can be a single sample that straddled an outage).
   */
  roundTrips?: { total: number; responses: number };
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
  /** Starts (or, after hold, restarts) capture and sending. Only the audio-activation step calls this. */
  start(): Promise<void>;
  /** Stops capture and playout while the call stays connected; `start()` resumes. */
  hold(): void;
  /**
   * The server receives nothing from this device although the call is up (`media:restart-ice-please`):
   * restart ICE on the upstream, as after a network blip.
   */
  restartIce(): void;
  /**
   * Fresh STUN/TURN servers (the server refreshes TURN credentials before they expire): for the
   * live transports as well as the ones made from now on.
   */
  setIceServers(servers: IceServer[]): void;
  /** Plays the far end on this output (a `MediaDeviceInfo.deviceId`). */
  setOutputDevice(deviceId: string): Promise<void>;
  setMuted(muted: boolean): void;
  stats(): Promise<MediaStats>;
  /**
   * The far end's audio as the page plays it, for the QA rig's signature check; absent where the
   * page does not play it (the iOS shell's native engine).
   */
  receivedAudio?(): MediaStream | null;
  stop(): void;
  /** True once capture has started (the rig asserts nothing was captured before activation). */
  readonly capturing: boolean;
}
