/**
 * A direction that goes silent mid-call, with the real stack: softphone server + mediasoup, two
 * Debian Chromium processes with fake-capture WAVs. The caller's microphone track is stopped in its
 * page, so its upstream really sends no RTP (a muted track would still send silence): the SFU must
 * see it, tell both parties from their side, and keep it with the call.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StallDirection } from '@softphone/sfu/protocol';
import { SIGNATURES, writeSignatureWav } from '../../src/audio/wav.ts';
import type { Party } from '../../src/rig/party.ts';
import { Rig } from '../../src/rig/rig.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-stall-'));
const wav = (name: string, sig: (typeof SIGNATURES)[keyof typeof SIGNATURES]) => {
  const f = path.join(dir, `${name}.wav`);
  writeSignatureWav(f, sig);
  return f;
};

declare global {
  interface Window {
    /** The tracks getUserMedia handed the page, kept by this test so it can stop them. */
    e2eCaptured?: MediaStreamTrack[];
  }
}

/** Keeps every track the page captures from now on (the engine captures after answer). */
async function keepCapturedTracks(p: Party): Promise<void> {
  await p.driver.execute(() => {
    const media = navigator.mediaDevices;
    const capture = media.getUserMedia.bind(media);
    window.e2eCaptured = [];
    media.getUserMedia = async (constraints) => {
      const stream = await capture(constraints);
      window.e2eCaptured?.push(...stream.getTracks());
      return stream;
    };
  });
}

/** The server's stall threshold (its MEDIA_STALL_MS default, which the rig's server runs with). */
const STALL_MS = 3_000;

/** How long these audio windows span, ms. */
const span = (windows: { ms: number }[]) => windows.reduce((n, w) => n + w.ms, 0);

/** The longest run of windows with no packets in them, ms. */
function silentFor(windows: { ms: number; class: string }[]): number {
  let run = 0;
  let longest = 0;
  for (const w of windows) {
    run = w.class === 'no-media' ? run + w.ms : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

/** What the page's state says of one direction of its call (null: it carries audio). */
async function stalled(p: Party, direction: StallDirection): Promise<string | null> {
  return (await p.snapshot(Number.MAX_SAFE_INTEGER)).state.call?.stalled[direction] ?? null;
}

/** The caller calls, the callee answers, and the callee hears the caller: the call's id. */
async function answeredCall(caller: Party, callee: Party): Promise<string> {
  await caller.call(callee);
  await callee.waitForScreen('incoming');
  await callee.answer();
  await Promise.all([caller.waitForScreen('in-call'), callee.waitForScreen('in-call')]);
  await callee.driver.waitUntil(async () => (await callee.snapshot(1e9)).firstHeardAt !== null, {
    timeout: 15_000,
    timeoutMsg: 'the callee never heard the caller',
  });
  const callId = (await caller.snapshot(1e9)).state.call?.id;
  assert.ok(callId);
  return callId;
}

describe('a direction that stops carrying audio mid-call', { timeout: 180_000 }, () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start({
      profile: 'linux-chromium',
      wav: { caller: wav('caller', SIGNATURES.caller), callee: wav('callee', SIGNATURES.callee) },
      logDir: path.join(dir, 'logs'),
    });
  });
  after(async () => rig?.stop());

  it('reaches both pages as a media stall from their side within 5 s, is shown in words, clears when audio flows again, and is kept with the call', async () => {
    const { caller, callee, server } = rig;
    assert.ok(server);
    await keepCapturedTracks(caller);
    const callId = await answeredCall(caller, callee);
    assert.equal(await stalled(caller, 'to-peer'), null, 'no stall while audio flows');

    const captured = await caller.driver.execute(() => {
      for (const t of window.e2eCaptured ?? []) t.stop();
      return window.e2eCaptured?.length ?? 0;
    });
    assert.equal(captured, 1, 'the caller captured one microphone track');
    const told = (p: Party, direction: StallDirection) =>
      p.driver.waitUntil(async () => (await stalled(p, direction)) === 'no-rtp-from-sender', {
        timeout: 5_000,
        interval: 100,
        timeoutMsg: `${p.who}: no media:stall (${direction}) within 5 s of the caller's audio stopping`,
      });
    await Promise.all([told(caller, 'to-peer'), told(callee, 'from-peer')]);
    assert.equal(await stalled(caller, 'from-peer'), null, "the callee's audio still reaches the caller");
    assert.equal(await stalled(callee, 'to-peer'), null);
    assert.equal(
      await caller.callStatus(),
      `${callee.name} can't hear you. Check your microphone and your network connection.`,
    );
    assert.match(await callee.callStatus(), new RegExp(`^You can't hear ${caller.name}\\. `));

    // Hold and resume capture the microphone again: audio flows, and both pages hear it recovered.
    await caller.setHeld(true);
    await caller.driver.waitUntil(async () => (await caller.snapshot(1e9)).state.call?.held.self === true, {
      timeout: 10_000,
      timeoutMsg: 'the caller could not hold',
    });
    await caller.setHeld(false);
    const cleared = (p: Party, direction: StallDirection) =>
      p.driver.waitUntil(async () => (await stalled(p, direction)) === null, {
        timeout: 15_000,
        interval: 100,
        timeoutMsg: `${p.who}: no media:recovered (${direction}) once the caller's audio flowed again`,
      });
    await Promise.all([cleared(caller, 'to-peer'), cleared(callee, 'from-peer')]);
    assert.equal(await caller.callStatus(), 'Connected');

    await caller.hangup();
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
    const [toCallee, toCaller] = await server.callDirections(callId);
    assert.equal(toCallee?.direction, 'caller->callee');
    assert.equal(toCallee.stalls, 1);
    assert.equal(toCallee.lastCause, 'no-rtp-from-sender');
    assert.ok(toCallee.packets > 0 && toCallee.firstRtpMs !== null, 'audio flowed before it stopped');
    assert.ok(toCallee.stalledMs > 0);
    assert.equal(toCaller?.direction, 'callee->caller');
    assert.equal(toCaller.stalls, 0);
    assert.ok(toCaller.packets > 0);
    await Promise.all([caller.dismiss(), callee.dismiss()]);
  });

  it('a direction muted or on hold is silent on purpose: no stall while so, none after, none kept', async () => {
    const { caller, callee, server } = rig;
    assert.ok(server);
    const callId = await answeredCall(caller, callee);

    // Mute still sends packets, of silence: the callee's receiver shows them, and nothing stalls.
    await caller.setMuted(true);
    await caller.driver.waitUntil(async () => (await caller.snapshot(1e9)).state.call?.muted === true, {
      timeout: 10_000,
      timeoutMsg: 'the caller could not mute',
    });
    const mutedFrom = (await callee.snapshot()).windows.length;
    await callee.driver.waitUntil(
      async () => span((await callee.snapshot(mutedFrom)).windows) >= STALL_MS + 1_500,
      { timeout: 20_000, interval: 250, timeoutMsg: 'the callee stopped measuring' },
    );
    const muted = (await callee.snapshot(mutedFrom)).windows;
    const packets = muted.reduce((n, w) => n + (w.packetsPerSecond * w.ms) / 1_000, 0);
    // A busy page reads some windows short of packets: the mean over the span is what counts.
    assert.ok(packets / (span(muted) / 1_000) >= 40, 'a muted caller sent (almost) no packets');
    assert.equal(await stalled(callee, 'from-peer'), null, 'a muted direction was reported as a stall');
    await caller.setMuted(false);

    // Hold sends nothing (the engine's track is replaced by none): the callee's receiver shows it.
    const heldFrom = (await callee.snapshot()).windows.length;
    await caller.setHeld(true);
    await callee.driver.waitUntil(
      async () => silentFor((await callee.snapshot(heldFrom)).windows) >= STALL_MS + 1_500,
      {
        timeout: 20_000,
        interval: 250,
        timeoutMsg: 'the callee kept receiving from a caller on hold',
      },
    );
    for (const [p, d] of [
      [caller, 'to-peer'],
      [callee, 'from-peer'],
    ] as const)
      assert.equal(await stalled(p, d), null, `${p.who}: a held direction was reported as a stall`);

    const resumedFrom = (await callee.snapshot()).windows.length;
    await caller.setHeld(false);
    await callee.driver.waitUntil(
      async () => (await callee.snapshot(resumedFrom)).windows.some((w) => w.class === 'heard'),
      { timeout: 15_000, timeoutMsg: 'the callee did not hear the caller after resume' },
    );
    await caller.hangup();
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
    assert.deepEqual(
      (await server.callDirections(callId)).map((r) => [r.direction, r.stalls]),
      [
        ['caller->callee', 0],
        ['callee->caller', 0],
      ],
    );
    await Promise.all([caller.dismiss(), callee.dismiss()]);
  });
});
