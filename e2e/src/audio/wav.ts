/**
 * Test signals for Chromium's fake capture (48 kHz mono 16-bit PCM WAV). Each party gets its own
 * signature: with the same signal on both sides, echo cancellation removes the far end. The
 * signature alternates two tones every 250 ms, because noise suppression and auto gain fade a
 * steady tone by ~20 dB within seconds.
 */
import fs from 'node:fs';
import { matchedSignature, signatureShares, type ToneSignatures } from '@softphone/web/tone-signature';

export const SAMPLE_RATE = 48_000;

export interface Signature {
  /** The two alternating frequencies, Hz. */
  tones: [number, number];
}

/** Default signatures for the two parties of a call: well apart, not harmonics of each other. */
export const SIGNATURES = {
  caller: { tones: [440, 660] },
  callee: { tones: [550, 825] },
} as const satisfies Record<string, Signature>;

export type SignatureName = keyof typeof SIGNATURES;

/** The named signatures' tones, as the page's detector takes them. */
export function toneSignatures(names: Iterable<SignatureName>): ToneSignatures {
  return Object.fromEntries([...names].map((n) => [n, SIGNATURES[n].tones]));
}

function wavHeader(samples: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + samples * 2, 4);
  h.write('WAVE', 8);
  h.write('fmt ', 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(SAMPLE_RATE, 24);
  h.writeUInt32LE(SAMPLE_RATE * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(samples * 2, 40);
  return h;
}

/** Writes a signature (or digital silence with `null`) lasting `seconds`; Chromium loops the file. */
export function writeSignatureWav(
  file: string,
  signature: Signature | null,
  seconds = 10,
  amplitude = 0.3,
): void {
  const n = SAMPLE_RATE * seconds;
  const data = Buffer.alloc(n * 2);
  const segment = SAMPLE_RATE / 4;
  let phase = 0;
  for (let i = 0; i < n && signature; i++) {
    const f = signature.tones[Math.floor(i / segment) % 2] ?? signature.tones[0];
    phase += (2 * Math.PI * f) / SAMPLE_RATE;
    data.writeInt16LE(Math.round(amplitude * 32767 * Math.sin(phase)), i * 2);
  }
  fs.writeFileSync(file, Buffer.concat([wavHeader(n), data]));
}

/**
 * Below this, a WAV is not one of the rig's signatures: those hold ~1.0 of their energy in their
 * tones (pure tones, no processing), where a speech file can hold a fair share near 440 Hz.
 */
const SIGNATURE_WAV_SHARE = 0.9;

/**
 * Which of {@link SIGNATURES} a WAV carries, or null: a speech file, judged by level only. Read as
 * the page's probe reads audio, in 4096-sample blocks: one inside each of the first four 250 ms
 * segments, so both tones, and every block must be the same signature's. Only 48 kHz mono 16-bit
 * files (what the rig writes) can match.
 */
export function signatureIn(file: string): SignatureName | null {
  const buf = fs.readFileSync(file);
  if (buf.readUInt16LE(22) !== 1 || buf.readUInt32LE(24) !== SAMPLE_RATE) return null;
  const block = 4096;
  const segment = SAMPLE_RATE / 4;
  const found = new Set<string | null>();
  for (let k = 0; k < 4; k++) {
    const from = 44 + (k * segment + (segment - block) / 2) * 2;
    if (from + block * 2 > buf.length) return null;
    const samples = Array.from({ length: block }, (_, i) => buf.readInt16LE(from + i * 2) / 32768);
    const shares = signatureShares(samples, SAMPLE_RATE, toneSignatures(['caller', 'callee']));
    const name = shares && matchedSignature(shares);
    found.add(name && (shares[name] ?? 0) >= SIGNATURE_WAV_SHARE ? name : null);
  }
  const [only] = found;
  return found.size === 1 && (only === 'caller' || only === 'callee') ? only : null;
}

/** Checks that a user-supplied file is a WAV Chromium can feed (PCM 16-bit); returns why not. */
export function checkWav(file: string): string | null {
  let head: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    head = Buffer.alloc(44);
    fs.readSync(fd, head, 0, 44, 0);
    fs.closeSync(fd);
  } catch (err) {
    return `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
  if (head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') {
    return `${file} is not a WAV file`;
  }
  if (head.readUInt16LE(20) !== 1 || head.readUInt16LE(34) !== 16) {
    return `${file} must be 16-bit PCM (convert it with: sox in.wav -r 48000 -c 1 -b 16 out.wav)`;
  }
  return null;
}
