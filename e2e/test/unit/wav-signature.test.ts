import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  SAMPLE_RATE,
  signatureIn,
  SIGNATURES,
  writeSignatureWav,
  type Signature,
} from '../../src/audio/wav.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wav-signature-'));
const file = (name: string, signature: Signature | null) => {
  const f = path.join(dir, `${name}.wav`);
  writeSignatureWav(f, signature, 2);
  return f;
};

describe('signatureIn (which party a WAV speaks for)', () => {
  it("finds each party's signature in the file the rig writes for it", () => {
    assert.equal(signatureIn(file('caller', SIGNATURES.caller)), 'caller');
    assert.equal(signatureIn(file('callee', SIGNATURES.callee)), 'callee');
  });
  it('finds none in silence or in other tones: such a microphone is judged by level', () => {
    assert.equal(signatureIn(file('silence', null)), null);
    assert.equal(signatureIn(file('other', { tones: [300, 1200] })), null);
  });
  it("finds none where only part of the sound is a signature's (speech near 440 Hz)", () => {
    assert.equal(signatureIn(file('half', { tones: [440, 1200] })), null);
    // The caller's signature under a 300 Hz hum as loud: the signature holds half of every block.
    const f = file('hum', SIGNATURES.caller);
    const wav = fs.readFileSync(f);
    for (let i = 0; 44 + i * 2 < wav.length; i++) {
      const hum = 0.3 * 32767 * Math.sin((2 * Math.PI * 300 * i) / SAMPLE_RATE);
      wav.writeInt16LE(Math.round((wav.readInt16LE(44 + i * 2) + hum) / 2), 44 + i * 2);
    }
    fs.writeFileSync(f, wav);
    assert.equal(signatureIn(f), null);
  });
});
