/**
 * An estimated MOS per direction from the ITU-T G.107 E-model (06/2015), narrowband, with every
 * parameter at its G.107 Table 3 default except the three a call measures: one-way mouth-to-ear
 * delay, packet loss, and the codec. At the defaults R = 93.2 (MOS 4.41), so
 *
 *   R = 93.2 − Idd − Ie,eff                                                  (G.107 §7.1, eq. 7-1)
 *
 * - Idd (§7.4, eq. 7-27/7-28), the impairment of absolute delay Ta (ms): 0 for Ta ≤ 100 ms, else
 *     Idd = 25 · { (1 + X⁶)^(1/6) − 3 · (1 + (X/3)⁶)^(1/6) + 2 },  X = log₁₀(Ta/100) / log₁₀ 2
 *   The echo terms Idte and Idle are left at their default-parameter values (inside 93.2): WebRTC's
 *   echo canceller removes talker echo, which is what G.107's default TELR = 65 dB stands for.
 * - Ie,eff (§7.5, eq. 7-29), the codec's impairment under random packet loss Ppl (%):
 *     Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl),  BurstR = 1 (random loss)
 * - R → MOS (Annex B, eq. B-4): MOS = 1 + 0.035 R + R (R − 60)(100 − R) · 7·10⁻⁶ for 0 < R < 100.
 *
 * Codec values. ITU-T G.113 Appendix I lists narrowband Ie / Bpl per codec; it gives none for
 * Opus that we could verify, so Opus is given G.711's with packet-loss concealment (Ie = 0,
 * Bpl = 25.1, G.113 Appendix I Table I.3): Opus at WebRTC's 32 kbit/s is at least toll quality
 * and conceals loss at least as well. This makes the figure a planning estimate that ranks
 * conditions (loss, delay), not a listening-test score; the E-model is meant for exactly that.
 */
export interface CodecImpairment {
  /** Equipment impairment factor (no loss). */
  ie: number;
  /** Packet-loss robustness factor. */
  bpl: number;
}

export const OPUS: CodecImpairment = { ie: 0, bpl: 25.1 };

/** R with no impairment but the defaults' (G.107 Table 3): 93.2. */
export const R_DEFAULT = 93.2;

/** Opus's 20 ms frame plus its 6.5 ms look-ahead: delay every packet has before the network. */
export const OPUS_CODEC_DELAY_MS = 26.5;

/** G.107 eq. 7-27/7-28, with the default mT = 100 ms and sT = 1. */
export function delayImpairment(ta: number): number {
  if (ta <= 100) return 0;
  const x = Math.log10(ta / 100) / Math.log10(2);
  return 25 * ((1 + x ** 6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2);
}

/** G.107 eq. 7-29. `lossPercent` 0–100, `burstR` 1 for random loss. */
export function effectiveEquipmentImpairment(
  codec: CodecImpairment,
  lossPercent: number,
  burstR = 1,
): number {
  const ppl = Math.min(100, Math.max(0, lossPercent));
  return codec.ie + ((95 - codec.ie) * ppl) / (ppl / burstR + codec.bpl);
}

/** G.107 Annex B eq. B-4. */
export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

export interface EModelInput {
  /** Mouth-to-ear delay of this direction, ms. */
  oneWayDelayMs: number;
  lossPercent: number;
  codec?: CodecImpairment;
}

export function rFactor(i: EModelInput): number {
  return (
    R_DEFAULT -
    delayImpairment(i.oneWayDelayMs) -
    effectiveEquipmentImpairment(i.codec ?? OPUS, i.lossPercent)
  );
}

export function estimateMos(i: EModelInput): { r: number; mos: number } {
  const r = rFactor(i);
  return { r: Math.round(r * 10) / 10, mos: Math.round(mosFromR(r) * 100) / 100 };
}
