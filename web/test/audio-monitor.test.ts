import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyWindow, HEARD_LEVEL, isStale, STALE_AFTER_MS } from '../src/media/audio-monitor.ts';
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

describe('isStale (getStats refreshes about every 100 ms)', () => {
  const prev = stats(1000, 50, 48000, 1, 1);
  it('skips a sample whose counters have not moved yet', () => {
    assert.equal(isStale(prev, { ...prev, at: 1050 }), true);
  });
  it('keeps a sample whose counters moved', () => {
    assert.equal(isStale(prev, stats(1050, 55, 52800, 1.1, 1.1)), false);
  });
  it('keeps a sample after a long stillness: that is a no-media window, not a stale cache', () => {
    assert.equal(isStale(prev, { ...prev, at: 1000 + STALE_AFTER_MS }), false);
  });
});
