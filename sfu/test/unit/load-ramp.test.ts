/** The load bench's window arithmetic and its stop rule (sfu/bench/load/ramp.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cores,
  stopReason,
  windowMedia,
  type StepFigures,
  type StreamCounters,
} from '../../bench/load/ramp.ts';

const counters = (entries: [string, StreamCounters][]) => new Map(entries);
const stream = (packetCount: number, packetsLost: number, jitterMs = 1): StreamCounters => ({
  packetCount,
  packetsLost,
  jitterMs,
});

const healthy: StepFigures = {
  calls: 100,
  failedCalls: 0,
  media: { streams: 200, lossPct: 0.1, jitterP95Ms: 3, silent: 0 },
  busiestWorkerCpu: 0.5,
};

describe('load bench: a window of stream counters', () => {
  it('loss is what went missing in the window, of what was expected, over all streams', () => {
    const start = counters([
      ['a', stream(1_000, 10)],
      ['b', stream(500, 0)],
    ]);
    // a: 990 received, 10 lost; b: 1000 received, 0 lost → 10 of 2000.
    const end = counters([
      ['a', stream(1_990, 20)],
      ['b', stream(1_500, 0)],
    ]);
    const m = windowMedia(start, end);
    assert.equal(m.streams, 2);
    assert.equal(m.lossPct, 0.5);
    assert.equal(m.silent, 0);
  });

  it('a stream that appeared during the window is not counted, a count that steps back is no gain', () => {
    const start = counters([['a', stream(100, 5)]]);
    const end = counters([
      ['a', stream(200, 3)],
      ['new', stream(50, 50)],
    ]);
    assert.deepEqual(windowMedia(start, end), { streams: 1, lossPct: 0, jitterP95Ms: 1, silent: 0 });
  });

  it('a stream that received nothing is silent; jitter is the p95 of the streams', () => {
    const ids = Array.from({ length: 20 }, (_, i) => `s${i}`);
    const start = counters(ids.map((id) => [id, stream(0, 0)]));
    const end = counters(ids.map((id, i) => [id, stream(i === 0 ? 0 : 50, 0, i + 1)]));
    const m = windowMedia(start, end);
    assert.equal(m.silent, 1);
    // Nearest rank of 20 at 95 %: the 19th smallest of 1..20.
    assert.equal(m.jitterP95Ms, 19);
  });

  it('CPU time over wall time is cores', () => {
    assert.equal(cores(1_000_000, 2_500_000, 2_000), 0.75);
  });
});

describe('load bench: the ramp stops', () => {
  it('goes on within every limit, and at exactly a limit', () => {
    assert.equal(stopReason(healthy), null);
    assert.equal(
      stopReason({
        ...healthy,
        media: { ...healthy.media, lossPct: 0.5, jitterP95Ms: 20 },
        busiestWorkerCpu: 0.8,
      }),
      null,
    );
  });

  it('when a call failed or a stream went silent', () => {
    assert.match(stopReason({ ...healthy, failedCalls: 1 }) ?? '', /1 call\(s\) failed/);
    assert.match(stopReason({ ...healthy, media: { ...healthy.media, silent: 2 } }) ?? '', /2 stream/);
  });

  it('when loss passes 0.5 %, p95 jitter 20 ms, or the busiest worker 80 % of a core', () => {
    assert.match(stopReason({ ...healthy, media: { ...healthy.media, lossPct: 0.51 } }) ?? '', /^loss/);
    assert.match(stopReason({ ...healthy, media: { ...healthy.media, jitterP95Ms: 20.5 } }) ?? '', /jitter/);
    assert.match(stopReason({ ...healthy, busiestWorkerCpu: 0.81 }) ?? '', /worker CPU/);
  });
});
