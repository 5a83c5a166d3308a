import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import {
  AudioMonitor,
  classifyWindow,
  HEARD_LEVEL,
  MIN_PACKETS_PER_SECOND,
  MIN_WINDOW_MS,
  ONSET_POLL_MS,
  type TonesProbe,
} from '../src/media/audio-monitor.ts';
import type { MediaStats } from '../src/media/media-engine.ts';
import type { ToneShares } from '../src/media/tone-signature.ts';

function stats(
  at: number,
  packets: number,
  samples: number,
  energy: number,
  duration: number,
  concealed = 0,
): MediaStats {
  return {
    at,
    inbound: {
      packetsReceived: packets,
      packetsLost: 0,
      totalSamplesReceived: samples,
      concealedSamples: concealed,
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

/**
 * Cumulative counters of a stream from t=0: `pps` packets/s, played at RMS `level` (48 kHz), with
 * `concealed` of its samples concealed.
 */
function stream(at: number, level: number, pps = 50, concealed = 0): MediaStats {
  const s = at / 1000;
  return stats(at, pps * s, 48_000 * s, level ** 2 * s, s, concealed * 48_000 * s);
}

interface Delta {
  ms: number;
  packets?: number;
  samples?: number;
  energy?: number;
  duration?: number;
}

/** The sample `d.ms` after `prev`, its counters grown by `d` (a stream that changes mid-call). */
function after(prev: MediaStats, d: Delta): MediaStats {
  const a = prev.inbound ?? stats(0, 0, 0, 0, 0).inbound;
  if (!a) throw new Error('no inbound');
  return {
    ...prev,
    at: prev.at + d.ms,
    inbound: {
      ...a,
      packetsReceived: a.packetsReceived + (d.packets ?? 0),
      totalSamplesReceived: a.totalSamplesReceived + (d.samples ?? 0),
      totalAudioEnergy: a.totalAudioEnergy + (d.energy ?? 0),
      totalSamplesDuration: a.totalSamplesDuration + (d.duration ?? 0),
    },
  };
}

/** `ms` more of a 50 packets/s stream played at RMS `level`. */
const playing = (ms: number, level: number): Delta => ({
  ms,
  packets: (50 * ms) / 1000,
  samples: 48 * ms,
  energy: (level ** 2 * ms) / 1000,
  duration: ms / 1000,
});

/** Adds each segment's end sample in turn. */
function play(m: AudioMonitor, from: MediaStats, segments: { ms: number; level: number }[]): void {
  let cur = from;
  for (const seg of segments) {
    cur = after(cur, playing(seg.ms, seg.level));
    m.add(cur);
  }
}

describe('classifyWindow reads the window, not the totals since the call began', () => {
  const loud = stream(10_000, 0.3, 50, 0.5);
  it('a stream whose counters stop after loud seconds is no-media', () => {
    assert.equal(classifyWindow(loud, after(loud, { ms: 200 }))?.class, 'no-media');
  });
  it('packets that keep flowing with the energy stopped are silent', () => {
    const w = classifyWindow(loud, after(loud, { ...playing(200, 0.3), energy: 0 }));
    assert.equal(w?.class, 'silent');
    assert.equal(w?.level, 0);
    assert.equal(w?.packetsPerSecond, 50);
  });
  it("reads the window's own level and concealment", () => {
    const w = classifyWindow(loud, after(loud, playing(200, 0.05)));
    assert.ok(Math.abs((w?.level ?? 0) - 0.05) < 1e-9, `level ${w?.level}`);
    assert.equal(w?.concealedRatio, 0);
    assert.equal(w?.ms, 200);
  });
  it('no playout: packets arrive but no samples are played', () => {
    assert.equal(classifyWindow(loud, after(loud, { ms: 200, packets: 10 }))?.class, 'no-playout');
  });
});

describe('classifyWindow thresholds', () => {
  const t0 = stats(0, 0, 0, 0, 0);
  it(`is no-media below ${MIN_PACKETS_PER_SECOND} packets/s and has media at it`, () => {
    // 1 s windows: packets/s is the packet count.
    const at = (packets: number, level: number) =>
      classifyWindow(t0, stats(1000, packets, 48_000, level ** 2, 1))?.class;
    assert.equal(at(MIN_PACKETS_PER_SECOND - 1, 0.3), 'no-media');
    assert.equal(at(MIN_PACKETS_PER_SECOND, 0.3), 'heard');
  });
  it(`is silent below ${HEARD_LEVEL} and heard at it`, () => {
    const at = (level: number) => classifyWindow(t0, stats(1000, 50, 48_000, level ** 2, 1))?.class;
    assert.equal(at(HEARD_LEVEL * 0.999), 'silent');
    assert.equal(at(HEARD_LEVEL), 'heard');
  });
});

describe('AudioMonitor: the first heard window', () => {
  const never = () => Promise.reject(new Error('not polled in this test'));
  it('latches when audio is first heard, at its onset, and not again', () => {
    const m = new AudioMonitor(never);
    m.add(stream(0, 0));
    const start = stream(1000, 0.0001);
    m.add(start);
    assert.equal(m.firstHeardAt, null);
    // 50 ms polls: silent to 1150, loud from 1150 on.
    play(m, start, [
      { ms: 50, level: 0.0001 },
      { ms: 50, level: 0.0001 },
      { ms: 50, level: 0.0001 },
      { ms: 50, level: 0.3 },
      { ms: 50, level: 0.3 },
    ]);
    const heard = m.windows.find((w) => w.class === 'heard');
    assert.ok(heard, JSON.stringify(m.windows));
    assert.equal(heard.onsetAt, 1175);
    assert.equal(heard.onsetSpanMs, 50);
    assert.equal(m.firstHeardAt, 1175);
    play(m, stream(1250, 0.3), [
      { ms: 100, level: 0 },
      { ms: 100, level: 0 },
      { ms: 200, level: 0.3 },
    ]);
    assert.ok(m.windows.filter((w) => w.class === 'heard').length >= 2);
    assert.equal(m.firstHeardAt, 1175);
  });
  it('records no onset in a window that is not heard', () => {
    const m = new AudioMonitor(never);
    m.add(stream(0, 0));
    // A quiet start inside the window: its 50 ms are at the heard level, the window is not.
    play(m, stream(0, 0), [
      { ms: 50, level: 0.025 },
      { ms: 150, level: 0 },
    ]);
    assert.equal(m.windows[0]?.class, 'silent');
    assert.equal(m.windows[0]?.onsetAt, undefined);
  });
});

describe('AudioMonitor: whose audio (the tones probe)', () => {
  const never = () => Promise.reject(new Error('not polled in this test'));
  /** A probe whose takes are given (the real one reads Web Audio, which Node has not). */
  const probe = (takes: (ToneShares | undefined)[], closed: string[] = [], name = ''): TonesProbe => ({
    read: () => undefined,
    take: () => takes.shift(),
    close: () => closed.push(name),
  });
  it("records what the probe took at each window's end, and nothing when it took nothing", () => {
    const m = new AudioMonitor(never);
    m.listen(probe([undefined, { caller: 0.8, callee: 0.1 }, undefined]));
    m.add(stream(0, 0.3));
    m.add(stream(100, 0.3));
    m.add(stream(200, 0.3));
    m.add(stream(400, 0.3));
    assert.deepEqual(
      m.windows.map((w) => w.tones),
      [{ caller: 0.8, callee: 0.1 }, undefined],
    );
  });
  it('records no tones without a probe', () => {
    const m = new AudioMonitor(never);
    m.add(stream(0, 0.3));
    m.add(stream(200, 0.3));
    assert.equal(m.windows[0]?.tones, undefined);
  });
  it('closes the probe it is given when stopped or replaced', () => {
    const m = new AudioMonitor(never);
    const closed: string[] = [];
    m.listen(probe([], closed, 'a'));
    m.listen(probe([], closed, 'b'));
    m.stop();
    assert.deepEqual(closed, ['a', 'b']);
  });
});

describe('AudioMonitor polling', () => {
  it(`polls every ${ONSET_POLL_MS} ms until heard, then at its interval; one poll at a time`, async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const pending: ((s: MediaStats) => void)[] = [];
    let asked = 0;
    const m = new AudioMonitor(() => {
      asked++;
      return new Promise((resolve) => pending.push(resolve));
    }, 100);
    m.start();
    t.mock.timers.tick(ONSET_POLL_MS);
    assert.equal(asked, 1);
    // A slow getStats: the next ticks start no second poll.
    t.mock.timers.tick(ONSET_POLL_MS * 3);
    assert.equal(asked, 1);
    const answer = async (s: MediaStats) => {
      pending.shift()?.(s);
      await new Promise((r) => setImmediate(r));
    };
    await answer(stream(0, 0.3));
    let at = 0;
    while (m.firstHeardAt === null) {
      t.mock.timers.tick(ONSET_POLL_MS);
      at += ONSET_POLL_MS;
      await answer(stream(at, 0.3));
    }
    const before = asked;
    t.mock.timers.tick(ONSET_POLL_MS);
    assert.equal(asked, before, 'still polling at the onset rate once heard');
    t.mock.timers.tick(100 - ONSET_POLL_MS);
    assert.equal(asked, before + 1);
    await answer(stream(at + 100, 0.3));
    m.stop();
    t.mock.timers.tick(1000);
    assert.equal(asked, before + 1, 'polled after stop');
  });
  it('takes a rejected sample as no sample: no unhandled rejection, polling goes on', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    let calls = 0;
    const m = new AudioMonitor(() => {
      calls++;
      return calls === 1 ? Promise.reject(new Error('engine not loaded')) : Promise.resolve(stream(0, 0));
    });
    const unhandled = mock.fn();
    process.on('unhandledRejection', unhandled);
    m.start();
    t.mock.timers.tick(ONSET_POLL_MS);
    await new Promise((r) => setImmediate(r));
    t.mock.timers.tick(ONSET_POLL_MS);
    await new Promise((r) => setImmediate(r));
    m.stop();
    process.off('unhandledRejection', unhandled);
    assert.equal(calls, 2);
    assert.equal(m.latest?.at, 0);
    assert.equal(unhandled.mock.callCount(), 0);
  });
  it('keeps at most 3000 windows, dropping the oldest', () => {
    const m = new AudioMonitor(() => Promise.reject(new Error('not polled')));
    for (let i = 0; i <= 3001; i++) m.add(stream(i * MIN_WINDOW_MS, 0.3));
    assert.equal(m.windows.length, 3000);
    assert.equal(m.windows[0]?.at, 2 * MIN_WINDOW_MS);
  });
});
