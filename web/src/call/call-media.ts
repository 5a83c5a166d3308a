/**
 * One call's media resources, which are not UI state: the engine, the audio monitor, and the
 * milestones the quality summary and the test rig read. Created when the call exists (caller:
 * invite acknowledged; callee: incoming), so transport is up while ringing.
 */
import {
  pathKind,
  type CallId,
  type MediaPath,
  type PathKind,
  type QualitySummary,
} from '@softphone/sfu/protocol';
import { AudioMonitor } from '../media/audio-monitor.ts';
import type { CallQuality } from '../media/call-quality.ts';
import type { QualityMeter } from '../media/quality-meter.ts';
import type { MediaEngine } from '../media/media-engine.ts';
import type { CallMediaSignalling, MediaEvent } from '../media/media-signalling.ts';

/** Epoch-ms milestones of a call (its answer time is the call's own `answeredAt`, not a mark). */
export interface CallMarks {
  dialedAt?: number;
  incomingAt?: number;
  ringingAt?: number;
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

export class CallMedia {
  readonly monitor: AudioMonitor;
  /** Set when the audio-activation step failed during the call. */
  activationFailure: 'not-activated' | 'failed' | undefined;
  /** The kind of path the media goes over, from the last sample that had a selected pair. */
  pathKind: PathKind | null = null;
  /** Told each time {@link pathKind} changes (the device report follows the path). */
  onPathKind: ((kind: PathKind) => void) | null = null;
  /** The page was frozen (document `freeze` … `resume`) since the call began. */
  pageFrozen = false;
  private signalling: CallMediaSignalling | null = null;

  /**
   * `measured`: the connection's quality after each stats sample (null: nothing to judge yet, or
   * no audio expected, as on hold); the same samples the monitor reads, so no second getStats.
   */
  constructor(
    readonly callId: CallId,
    readonly engine: MediaEngine,
    readonly marks: CallMarks,
    measured: (quality: CallQuality | null) => void = () => {},
  ) {
    let meter: QualityMeter | null = null;
    // Loaded with the call, not before the page is interactive (bench:bundle); if it cannot load,
    // the call goes on without an indicator.
    import('../media/quality-meter.ts').then(
      (m) => (meter = new m.QualityMeter()),
      () => undefined,
    );
    this.monitor = new AudioMonitor(async () => {
      const sample = await engine.stats();
      this.sampled(sample.path ?? null);
      if (meter) measured(meter.add(sample));
      return sample;
    });
  }

  private sampled(path: MediaPath | null): void {
    if (!path) return;
    const kind = pathKind(path);
    if (kind === this.pathKind) return;
    this.pathKind = kind;
    this.onPathKind?.(kind);
  }

  /**
   * Brings the transport up (nothing is captured until the audio-activation step). A failure (the
   * engine's code could not load, the server refused a request) is the call's: `failed` says why,
   * unless the call was stopped meanwhile (its requests are refused then).
   */
  prepare(signalling: CallMediaSignalling, failed: (why: string) => void): void {
    this.signalling = signalling;
    this.monitor.start();
    this.engine.prepare(signalling).catch((err: unknown) => {
      if (this.marks.endedAt !== undefined) return;
      failed(`the audio could not be set up: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  /** A media event about this call (the partner's audio) for the engine. */
  deliver(e: MediaEvent): void {
    this.signalling?.deliver(e);
  }

  stop(): void {
    this.marks.endedAt = Date.now();
    this.monitor.stop();
    this.engine.stop();
  }

  /** The last candidate pair the received audio went over (kept through a last sample without one). */
  private get path(): MediaPath | null {
    return this.monitor.latest?.path ?? null;
  }

  /** What this side measured, kept with the call in history. */
  quality(answeredAt: number): QualitySummary {
    const last = this.monitor.latest;
    const heardAt = this.monitor.firstHeardAt;
    return {
      heard: heardAt !== null,
      timeToFirstAudioMs: heardAt !== null ? Math.max(0, heardAt - answeredAt) : null,
      packetsReceived: last?.inbound?.packetsReceived ?? 0,
      packetsLost: Math.max(0, last?.inbound?.packetsLost ?? 0),
      jitterMs: Math.round((last?.inbound?.jitter ?? 0) * 1000 * 10) / 10,
      roundTripMs: last?.roundTripTime != null ? Math.round(last.roundTripTime * 1000 * 10) / 10 : null,
      ...(this.activationFailure ? { activationFailure: this.activationFailure } : {}),
      ...(this.path ? { path: this.path } : {}),
    };
  }
}
