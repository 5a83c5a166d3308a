/**
 * The rig against the real stack: softphone server + mediasoup, Appium, two Debian Chromium processes
 * with fake-capture WAVs through the real getUserMedia path.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SIGNATURES, writeSignatureWav } from '../../src/audio/wav.ts';
import { placeCall } from '../../src/rig/place-call.ts';
import { RunResultSchema, runPassed, summarise } from '../../src/rig/results.ts';
import { Rig } from '../../src/rig/rig.ts';
import { runCalls } from '../../src/rig/run-calls.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-calls-'));
const wav = (name: string, sig: (typeof SIGNATURES)[keyof typeof SIGNATURES] | null) => {
  const f = path.join(dir, `${name}.wav`);
  writeSignatureWav(f, sig);
  return f;
};
const CALL = { holdMs: 1_500, heardTimeoutMs: 8_000 };

describe('calls between two browsers through the SFU', { timeout: 240_000 }, () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start({
      profile: 'linux-chromium',
      wav: { caller: wav('caller', SIGNATURES.caller), callee: wav('callee', SIGNATURES.callee) },
      logDir: path.join(dir, 'two-way'),
    });
  });
  after(async () => rig?.stop());

  it('five calls in a row are two-way, and no capture starts before activation', async () => {
    const out = path.join(dir, 'five.json');
    const run = await runCalls(
      rig,
      {
        ...CALL,
        calls: 5,
        out,
        options: {
          calls: 5,
          holdMs: CALL.holdMs,
          profile: 'linux-chromium',
          wav: { caller: '', callee: '' },
        },
      },
      () => undefined,
    );
    for (const c of run.calls) {
      assert.equal(c.outcome, 'measured', c.error);
      assert.equal(c.verdict, 'two-way', `call ${c.index}: ${JSON.stringify(c.directions)}`);
      assert.equal(c.captureBeforeActivation, false);
      assert.ok((c.timings.answerToBothHeardMs ?? Infinity) < CALL.heardTimeoutMs);
    }
    assert.deepEqual(run.summary, {
      calls: 5,
      twoWay: 5,
      oneWay: 0,
      noAudio: 0,
      misrouted: 0,
      failed: 0,
      captureBeforeActivation: 0,
    });
    RunResultSchema.parse(JSON.parse(fs.readFileSync(out, 'utf8')));
    // Measured, not inferred: the watch saw each party's capture, after its activation.
    for (const party of [rig.caller, rig.callee]) {
      const s = await party.snapshot(1e9);
      assert.ok(s.captureStarts.length > 0, `${party.name}: the capture watch saw no getUserMedia`);
      assert.ok(
        s.captureStarts.every((t) => t >= (s.marks?.activatedAt ?? Infinity)),
        JSON.stringify(s),
      );
    }
  });

  it('a page that captures at ring time (QA fault switch) fails the capture check, and the run with it', async () => {
    await rig.callee.setCaptureAtRing(true);
    try {
      const early = await placeCall(1, rig.caller, rig.callee, CALL);
      assert.equal(early.outcome, 'measured', early.error);
      assert.equal(early.captureBeforeActivation, true, 'capture at ring time went unseen');
      assert.equal(runPassed(summarise([early])), false, 'a two-way call that captured early passed the run');
      const s = await rig.callee.snapshot(1e9);
      assert.ok((s.captureStarts[0] ?? Infinity) < (s.marks?.activatedAt ?? 0), JSON.stringify(s.marks));
    } finally {
      await rig.callee.setCaptureAtRing(false);
    }
    const fine = await placeCall(2, rig.caller, rig.callee, CALL);
    assert.equal(fine.verdict, 'two-way', fine.error);
    assert.equal(fine.captureBeforeActivation, false);
  });

  it('a declined call ends on both screens with the reason in words', async () => {
    await rig.caller.call(rig.callee);
    await rig.callee.waitForScreen('incoming');
    const before = await rig.callee.snapshot(1e9);
    assert.equal(before.capturing, false, 'nothing may be captured while ringing');
    await rig.callee.decline();
    await Promise.all([rig.caller.waitForScreen('ended'), rig.callee.waitForScreen('ended')]);
    assert.equal(await rig.caller.endMessage(), `${rig.callee.name} declined the call`);
    assert.equal(await rig.callee.endMessage(), 'You declined the call');
    await Promise.all([rig.caller.dismiss(), rig.callee.dismiss()]);
  });

  it('the call\'s media worker killed mid-call: both parties see "media server restarted" within 5 s, and the next call works', async () => {
    const server = rig.server;
    assert.ok(server);
    await rig.caller.call(rig.callee);
    await rig.callee.waitForScreen('incoming');
    await rig.callee.answer();
    await Promise.all([rig.caller.waitForScreen('in-call'), rig.callee.waitForScreen('in-call')]);
    const workers = await server.mediaWorkers();
    const pid = workers.find((w) => w.calls > 0)?.pid;
    assert.ok(pid, 'the call is on a worker');
    const killedAt = Date.now();
    execFileSync('kill', ['-9', String(pid)]);
    await Promise.all([rig.caller.waitForScreen('ended', 5_000), rig.callee.waitForScreen('ended', 5_000)]);
    assert.ok(Date.now() - killedAt < 5_000);
    assert.equal(await rig.caller.endMessage(), 'Call failed: media server restarted');
    assert.equal(await rig.callee.endMessage(), 'Call failed: media server restarted');
    await Promise.all([rig.caller.dismiss(), rig.callee.dismiss()]);

    const replaced = async () => {
      const now = await server.mediaWorkers();
      return now.length === workers.length && !now.some((w) => w.pid === pid);
    };
    await rig.caller.driver.waitUntil(replaced, {
      timeout: 10_000,
      timeoutMsg: 'the killed worker was not replaced',
    });
    const next = await placeCall(99, rig.caller, rig.callee, CALL);
    assert.equal(next.verdict, 'two-way', next.error ?? JSON.stringify(next.directions));
  });
});

describe('a callee whose microphone is silent', { timeout: 120_000 }, () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start({
      profile: 'linux-chromium',
      wav: { caller: wav('caller2', SIGNATURES.caller), callee: wav('silent', null) },
      logDir: path.join(dir, 'one-way'),
    });
  });
  after(async () => rig?.stop());

  it('is reported one-way, naming callee->caller as the silent direction', async () => {
    const r = await placeCall(1, rig.caller, rig.callee, CALL);
    assert.equal(r.outcome, 'measured', r.error);
    assert.equal(r.verdict, 'one-way');
    assert.deepEqual(r.silentDirections, ['callee->caller']);
    assert.equal(r.directions?.['caller->callee'].heard, true);
    assert.equal(r.timings.answerToBothHeardMs, null);
  });
});

describe('a server with the directory off (the default)', { timeout: 120_000 }, () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start({
      profile: 'linux-chromium',
      wav: { caller: wav('caller3', SIGNATURES.caller), callee: wav('callee3', SIGNATURES.callee) },
      logDir: path.join(dir, 'no-directory'),
      serverEnv: { PRESENCE_DIRECTORY: 'off' },
    });
  });
  after(async () => rig?.stop());

  it('the caller adds the callee by username to call them, and the call lists the caller for the callee', async () => {
    const listed = async (viewer: typeof rig.caller, other: typeof rig.caller) =>
      (await viewer.snapshot(1e9)).state.users.some((u) => u.displayName === other.name);
    assert.equal(await listed(rig.caller, rig.callee), false, 'a stranger is listed');
    await rig.caller.call(rig.callee);
    await rig.callee.waitForScreen('incoming');
    assert.equal(await listed(rig.callee, rig.caller), true, 'the caller is not listed for the callee');
    await rig.callee.decline();
    await Promise.all([rig.caller.waitForScreen('ended'), rig.callee.waitForScreen('ended')]);
  });
});
