import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyQuality,
  figuresBetween,
  qualityWords,
  QUALITY_SPAN_MS,
  QualityMeter,
} from '../src/media/quality-meter.ts';
import type { MediaStats } from '../src/media/media-engine.ts';

/** A cumulative sample: `received` and `lost` packets so far, jitter in s, round trips (sum s, count). */
function sample(
  at: number,
  received: number,
  lost: number,
  o: { jitter?: number; rtt?: number | null; trips?: [number, number]; relay?: boolean } = {},
): MediaStats {
  return {
    at,
    inbound: {
      packetsReceived: received,
      packetsLost: lost,
      totalSamplesReceived: 0,
      concealedSamples: 0,
      totalAudioEnergy: 0,
      totalSamplesDuration: 0,
      jitter: o.jitter ?? 0.005,
    },
    outbound: null,
    sourceLevel: null,
    roundTripTime: o.rtt === undefined ? 0.04 : o.rtt,
    ...(o.trips ? { roundTrips: { total: o.trips[0], responses: o.trips[1] } } : {}),
    path: {
      local: o.relay ? 'relay' : 'host',
      remote: 'host',
      relayProtocol: o.relay ? 'udp' : null,
      protocol: 'udp',
    },
  };
}

describe('classifyQuality', () => {
  const fine = { loss: 0, jitterMs: 5, roundTripMs: 40 };

  it('is good when every figure is within its good bound, bounds included', () => {
    assert.deepEqual(classifyQuality(fine), { level: 'good', cause: null });
    assert.deepEqual(classifyQuality({ loss: 0.01, jitterMs: 30, roundTripMs: 300 }), {
      level: 'good',
      cause: null,
    });
    assert.deepEqual(classifyQuality({ ...fine, roundTripMs: null }), { level: 'good', cause: null });
  });

  it('is fair between the bounds and poor past them, per figure (G.114 for delay)', () => {
    assert.deepEqual(classifyQuality({ ...fine, loss: 0.03 }), { level: 'fair', cause: 'loss' });
    assert.deepEqual(classifyQuality({ ...fine, loss: 0.06 }), { level: 'poor', cause: 'loss' });
    assert.deepEqual(classifyQuality({ ...fine, jitterMs: 40 }), { level: 'fair', cause: 'jitter' });
    assert.deepEqual(classifyQuality({ ...fine, jitterMs: 51 }), { level: 'poor', cause: 'jitter' });
    assert.deepEqual(classifyQuality({ ...fine, roundTripMs: 301 }), { level: 'fair', cause: 'delay' });
    assert.deepEqual(classifyQuality({ ...fine, roundTripMs: 801 }), { level: 'poor', cause: 'delay' });
  });

  it('takes the worst figure: fair loss and poor delay is poor, because of the delay', () => {
    assert.deepEqual(classifyQuality({ loss: 0.02, jitterMs: 5, roundTripMs: 900 }), {
      level: 'poor',
      cause: 'delay',
    });
  });
});

describe('figuresBetween', () => {
  it('counts loss over the span only, not since the call began', () => {
    // 100 lost early on, none since: the span's loss is 0, not 100 / 600.
    const f = figuresBetween(sample(0, 400, 100), sample(5_000, 650, 100));
    assert.equal(f?.loss, 0);
    const g = figuresBetween(sample(0, 400, 100), sample(5_000, 640, 110));
    assert.equal(g?.loss, 10 / 250);
  });

  it('takes the mean round trip over the span when the engine counts them', () => {
    const f = figuresBetween(
      sample(0, 0, 0, { rtt: 0.05, trips: [1, 20] }),
      sample(5_000, 250, 0, { rtt: 0.05, trips: [3, 25] }),
    );
    assert.equal(f?.roundTripMs, 400);
    assert.equal(figuresBetween(sample(0, 0, 0), sample(5_000, 250, 0, { rtt: null }))?.roundTripMs, null);
  });

  it('says nothing with too few packets expected (the call just began, or is on hold)', () => {
    assert.equal(figuresBetween(sample(0, 1_000, 0), sample(5_000, 1_020, 0)), null);
  });
});

describe('QualityMeter', () => {
  it('judges the last span, so a burst of loss passes once it is older than the span', () => {
    const m = new QualityMeter();
    let q = null;
    let received = 0;
    let lost = 0;
    // 50 packets/s for 20 s, sampled every 100 ms; 40 packets lost in one second at 6–7 s.
    const levels: string[] = [];
    for (let at = 0; at <= 20_000; at += 100) {
      if (at > 6_000 && at <= 7_000) lost += 4;
      else received += 5;
      q = m.add(sample(at, received, lost));
      if (q) levels.push(`${at}:${q.level}`);
    }
    const at = (ms: number) => levels.find((l) => l.startsWith(`${ms}:`))?.split(':')[1];
    assert.equal(at(5_000), 'good');
    assert.equal(at(7_000), 'poor');
    assert.equal(at(6_000 + QUALITY_SPAN_MS), 'poor');
    assert.equal(at(7_100 + QUALITY_SPAN_MS), 'good');
    assert.equal(q?.level, 'good');
  });

  it('says whether the media goes through a relay', () => {
    const m = new QualityMeter();
    m.add(sample(0, 0, 0, { relay: true }));
    assert.deepEqual(m.add(sample(2_000, 100, 0, { relay: true })), {
      level: 'good',
      cause: null,
      relayed: true,
    });
  });

  it('ignores a sample that is not newer than the last (a cached stats report)', () => {
    const m = new QualityMeter();
    m.add(sample(0, 0, 0));
    assert.notEqual(m.add(sample(2_000, 100, 0)), null);
    assert.equal(m.add(sample(2_000, 100, 0)), null);
  });
});

describe('qualityWords', () => {
  it('says plainly when the connection is weak and why', () => {
    assert.equal(
      qualityWords({ level: 'poor', cause: 'loss', relayed: false }),
      'Your connection is weak: some of the sound is being lost',
    );
    assert.equal(
      qualityWords({ level: 'fair', cause: 'delay', relayed: false }),
      'Connection fair: the sound arrives late',
    );
    assert.equal(qualityWords({ level: 'good', cause: null, relayed: true }), 'Connection good');
  });
});
