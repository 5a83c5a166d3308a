/**
 * The ringtone and the ringback, synthesised with Web Audio (no files to fetch): one period of each
 * is rendered into a buffer and looped, so the pattern is sample-exact and stopping is one call.
 */
import type { RingSound } from '../call/phone-state.ts';
import type { RingPlayer } from '../call/ring-sound.ts';

/** Chromium's `AudioContext.setSinkId` (not in TypeScript's DOM types yet). */
interface SinkSelectable {
  setSinkId(sinkId: string): Promise<void>;
}

/** One period of a sound: its length and its sample at time `t` (seconds) within it. */
interface Pattern {
  period: number;
  sample(t: number): number;
}

/** Gain ramps at each burst's edges, so bursts don't click. */
const EDGE = 0.01;
const envelope = (t: number, start: number, end: number): number =>
  t < start || t >= end ? 0 : Math.min(1, (t - start) / EDGE, (end - t) / EDGE);

const TWO_PI = 2 * Math.PI;

const PATTERNS: Record<RingSound, Pattern> = {
  // The North American ringback (ITU-T E.180): 440 + 480 Hz, 2 s on, 4 s off.
  ringback: {
    period: 6,
    sample: (t) => envelope(t, 0, 2) * 0.12 * (Math.sin(TWO_PI * 440 * t) + Math.sin(TWO_PI * 480 * t)),
  },
  // A trill unlike any line tone: 2 s alternating 880 / 1100 Hz every 50 ms, then 2 s off. Each
  // alternation is a whole number of cycles of both tones (44 and 55), so it switches without a click.
  ringtone: {
    period: 4,
    sample: (t) =>
      envelope(t, 0, 2) * 0.2 * Math.sin(TWO_PI * (Math.floor(t / 0.05) % 2 === 0 ? 880 : 1100) * t),
  },
};

function render(ctx: BaseAudioContext, p: Pattern): AudioBuffer {
  const buffer = ctx.createBuffer(1, Math.round(p.period * ctx.sampleRate), ctx.sampleRate);
  const data = buffer.getChannelData(0);
  for (let i = 0; i < data.length; i++) data[i] = p.sample(i / ctx.sampleRate);
  return buffer;
}

/**
 * Plays one sound at a time on `ctx`. The context is not suspended between rings: each ring would
 * then read as blocked until it runs again. Where Chromium lets
 * a context choose its output it does so itself; elsewhere its sound goes through an `<audio>`
 * element, which can (`HTMLMediaElement.setSinkId`).
 */
export class Ringer implements RingPlayer {
  /** Everything the ringer plays passes here: the QA build's probe listens on it. */
  readonly output: GainNode;
  private readonly buffers = new Map<RingSound, AudioBuffer>();
  private readonly element: HTMLAudioElement | null = null;
  private source: AudioBufferSourceNode | null = null;

  constructor(
    readonly ctx: AudioContext,
    private readonly blocked: (blocked: boolean) => void,
  ) {
    this.output = ctx.createGain();
    if (!('setSinkId' in ctx) && 'setSinkId' in HTMLMediaElement.prototype) {
      const stream = ctx.createMediaStreamDestination();
      this.output.connect(stream);
      this.element = new Audio();
      this.element.srcObject = stream.stream;
    } else {
      this.output.connect(ctx.destination);
    }
    // Suspended until a gesture (autoplay rules), running once it came: said as it changes.
    ctx.addEventListener('statechange', () => {
      if (this.source) this.blocked(ctx.state !== 'running');
    });
    // Chromium starts a blocked context only when resume() is called after a gesture.
    for (const type of ['pointerdown', 'keydown'] as const)
      window.addEventListener(
        type,
        () => {
          if (this.source && ctx.state === 'suspended') void ctx.resume();
        },
        { capture: true },
      );
  }

  play(sound: RingSound): void {
    this.stop();
    const source = this.ctx.createBufferSource();
    source.buffer = this.buffer(sound);
    source.loop = true;
    source.connect(this.output);
    source.start();
    this.source = source;
    void this.element?.play().catch(() => undefined);
    // Without a gesture Chromium leaves resume() pending and the state 'suspended'.
    void this.ctx.resume();
    const ctx = this.ctx;
    queueMicrotask(() => {
      if (this.source === source) this.blocked(ctx.state !== 'running');
    });
  }

  stop(): void {
    const source = this.source;
    if (!source) return;
    this.source = null;
    source.stop();
    source.disconnect();
    this.element?.pause();
  }

  setOutput(deviceId: string): void {
    const target: SinkSelectable | null =
      'setSinkId' in this.ctx ? (this.ctx as unknown as SinkSelectable) : this.element;
    // A device that went away leaves the sound where it was: ringing matters more than where.
    void target?.setSinkId(deviceId).catch((err: unknown) => console.warn('ring output not set', err));
  }

  private buffer(sound: RingSound): AudioBuffer {
    let b = this.buffers.get(sound);
    if (!b) this.buffers.set(sound, (b = render(this.ctx, PATTERNS[sound])));
    return b;
  }
}
