/**
 * The E-model (ITU-T G.107) against the reference points G.107 and G.109 publish (R = 93.2 with the
 * defaults, the R → MOS points of the category boundaries) and the properties its text states (no delay
 * impairment up to 100 ms, Ie,eff from Ie at no loss towards 95). No assertion recomputes an equation
 * under test: a mistyped constant in one would be copied into the other.
 */
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

  it('charges nothing for delay up to 100 ms (G.107 eq. 7-27), then more the longer it is', () => {
    assert.equal(delayImpairment(0), 0);
    assert.equal(delayImpairment(100), 0);
    const at = [101, 150, 200, 300, 400, 600].map(delayImpairment);
    assert.ok((at[0] ?? 0) > 0, 'nothing charged just past 100 ms');
    for (let i = 1; i < at.length; i++)
      assert.ok((at[i] ?? 0) > (at[i - 1] ?? 0), `Idd not increasing: ${at.join(', ')}`);
  });

  it('charges Ie with no loss, more with each loss, below 95 (eq. 7-29), less with a better concealment', () => {
    assert.equal(effectiveEquipmentImpairment(OPUS, 0), OPUS.ie);
    assert.equal(effectiveEquipmentImpairment({ ie: 11, bpl: 19 }, 0), 11, 'Ie itself at no loss');
    const at = [0, 1, 2, 5, 10, 20, 50].map((p) => effectiveEquipmentImpairment(OPUS, p));
    for (let i = 1; i < at.length; i++)
      assert.ok((at[i] ?? 0) > (at[i - 1] ?? 0), `Ie,eff not increasing: ${at.join(', ')}`);
    assert.ok((at.at(-1) ?? 95) < 95, 'below 95 at any loss');
    assert.ok(effectiveEquipmentImpairment(OPUS, 100) < 95, 'below 95 even at total loss');
    // Bpl is the robustness to loss: G.711 with its PLC (25.1) suffers less than without (4.3), G.113 I.
    assert.ok(effectiveEquipmentImpairment({ ie: 0, bpl: 4.3 }, 2) > effectiveEquipmentImpairment(OPUS, 2));
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
