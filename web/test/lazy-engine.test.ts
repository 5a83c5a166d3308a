import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LazyMediaEngine } from '../src/media/lazy-engine.ts';
import type { MediaEngine, MediaSignalling, MediaStats } from '../src/media/media-engine.ts';

/** An engine that writes down what it was asked, in order (WebRTC itself does not run in Node). */
class RecordingEngine implements MediaEngine {
  readonly calls: string[] = [];
  capturing = false;
  async prepare(_s: MediaSignalling): Promise<void> {
    this.calls.push('prepare');
  }
  async start(): Promise<void> {
    this.calls.push('start');
    this.capturing = true;
  }
  hold(): void {
    this.calls.push('hold');
  }
  restartIce(): void {
    this.calls.push('restartIce');
  }
  setIceServers(): void {
    this.calls.push('setIceServers');
  }
  async setOutputDevice(deviceId: string): Promise<void> {
    this.calls.push(`output ${deviceId}`);
  }
  setMuted(muted: boolean): void {
    this.calls.push(`muted ${muted}`);
  }
  async stats(): Promise<MediaStats> {
    return { at: 1, inbound: null, outbound: null, sourceLevel: null, roundTripTime: null };
  }
  stop(): void {
    this.calls.push('stop');
  }
}

const signalling = {} as MediaSignalling;

/** A load the test finishes when it wants, standing for the engine's chunk arriving. */
function deferredLoad() {
  let finish!: (e: MediaEngine) => void;
  let fail!: (err: Error) => void;
  const loaded = new Promise<MediaEngine>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { load: () => loaded, finish, fail };
}

describe('the lazily loaded media engine', () => {
  it('replays the calls made while it loads, in the order they were made', async () => {
    const d = deferredLoad();
    const lazy = new LazyMediaEngine(d.load);
    const prepared = lazy.prepare(signalling);
    lazy.setMuted(true);
    const output = lazy.setOutputDevice('speaker');
    lazy.stop();
    const real = new RecordingEngine();
    d.finish(real);
    await Promise.all([prepared, output]);
    assert.deepEqual(real.calls, ['prepare', 'muted true', 'output speaker', 'stop']);
  });

  it('captures nothing until the loaded engine does', async () => {
    const d = deferredLoad();
    const lazy = new LazyMediaEngine(d.load);
    const started = lazy.start();
    assert.equal(lazy.capturing, false);
    d.finish(new RecordingEngine());
    await started;
    assert.equal(lazy.capturing, true);
  });

  it('passes calls straight through once loaded', async () => {
    const real = new RecordingEngine();
    const lazy = new LazyMediaEngine(async () => real);
    await lazy.prepare(signalling);
    lazy.hold();
    assert.deepEqual(real.calls, ['prepare', 'hold']);
    assert.equal((await lazy.stats()).at, 1);
  });

  it('fails the calls that wait for an answer when the engine cannot be loaded', async () => {
    const d = deferredLoad();
    const lazy = new LazyMediaEngine(d.load);
    const prepared = lazy.prepare(signalling);
    lazy.stop();
    d.fail(new Error('chunk failed to load'));
    await assert.rejects(prepared, /chunk failed to load/);
    await assert.rejects(lazy.start(), /chunk failed to load/);
    lazy.setMuted(true);
  });
});
