import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AudioWindow } from '@softphone/web/audio-monitor';
import { judgeDirection, verdictOf } from '../../src/audio/verdict.ts';

/** Windows of 100 ms from t=1000, one per character: H heard, s silent, n no-media. */
function windows(pattern: string): AudioWindow[] {
  return [...pattern].map((c, i) => ({
    at: 1000 + (i + 1) * 100,
    ms: 100,
    packetsPerSecond: c === 'n' ? 0 : 50,
    level: c === 'H' ? 0.3 : 0.0001,
    concealedRatio: 0,
    class: c === 'H' ? 'heard' : c === 'n' ? 'no-media' : 'silent',
  }));
}

describe('judgeDirection', () => {
  it('measures time to first audio from answer to the start of the first sustained run', () => {
    const d = judgeDirection(windows('sssHHHHHHH'), 1000, 3000);
    assert.equal(d.heard, true);
    assert.equal(d.timeToFirstAudioMs, 400);
    assert.equal(d.audibleRatio, 1);
  });
  it('ignores a short blip over the threshold (a silent far side settling)', () => {
    const d = judgeDirection(windows('ssHHssssssss'), 1000, 3000);
    assert.equal(d.heard, false);
    assert.equal(d.timeToFirstAudioMs, null);
  });
  it('reports gaps and the audible ratio after audio arrived', () => {
    const d = judgeDirection(windows('HHHHssssHHHH'), 1000, 3000);
    assert.equal(d.longestGapMs, 400);
    assert.equal(d.audibleRatio, 0.667);
  });
  it('only counts windows between answer and the end of the measurement', () => {
    const d = judgeDirection(windows('HHHHHsssss'), 1600, 3000);
    assert.equal(d.heard, false);
    assert.equal(d.windows, 4);
  });
});

describe('verdictOf', () => {
  const heard = judgeDirection(windows('HHHHH'), 1000, 3000);
  const silent = judgeDirection(windows('sssss'), 1000, 3000);
  it('two-way when both directions are heard', () => {
    assert.deepEqual(verdictOf({ 'caller->callee': heard, 'callee->caller': heard }), {
      verdict: 'two-way',
      silent: [],
    });
  });
  it('one-way names the silent direction', () => {
    assert.deepEqual(verdictOf({ 'caller->callee': heard, 'callee->caller': silent }), {
      verdict: 'one-way',
      silent: ['callee->caller'],
    });
  });
  it('no-audio when neither is heard', () => {
    assert.equal(verdictOf({ 'caller->callee': silent, 'callee->caller': silent }).verdict, 'no-audio');
  });
});
