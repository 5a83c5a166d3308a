/**
 * Whose audio each party hears, against the real stack (softphone server + mediasoup, two Debian
 * Chromium processes with fake-capture WAVs): the partner's signature makes a call two-way; loud
 * audio that is not the partner's is `misrouted`, however loud.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AudioWindow } from '@softphone/web/audio-monitor';
import { SIGNATURES, writeSignatureWav } from '../../src/audio/wav.ts';
import { placeCall } from '../../src/rig/place-call.ts';
import { CallResultSchema } from '../../src/rig/results.ts';
import { Rig } from '../../src/rig/rig.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-signature-'));
const wav = (name: keyof typeof SIGNATURES) => {
  const f = path.join(dir, `${name}.wav`);
  writeSignatureWav(f, SIGNATURES[name]);
  return f;
};
const CALL = { holdMs: 1_500, heardTimeoutMs: 8_000 };

/** The signatures the heard windows carried, by the share of the call's heard windows each led. */
function ledBy(windows: AudioWindow[]): Record<string, number> {
  const heard = windows.filter((w) => w.class === 'heard' && w.tones);
  const led: Record<string, number> = {};
  for (const w of heard) {
    const [name] = Object.entries(w.tones ?? {}).sort((a, b) => b[1] - a[1])[0] ?? ['none'];
    led[name] = (led[name] ?? 0) + 1 / heard.length;
  }
  return led;
}

describe("each party hears the other's signature", { timeout: 180_000 }, () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start({
      profile: 'linux-chromium',
      wav: { caller: wav('caller'), callee: wav('callee') },
      logDir: path.join(dir, 'two-way'),
    });
  });
  after(async () => rig?.stop());

  it('a normal call is two-way, judged by signature, each side hearing the other', async () => {
    const r = CallResultSchema.parse(await placeCall(1, rig.caller, rig.callee, CALL));
    assert.equal(r.outcome, 'measured', r.error);
    assert.equal(r.verdict, 'two-way', JSON.stringify(r.directions));
    assert.deepEqual(r.misroutedDirections, []);
    for (const d of ['caller->callee', 'callee->caller'] as const) {
      assert.equal(r.directions?.[d].judgedBy, 'signature', d);
      assert.equal(r.directions?.[d].misrouted, false, d);
    }
    const [a, b] = await Promise.all([rig.caller.snapshot(), rig.callee.snapshot()]);
    const byCaller = ledBy(a.windows);
    const byCallee = ledBy(b.windows);
    assert.ok((byCaller['callee'] ?? 0) > 0.9, `the caller heard ${JSON.stringify(byCaller)}`);
    assert.ok((byCallee['caller'] ?? 0) > 0.9, `the callee heard ${JSON.stringify(byCallee)}`);
  });
});

describe('a party fed its own signal back', { timeout: 180_000 }, () => {
  let rig: Rig;
  before(async () => {
    // The callee's microphone plays the caller's signature: the caller hears its own tones where
    // the callee's should be, as it would if its upstream were routed back to it.
    rig = await Rig.start({
      profile: 'linux-chromium',
      wav: { caller: wav('caller'), callee: wav('caller') },
      signatures: { caller: 'caller', callee: 'callee' },
      logDir: path.join(dir, 'own-signal'),
    });
  });
  after(async () => rig?.stop());

  it('is misrouted, not two-way, naming the direction that carried it', async () => {
    const r = CallResultSchema.parse(await placeCall(1, rig.caller, rig.callee, CALL));
    assert.equal(r.outcome, 'measured', r.error);
    assert.equal(r.verdict, 'misrouted', JSON.stringify(r.directions));
    assert.deepEqual(r.misroutedDirections, ['callee->caller']);
    const d = r.directions?.['callee->caller'];
    assert.equal(d?.heard, false);
    assert.equal(d?.unheardCause, 'misrouted');
    assert.equal(r.timings.answerToBothHeardMs, null);
    assert.equal(r.directions?.['caller->callee'].heard, true, 'the callee hears the caller as it should');
  });
});
