/**
 * A media engine whose implementation is fetched when a call first needs it (a dynamic `import()`),
 * so that WebRTC's code is not part of what the page loads before it is interactive. Calls made
 * while it loads are replayed on the loaded engine in the order they were made: a `stop()` during
 * loading stays after the `prepare()` it followed.
 */
import type { IceServer } from '@softphone/sfu/protocol';
import type { MediaEngine, MediaSignalling, MediaStats } from './media-engine.ts';

interface Waiting {
  run(engine: MediaEngine): void;
  fail(err: unknown): void;
}

export class LazyMediaEngine implements MediaEngine {
  private engine: MediaEngine | null = null;
  private failure: { err: unknown } | null = null;
  private waiting: Waiting[] = [];

  constructor(load: () => Promise<MediaEngine>) {
    load().then(
      (engine) => {
        this.engine = engine;
        for (const w of this.waiting.splice(0)) w.run(engine);
      },
      (err: unknown) => {
        this.failure = { err };
        for (const w of this.waiting.splice(0)) w.fail(err);
      },
    );
  }

  get capturing(): boolean {
    return this.engine?.capturing ?? false;
  }

  prepare(signalling: MediaSignalling): Promise<void> {
    return this.call((e) => e.prepare(signalling));
  }

  start(): Promise<void> {
    return this.call((e) => e.start());
  }

  setOutputDevice(deviceId: string): Promise<void> {
    return this.call((e) => e.setOutputDevice(deviceId));
  }

  stats(): Promise<MediaStats> {
    return this.call((e) => e.stats());
  }

  receivedAudio(): MediaStream | null {
    return this.engine?.receivedAudio?.() ?? null;
  }

  hold(): void {
    this.tell((e) => e.hold());
  }

  setMuted(muted: boolean): void {
    this.tell((e) => e.setMuted(muted));
  }

  restartIce(): void {
    this.tell((e) => e.restartIce());
  }

  setIceServers(servers: IceServer[]): void {
    this.tell((e) => e.setIceServers(servers));
  }

  stop(): void {
    this.tell((e) => e.stop());
  }

  /** An asynchronous call: it fails with the load's error if the engine could not be loaded. */
  private call<T>(op: (engine: MediaEngine) => Promise<T>): Promise<T> {
    if (this.engine) return op(this.engine);
    if (this.failure) return Promise.reject(this.failure.err);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ run: (e) => op(e).then(resolve, reject), fail: reject });
    });
  }

  /** A synchronous call: without an engine there is nothing to hold, mute, restart or stop. */
  private tell(op: (engine: MediaEngine) => void): void {
    if (this.engine) op(this.engine);
    else if (!this.failure) this.waiting.push({ run: op, fail: () => {} });
  }
}
