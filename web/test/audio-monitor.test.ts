import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AudioMonitor, classifyWindow, HEARD_LEVEL, MIN_WINDOW_MS } from '../src/media/audio-monitor.ts';
import type { MediaStats } from '../src/media/media-engine.ts';

function stats(at: number, packets: number, samples: number, energy: number, duration: number): MediaStats {
  return {
    at,
    inbound: {
      packetsReceived: packets,
      packetsLost: 0,
      totalSamplesReceived: samples,
      concealedSamples: 0,
      totalAudioEnergy: energy,
      totalSamplesDuration: duration,
      jitter: 0,
    },
    outbound: null,
    sourceLevel: null,
    roundTripTime: null,
  };
}

describe('classifyWindow (one-way-audio method)', () => {
  const t0 = stats(0, 0, 0, 0, 0);
  it('calls a window with ~50 packets/s and a tone-level signal heard', () => {
    // 100 ms, 5 packets, 4800 samples, RMS 0.1 → energy = 0.1² × 0.1 s
    const w = classifyWindow(t0, stats(100, 5, 4800, 0.01 * 0.1, 0.1));
    assert.equal(w?.class, 'heard');
    assert.ok(Math.abs((w?.level ?? 0) - 0.1) < 1e-9);
  });
  it('calls digital silence (a disabled sender still sends packets) silent, not heard', () => {
    const w = classifyWindow(t0, stats(100, 5, 4800, 3e-5 ** 2 * 0.1, 0.1));
    assert.equal(w?.class, 'silent');
    assert.ok((w?.level ?? 1) < HEARD_LEVEL);
  });
  it('calls packets without samples no-playout (track not attached to an element)', () => {
    assert.equal(classifyWindow(t0, stats(100, 5, 0, 0, 0))?.class, 'no-playout');
  });
  it('calls a window with too few packets no-media', () => {
    assert.equal(classifyWindow(t0, stats(100, 1, 960, 0.01, 0.02))?.class, 'no-media');
  });
  it('returns null before any inbound stream exists', () => {
    assert.equal(classifyWindow(t0, { ...t0, at: 100, inbound: null }), null);
  });
});

describe('AudioMonitor windows (at least MIN_WINDOW_MS long)', () => {
  const never = () => Promise.reject(new Error('not polled in this test'));
  /** A steady 50 packets/s tone, sampled at the given times (ms). */
  const steady = (at: number) => stats(at, at / 20, at * 48, (0.1 ** 2 * at) / 1000, at / 1000);

  it('reads a steady stream sampled with jitter as heard in every window', () => {
    const m = new AudioMonitor(never);
    // Samples 40–110 ms apart, the packets handed over in bursts of 3 every 60 ms (50/s): as
    // windows from sample to sample this stream reads 0–75 packets/s.
    let at = 0;
    for (const gap of [40, 110, 50, 60, 100, 45, 70, 110, 40, 90, 55, 100, 60, 80, 105, 50]) {
      at += gap;
      const s = steady(at);
      m.add({ ...s, inbound: s.inbound && { ...s.inbound, packetsReceived: 3 * Math.floor(at / 60) } });
    }
    assert.ok(m.windows.length >= 4);
    assert.deepEqual(new Set(m.windows.map((w) => w.class)), new Set(['heard']));
    assert.ok(m.windows.every((w) => w.ms >= MIN_WINDOW_MS));
  });
  it('closes a window over a stillness: packets that stop are a no-media window', () => {
    const m = new AudioMonitor(never);
    m.add(steady(0));
    m.add(steady(200));
    m.add({ ...steady(200), at: 400 });
    assert.deepEqual(
      m.windows.map((w) => w.class),
      ['heard', 'no-media'],
    );
  });
  it('takes a sample inside the window as the same window (a cached report is no window)', () => {
    const m = new AudioMonitor(never);
    m.add(steady(0));
    m.add({ ...steady(0), at: 50 });
    assert.equal(m.windows.length, 0);
    assert.equal(m.latest?.at, 0);
  });
});
