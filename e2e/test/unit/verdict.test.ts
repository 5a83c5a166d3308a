import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AudioWindow } from '@softphone/web/audio-monitor';
import { judgeDirection, verdictOf } from '../../src/audio/verdict.ts';

/**
 * Windows of 100 ms from t=1000, one per character: H heard, s silent, n no-media; with tones, C
 * is loud and carries the caller's signature, E loud and the callee's, M loud and both with the
 * callee's louder (a mix), X loud and nobody's (speech from another call).
 */
function windows(pattern: string): AudioWindow[] {
  const tones: Record<string, AudioWindow['tones']> = {
    C: { caller: 0.93, callee: 0.01 },
    E: { caller: 0.02, callee: 0.91 },
    M: { caller: 0.35, callee: 0.55 },
    X: { caller: 0.02, callee: 0.03 },
    s: { caller: 0, callee: 0 },
  };
  return [...pattern].map((c, i) => {
    const loud = c !== 's' && c !== 'n';
    const t = tones[c];
    return {
      at: 1000 + (i + 1) * 100,
      ms: 100,
      packetsPerSecond: c === 'n' ? 0 : 50,
      level: loud ? 0.3 : 0.0001,
      concealedRatio: 0,
      class: loud ? 'heard' : c === 'n' ? 'no-media' : 'silent',
      ...(t && pattern.match(/[CEMX]/) ? { tones: t } : {}),
    };
  });
}

describe('judgeDirection by level', () => {
  it('measures time to first audio from answer to the start of the first sustained run', () => {
    const d = judgeDirection(windows('sssHHHHHHH'), 1000, 3000);
    assert.equal(d.heard, true);
    assert.equal(d.judgedBy, 'level');
    assert.equal(d.timeToFirstAudioMs, 300);
    assert.equal(d.audibleRatio, 1);
  });
  it("takes the first heard window's recorded onset over its start", () => {
    const w = windows('sssHHHHHHH').map((x, i) => (i === 3 ? { ...x, onsetAt: 1375, onsetSpanMs: 50 } : x));
    assert.equal(judgeDirection(w, 1000, 3000).timeToFirstAudioMs, 375);
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
  it('judges speech (no partner signature) by level even when the windows carry tones', () => {
    const d = judgeDirection(windows('ssCCCCCC'), 1000, 3000, null);
    assert.deepEqual([d.heard, d.judgedBy, d.misrouted], [true, 'level', false]);
  });
  it('judges by level when the page recorded no tones (it was not asked to listen)', () => {
    const d = judgeDirection(windows('ssHHHHHH'), 1000, 3000, 'caller');
    assert.deepEqual([d.heard, d.judgedBy, d.misrouted], [true, 'level', false]);
  });
});

describe('judgeDirection by signature', () => {
  it("hears the partner's signature", () => {
    const d = judgeDirection(windows('ssCCCCCC'), 1000, 3000, 'caller');
    assert.deepEqual(
      [d.heard, d.judgedBy, d.misrouted, d.unheardCause],
      [true, 'signature', false, 'silent'],
    );
    assert.equal(d.timeToFirstAudioMs, 200);
  });
  it("calls loud audio carrying the receiver's own signature misrouted, not heard", () => {
    const d = judgeDirection(windows('ssEEEEEE'), 1000, 3000, 'caller');
    assert.deepEqual([d.heard, d.misrouted, d.unheardCause], [false, true, 'misrouted']);
    assert.equal(d.timeToFirstAudioMs, null);
  });
  it("calls a mix where another party's tones are louder than the partner's misrouted", () => {
    const d = judgeDirection(windows('ssMMMMMM'), 1000, 3000, 'caller');
    assert.deepEqual([d.heard, d.misrouted], [false, true]);
  });
  it("calls loud audio led by nobody's signature unrecognised: not heard, not misrouted", () => {
    // A starved page's audio glitches, or speech from elsewhere: no evidence of another party.
    const d = judgeDirection(windows('ssXXXXXX'), 1000, 3000, 'caller');
    assert.deepEqual([d.heard, d.misrouted, d.unheardCause], [false, false, 'unrecognised']);
  });
  it('keeps a heard run broken by unrecognised windows heard, with the gap counted', () => {
    const d = judgeDirection(windows('CCCCXXXCCC'), 1000, 3000, 'caller');
    assert.deepEqual([d.heard, d.misrouted, d.longestGapMs], [true, false, 300]);
  });
  it("hears the partner in the first second's weaker tones (gain control settling)", () => {
    const w = windows('ssCCCCCC').map((x) => (x.tones ? { ...x, tones: { caller: 0.3, callee: 0.01 } } : x));
    assert.deepEqual(judgeDirection(w, 1000, 3000, 'caller').heard, true);
  });
  it('calls someone else arriving mid-call misrouted, though the partner was heard first', () => {
    const d = judgeDirection(windows('CCCCCCEEEE'), 1000, 3000, 'caller');
    assert.deepEqual([d.heard, d.misrouted], [true, true]);
    assert.equal(d.longestGapMs, 400);
    // The evidence: where the foreign run starts after the measurement's start, how long, whose tones.
    assert.deepEqual(d.misroutedRun, { atMs: 600, ms: 400, shares: { caller: 0.02, callee: 0.91 } });
  });
  it('does not judge a window that began before the answer (a farm call was called misrouted so)', () => {
    // Answered at 1050: the first window (1000–1100) straddles it and carries the callee's own side.
    const d = judgeDirection(windows('EEECCCCCCC'), 1050, 2100, 'caller');
    assert.deepEqual([d.heard, d.misrouted], [true, false]);
  });
  it('ignores a foreign blip shorter than a heard run', () => {
    const d = judgeDirection(windows('CCCCEECCCC'), 1000, 3000, 'caller');
    assert.deepEqual([d.heard, d.misrouted, d.misroutedRun], [true, false, null]);
  });
  it('does not start the heard run at a foreign window', () => {
    const d = judgeDirection(windows('ssECCCCC'), 1000, 3000, 'caller');
    assert.equal(d.timeToFirstAudioMs, 300);
  });
});

describe('verdictOf', () => {
  const heard = judgeDirection(windows('HHHHH'), 1000, 3000);
  const silent = judgeDirection(windows('sssss'), 1000, 3000);
  const misrouted = judgeDirection(windows('EEEEE'), 1000, 3000, 'caller');
  it('two-way when both directions are heard', () => {
    assert.deepEqual(verdictOf({ 'caller->callee': heard, 'callee->caller': heard }), {
      verdict: 'two-way',
      silent: [],
      misrouted: [],
    });
  });
  it('one-way names the silent direction', () => {
    assert.deepEqual(verdictOf({ 'caller->callee': heard, 'callee->caller': silent }), {
      verdict: 'one-way',
      silent: ['callee->caller'],
      misrouted: [],
    });
  });
  it('no-audio when neither is heard', () => {
    assert.equal(verdictOf({ 'caller->callee': silent, 'callee->caller': silent }).verdict, 'no-audio');
  });
  it('misrouted, not two-way or one-way, when a direction heard someone else', () => {
    assert.deepEqual(verdictOf({ 'caller->callee': heard, 'callee->caller': misrouted }), {
      verdict: 'misrouted',
      silent: ['callee->caller'],
      misrouted: ['callee->caller'],
    });
    const alsoHeard = judgeDirection(windows('CCCCCEEEEE'), 1000, 3000, 'caller');
    assert.equal(verdictOf({ 'caller->callee': heard, 'callee->caller': alsoHeard }).verdict, 'misrouted');
  });
});
