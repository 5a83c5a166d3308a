/**
 * Whose audio is it: the share of a stretch of received audio that a party's signature tones carry
 * (the rig feeds each party two alternating tones, `e2e/src/audio/wav.ts`). Goertzel at each tone
 * over a Hann-windowed block; pure, so the rig and the unit tests run it on plain samples.
 */

/** Named signatures, each its tones in Hz (e.g. `{ caller: [440, 660], callee: [550, 825] }`). */
export type ToneSignatures = Record<string, readonly number[]>;

/** Per signature name, the share (0..1) of the block's energy in that signature's tones. */
export type ToneShares = Record<string, number>;

/**
 * A block carries a signature when its tones hold at least this share of its energy. Measured
 * through Opus and Chromium's audio processing (rig calls, 200 ms windows): the partner's tones
 * 0.5–1.0, lowest in the first second while gain control and noise suppression settle; on the
 * tones of a party that is not sending, 0.00–0.05. Speech and noise hold under 0.1 of any.
 */
export const SIGNATURE_SHARE = 0.25;

/** Below this mean square (≈ −60 dBFS) a block is silence: it carries nobody's signature. */
const SILENCE_POWER = 1e-6;

/** |X(f)|² of the windowed block at frequency `f` (not necessarily on a DFT bin). */
function goertzelPower(y: Float64Array, sampleRate: number, f: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * f) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (const v of y) {
    const s0 = v + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/**
 * The share of the block's energy in each signature's tones; null for silence. A tone's energy is
 * read at its frequency and one bin either side: Hann's main lobe spreads a tone over three bins
 * (four when it falls between bins), and by Parseval the positive-frequency bins hold half of
 * N·Σy².
 */
export function signatureShares(
  samples: ArrayLike<number>,
  sampleRate: number,
  signatures: ToneSignatures,
): ToneShares | null {
  const n = samples.length;
  const y = new Float64Array(n);
  let energy = 0;
  let raw = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[i] ?? 0;
    raw += x * x;
    y[i] = x * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
    energy += (y[i] ?? 0) ** 2;
  }
  if (n === 0 || raw / n < SILENCE_POWER) return null;
  const shares: ToneShares = {};
  const bin = sampleRate / n;
  for (const [name, tones] of Object.entries(signatures)) {
    let power = 0;
    for (const f of tones) for (const g of [f - bin, f, f + bin]) power += goertzelPower(y, sampleRate, g);
    shares[name] = Math.min(1, (2 * power) / (n * energy));
  }
  return shares;
}

/**
 * The signature the block carries: the one with the largest share, if that is at least
 * {@link SIGNATURE_SHARE}; null for none. Where two parties' audio mixes, the louder one's.
 */
export function matchedSignature(shares: ToneShares): string | null {
  let best: string | null = null;
  for (const [name, share] of Object.entries(shares)) {
    if (share >= SIGNATURE_SHARE && (best === null || share > (shares[best] ?? 0))) best = name;
  }
  return best;
}

/** Per signature, the mean share over the readings; undefined for none. */
export function meanShares(readings: ToneShares[]): ToneShares | undefined {
  if (!readings.length) return undefined;
  const sum: ToneShares = {};
  for (const r of readings)
    for (const [name, share] of Object.entries(r)) sum[name] = (sum[name] ?? 0) + share;
  for (const name of Object.keys(sum)) sum[name] = (sum[name] ?? 0) / readings.length;
  return sum;
}
