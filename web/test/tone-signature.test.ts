import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  matchedSignature,
  meanShares,
  SIGNATURE_SHARE,
  signatureShares,
} from '../src/media/tone-signature.ts';

const SIGNATURES = { caller: [440, 660], callee: [550, 825] };

/** `n` samples of a phase-continuous tone whose frequency at sample i is `f(i)`. */
function tone(rate: number, n: number, f: (i: number) => number, amplitude = 0.3): number[] {
  let phase = 0;
  return Array.from({ length: n }, (_, i) => {
    phase += (2 * Math.PI * f(i)) / rate;
    return amplitude * Math.sin(phase);
  });
}

/** A deterministic noise (a linear congruential generator), −0.5..0.5. */
function noise(n: number, amplitude = 0.3): number[] {
  let x = 12345;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return amplitude * (x / 2 ** 31 - 0.5);
  });
}

describe('signatureShares (Goertzel over a Hann-windowed block)', () => {
  for (const rate of [48_000, 44_100]) {
    it(`finds the partner's tones and not the other party's, at ${rate} Hz`, () => {
      const shares = signatureShares(
        tone(rate, 4096, () => 550),
        rate,
        SIGNATURES,
      );
      const { caller = NaN, callee = NaN } = shares ?? {};
      assert.ok(callee > 0.9, `callee ${callee}`);
      assert.ok(caller < 0.05, `caller ${caller}`);
      assert.equal(matchedSignature(shares ?? {}), 'callee');
    });
  }
  it("counts both of a signature's tones: a block across the switch is still the signature's", () => {
    const shares = signatureShares(
      tone(48_000, 4096, (i) => (i < 2048 ? 440 : 660)),
      48_000,
      SIGNATURES,
    );
    assert.equal(matchedSignature(shares ?? {}), 'caller');
  });
  it("reads a party's own tones as its own (a loop back is told apart from the partner)", () => {
    const shares = signatureShares(
      tone(48_000, 4096, () => 660),
      48_000,
      SIGNATURES,
    );
    assert.equal(matchedSignature(shares ?? {}), 'caller');
  });
  it('gives no match for another frequency, or for noise', () => {
    const other = signatureShares(
      tone(48_000, 4096, () => 1000),
      48_000,
      SIGNATURES,
    );
    assert.equal(matchedSignature(other ?? {}), null);
    const { caller = NaN, callee = NaN } = signatureShares(noise(4096), 48_000, SIGNATURES) ?? {};
    assert.ok(caller < 0.1 && callee < 0.1, `caller ${caller}, callee ${callee}`);
  });
  it("measures a mix by each party's share of its energy, and matches the louder", () => {
    // The callee at half the caller's amplitude: a quarter of the caller's energy.
    const a = tone(48_000, 4096, () => 440);
    const b = tone(48_000, 4096, () => 825, 0.15);
    const shares = signatureShares(
      a.map((x, i) => x + (b[i] ?? 0)),
      48_000,
      SIGNATURES,
    );
    const { caller = NaN, callee = NaN } = shares ?? {};
    assert.ok(
      Math.abs(caller - 0.8) < 0.02 && Math.abs(callee - 0.2) < 0.02,
      `caller ${caller}, callee ${callee}`,
    );
    assert.equal(matchedSignature(shares ?? {}), 'caller');
  });
  it("keeps a loud sound 40 Hz off a signature's tone out of its share (Hann: little leakage)", () => {
    for (const f of [400, 480, 700]) {
      const { caller = NaN, callee = NaN } =
        signatureShares(
          tone(48_000, 4096, () => f),
          48_000,
          SIGNATURES,
        ) ?? {};
      assert.ok(caller < 0.01 && callee < 0.01, `${f} Hz: caller ${caller}, callee ${callee}`);
    }
  });
  it('returns null for silence, however quiet the signal it would hold', () => {
    assert.equal(signatureShares(new Float32Array(4096), 48_000, SIGNATURES), null);
    assert.equal(
      signatureShares(
        tone(48_000, 4096, () => 440, 1e-4),
        48_000,
        SIGNATURES,
      ),
      null,
    );
    assert.equal(signatureShares([], 48_000, SIGNATURES), null);
  });
});

describe('matchedSignature', () => {
  it('matches at the share threshold and not below it', () => {
    assert.equal(matchedSignature({ caller: SIGNATURE_SHARE, callee: 0 }), 'caller');
    assert.equal(matchedSignature({ caller: SIGNATURE_SHARE - 0.001, callee: 0 }), null);
  });
  it('takes the larger share when both reach it (the louder party of a mix)', () => {
    assert.equal(matchedSignature({ caller: 0.3, callee: 0.6 }), 'callee');
    assert.equal(matchedSignature({ caller: 0.6, callee: 0.3 }), 'caller');
  });
});

describe('meanShares (a window of probe readings)', () => {
  it('averages each signature over the readings', () => {
    const readings = [
      { caller: 1, callee: 0 },
      { caller: 0.5, callee: 0.25 },
    ];
    assert.deepEqual(meanShares(readings), { caller: 0.75, callee: 0.125 });
  });
  it('gives nothing for no readings (a window of silence)', () => {
    assert.equal(meanShares([]), undefined);
  });
});
