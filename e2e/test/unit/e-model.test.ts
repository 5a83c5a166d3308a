/** The E-model (ITU-T G.107) against its published reference points and its own equations. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  OPUS,
  R_DEFAULT,
  delayImpairment,
  effectiveEquipmentImpairment,
  estimateMos,
  mosFromR,
} from '../../src/audio/e-model.ts';

const near = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} is not ${expected} ± ${tol}`);

describe('E-model (ITU-T G.107)', () => {
  it('gives R = 93.2 and MOS 4.41 with every parameter at its default (G.107 §7, Annex B)', () => {
    assert.equal(R_DEFAULT, 93.2);
    const e = estimateMos({ oneWayDelayMs: 0, lossPercent: 0 });
    assert.equal(e.r, 93.2);
    near(e.mos, 4.41, 0.005, 'MOS at R = 93.2');
  });

  it('maps R to MOS as Annex B does: 1 at R ≤ 0, 4.5 at R ≥ 100, R = 50 → 2.58, R = 80 → 4.02', () => {
    assert.equal(mosFromR(-5), 1);
    assert.equal(mosFromR(0), 1);
    assert.equal(mosFromR(100), 4.5);
    near(mosFromR(50), 2.575, 0.001, 'R = 50');
    near(mosFromR(60), 3.1, 0.001, 'R = 60');
    near(mosFromR(80), 4.024, 0.001, 'R = 80');
  });

  it('charges nothing for delay up to 100 ms, then more the longer it is', () => {
    assert.equal(delayImpairment(0), 0);
    assert.equal(delayImpairment(100), 0);
    // X = 1 at 200 ms: 25 · ((2)^(1/6) − 3 · (1 + 3⁻⁶)^(1/6) + 2).
    near(delayImpairment(200), 25 * (2 ** (1 / 6) - 3 * (1 + 3 ** -6) ** (1 / 6) + 2), 1e-9, 'Idd(200)');
    const at = [150, 200, 300, 400, 600].map(delayImpairment);
    for (let i = 1; i < at.length; i++)
      assert.ok((at[i] ?? 0) > (at[i - 1] ?? 0), `Idd not increasing: ${at.join(', ')}`);
    near(delayImpairment(400), 24.07, 0.01, 'Idd(400)');
  });

  it('charges Ie with no loss, and tends to 95 as loss rises (eq. 7-29)', () => {
    assert.equal(effectiveEquipmentImpairment(OPUS, 0), OPUS.ie);
    near(effectiveEquipmentImpairment(OPUS, 5), (95 * 5) / (5 + 25.1), 1e-9, 'Ie,eff at 5 %');
    near(
      effectiveEquipmentImpairment({ ie: 0, bpl: 4.3 }, 100),
      (95 * 100) / (100 + 4.3),
      1e-9,
      'no PLC, 100 %',
    );
    assert.ok(effectiveEquipmentImpairment(OPUS, 20) < 95);
  });

  it('puts a clean call near 4.4, lossy Wi-Fi below 4, satellite and total loss lower still', () => {
    const clean = estimateMos({ oneWayDelayMs: 60, lossPercent: 0 }).mos;
    const wifi = estimateMos({ oneWayDelayMs: 110, lossPercent: 5 }).mos;
    const satellite = estimateMos({ oneWayDelayMs: 340, lossPercent: 0 }).mos;
    const gone = estimateMos({ oneWayDelayMs: 60, lossPercent: 100 }).mos;
    near(clean, 4.41, 0.01, 'clean');
    assert.ok(wifi < 4 && wifi > 3.5, `wifi ${wifi}`);
    assert.ok(satellite < clean, `satellite ${satellite}`);
    assert.ok(gone < 1.5, `100 % loss ${gone}`);
  });
});
