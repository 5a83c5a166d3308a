/** A physical iPhone's audio per direction: its qa-stats lines for the downlink, the far end for the uplink. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AudioWindow } from '@softphone/web/audio-monitor';
import { downlinkWindows, judgeDownlink, parseQaStats } from '../../src/farm/qa-stats.ts';
import { judgeUplink, uplinkClass } from '../../src/farm/uplink-verdict.ts';

const SESSION =
  'category=AVAudioSessionCategoryPlayAndRecord mode=AVAudioSessionModeVoiceChat active=true rtcActive=true route=receiver';
const T = 1_700_000_000_000;

/** `n` one-second dir=down lines with the far end at RMS `level` (0: digital silence), packets at `pps`. */
function downLines(n: number, level: number, o: { pps?: number; playing?: boolean; session?: string } = {}) {
  const out = [];
  for (let s = 0; s <= n; s++) {
    const samples = o.playing === false ? 0 : s * 48_000;
    const message =
      `Softphone[312] <Notice>: qa-stats dir=down call=6f1c packets=${s * (o.pps ?? 50)} lost=0 level=${level.toFixed(3)} ` +
      `energy=${(level * level * (samples / 48_000)).toFixed(6)} concealed=0 samples=${samples} ${o.session ?? SESSION}`;
    const line = parseQaStats({ at: T + s * 1_000, message });
    assert.ok(line);
    out.push(line);
  }
  return out;
}

const window = (at: number, level: number, cls: AudioWindow['class'] = 'silent'): AudioWindow => ({
  at,
  ms: 100,
  packetsPerSecond: 50,
  level,
  concealedRatio: 0,
  class: cls,
});

describe('qa-stats lines', () => {
  it('parses the format QACallStatsLog.swift writes, "-" as no level', () => {
    const up = parseQaStats({
      at: T,
      message: `qa qa-stats dir=up call=6f1c packets=2450 level=- energy=0.84 uplink=known-signal ${SESSION}`,
    });
    assert.deepEqual(up, {
      at: T,
      dir: 'up',
      call: '6f1c',
      packets: 2450,
      level: null,
      energy: 0.84,
      lost: 0,
      concealed: 0,
      samples: 0,
      playoutRms: null,
      uplink: 'known-signal',
      session: {
        category: 'AVAudioSessionCategoryPlayAndRecord',
        mode: 'AVAudioSessionModeVoiceChat',
        active: 'true',
        rtcActive: 'true',
        route: 'receiver',
      },
    });
    assert.equal(parseQaStats({ at: T, message: 'milestone=answered call=6f1c' }), null);
  });

  it('downlink: a far-end signal is heard; digital silence, no packets and no playout are not, each named', () => {
    assert.equal(judgeDownlink(downLines(4, 0.2), T, T + 5_000).heard, true);
    assert.deepEqual(
      downlinkWindows(downLines(2, 0)).map((w) => w.class),
      ['silent', 'silent'],
    );
    assert.deepEqual(
      downlinkWindows(downLines(2, 0.2, { pps: 0 })).map((w) => w.class),
      ['no-media', 'no-media'],
    );
    assert.deepEqual(
      downlinkWindows(downLines(2, 0.2, { playing: false })).map((w) => w.class),
      ['no-playout', 'no-playout'],
    );
  });

  it('an audio session that is not active plays nothing, whatever NetEq counts', () => {
    const inactive = SESSION.replace('active=true', 'active=false');
    const d = judgeDownlink(downLines(4, 0.2, { session: inactive }), T, T + 5_000);
    assert.equal(d.heard, false);
  });
});

describe('uplink at the far end', () => {
  const run = (level: number, ms: number, cls: AudioWindow['class'] = 'silent') =>
    Array.from({ length: ms / 100 }, (_, i) => window(T + (i + 1) * 100, level, cls));

  it('a live microphone: a noise floor above digital silence for 2 s counts, with its onset', () => {
    const v = judgeUplink(run(0.002, 3_000), T, T + 3_000, { knownSignal: false });
    assert.equal(v.heard, true);
    assert.equal(v.seen, 'noise-floor');
    assert.equal(v.timeToFirstAudioMs, 0);
  });

  it('digital silence (a dead capture path) and no packets are not a working uplink', () => {
    assert.equal(judgeUplink(run(3e-5, 5_000), T, T + 5_000, { knownSignal: false }).seen, 'digital-silence');
    assert.equal(judgeUplink(run(3e-5, 5_000), T, T + 5_000, { knownSignal: false }).heard, false);
    const none = judgeUplink(run(0, 5_000, 'no-media'), T, T + 5_000, { knownSignal: false });
    assert.deepEqual([none.heard, none.seen], [false, 'no-media']);
  });

  it('a capture-start burst over digital silence is not a live microphone', () => {
    const burst = [...run(0.012, 300), ...run(3e-5, 4_000).map((w) => ({ ...w, at: w.at + 300 }))];
    assert.equal(judgeUplink(burst, T, T + 5_000, { knownSignal: false }).heard, false);
  });

  it('known-signal mode: only the tone counts, a noise floor does not', () => {
    assert.equal(judgeUplink(run(0.002, 5_000), T, T + 5_000, { knownSignal: true }).heard, false);
    const tone = judgeUplink(run(0.17, 1_000, 'heard'), T, T + 1_000, {
      knownSignal: true,
      sfuTalking: true,
    });
    assert.deepEqual([tone.heard, tone.seen, tone.sfuTalking], [true, 'signal', true]);
  });

  it('classes by level: < 1e-4 digital silence, < HEARD_LEVEL noise floor, above it signal', () => {
    assert.deepEqual(
      [5e-5, 5e-4, 0.05].map((l) => uplinkClass(window(T, l))),
      ['digital-silence', 'noise-floor', 'signal'],
    );
  });
});
