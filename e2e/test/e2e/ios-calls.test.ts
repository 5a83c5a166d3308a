/**
 * Issue 18's call scenarios on the simulated iPhone (review 3: S2, S4, S8, S9): pushed calls through
 * the APNs stand-in, the simulator playing iOS and the shell as the Swift now does. Each scenario
 * names the simulator fault (`SHELL_SIM_FAULT`) that puts the Swift's old behaviour back, under which
 * it fails.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SIGNATURES, writeSignatureWav } from '../../src/audio/wav.ts';
import { IphoneParty } from '../../src/rig/iphone-party.ts';
import { placeCall } from '../../src/rig/place-call.ts';
import { Rig } from '../../src/rig/rig.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-ios-calls-'));
const wav = (name: string, sig: (typeof SIGNATURES)[keyof typeof SIGNATURES]) => {
  const f = path.join(dir, `${name}.wav`);
  writeSignatureWav(f, sig);
  return f;
};
/** The server's default deadline for a woken device to report the call (the push's `expiresAt`). */
const REPORT_TIMEOUT_MS = 8_000;

describe('pushed calls on the simulated iPhone, as the shell now handles them', { timeout: 300_000 }, () => {
  let rig: Rig;
  let phone: IphoneParty;
  let callerId = '';
  before(async () => {
    rig = await Rig.start({
      profile: 'linux-chromium',
      wav: { caller: wav('caller', SIGNATURES.caller), callee: wav('callee', SIGNATURES.callee) },
      logDir: path.join(dir, 'logs'),
      apns: { reportTimeoutMs: REPORT_TIMEOUT_MS },
      calleeOnIphone: { query: '', pushes: true },
    });
    assert.ok(rig.callee instanceof IphoneParty);
    phone = rig.callee;
    // A first call, so that the phone has registered its VoIP token before it is killed.
    const first = await placeCall(0, rig.caller, phone, { holdMs: 1_500, heardTimeoutMs: 8_000 });
    assert.equal(first.outcome, 'measured', first.error);
    callerId = (await rig.caller.snapshot(1e9)).state.self?.id ?? '';
    assert.ok(callerId);
  });
  after(async () => rig?.stop());

  /** The app killed, the caller dials, the push cold-launches it: the CallKit call's id. */
  async function pushedCall(device: 'locked' | 'foreground'): Promise<string> {
    await phone.killApp();
    await rig.caller.waitUntilAsleep(phone);
    await phone.setDevice(device);
    const since = await phone.eventMark();
    await rig.caller.call(phone);
    const reported = await phone.waitForSystemEvent('incoming-reported', { timeout: 15_000, since });
    assert.ok(reported.callId);
    return reported.callId;
  }

  /** Whatever a scenario left: no call up, the phone in the foreground with the app running. */
  async function leaveClean(): Promise<void> {
    for (const p of [rig.caller, phone]) {
      const screen = (await p.snapshot(1e9).catch(() => null))?.screen;
      if (screen === 'in-call' || screen === 'outgoing') await p.hangup().catch(() => undefined);
    }
    await phone.openApp().catch(() => undefined);
    for (const p of [rig.caller, phone])
      if ((await p.snapshot(1e9).catch(() => null))?.screen === 'ended')
        await p.dismiss().catch(() => undefined);
  }

  // S2 (SHELL_SIM_FAULT=ringUntilExpiresAt: the shell ended the call at the push's report deadline).
  it("S2: a pushed call nobody answers rings past the push's report deadline; the caller hears it ring", async () => {
    try {
      const callId = await pushedCall('locked');
      const pushed = await phone.waitForSystemEvent('push-arrived', { callId });
      // Past the report deadline (the push's `expiresAt`) and a margin: CallKit still rings, the
      // caller still hears ringing, and nothing ended the call.
      const past = pushed.at + REPORT_TIMEOUT_MS + 2_000;
      let stopped: string | null = null;
      await phone.driver.waitUntil(
        async () => {
          const ringing = (await phone.systemSnapshot()).ringing.includes(callId);
          const caller = (await rig.caller.snapshot(1e9)).state.call;
          if (!ringing) stopped = `CallKit stopped ringing ${Date.now() - pushed.at} ms after the push`;
          else if (caller?.state !== 'ringing') stopped = `the caller's call is ${caller?.state ?? 'gone'}`;
          return stopped !== null || Date.now() > past;
        },
        { timeout: REPORT_TIMEOUT_MS + 10_000, interval: 250, timeoutMsg: 'the deadline never passed' },
      );
      assert.equal(stopped, null);
      const kinds = (await phone.eventsOf(callId)).map((e) => e.kind);
      assert.ok(!kinds.includes('ring-timeout'), kinds.join(', '));
      await rig.caller.hangup();
      await phone.waitForSystemEvent('ended', { callId });
      await rig.caller.waitForScreen('ended');
    } finally {
      await leaveClean();
    }
  });

  // S8 (SHELL_SIM_FAULT=pushPeerIsUsername: the push path named the caller by username).
  it("S8: a pushed call's CallKit handle and the page's caller are the caller's user id", async () => {
    try {
      const callId = await pushedCall('foreground');
      const call = (await phone.systemSnapshot()).calls.find((c) => c.id === callId);
      // What Recents calls back with: `call:invite` takes a user id, never a username.
      assert.equal(call?.handle, callerId);
      await phone.enterApp();
      await phone.driver.waitUntil(async () => (await phone.snapshot(1e9)).state.call?.id === callId, {
        timeout: 10_000,
        timeoutMsg: 'the page never showed the pushed call',
      });
      assert.equal((await phone.snapshot(1e9)).state.call?.peer.id, callerId);
      await rig.caller.hangup();
      await phone.waitForSystemEvent('ended', { callId });
    } finally {
      await leaveClean();
    }
  });

  // S9 (SHELL_SIM_FAULT=joinAfterEnd: the claim's success started media for the declined call).
  it('S9: declined on the lock screen while the claim is in flight: no media, no capture, the caller hears "declined"', async () => {
    await phone.setKnobs({ claimAckDelayMs: 2_000 });
    try {
      const callId = await pushedCall('locked');
      await phone.declineOnSystemUi();
      await rig.caller.waitForScreen('ended', 15_000);
      // The claim settled after the decline (its answer was held in flight): what it started, if anything.
      await phone.waitForSystemEvent('claimed', { callId, timeout: 10_000 });
      const kinds = (await phone.eventsOf(callId)).map((e) => e.kind);
      for (const k of ['media-joined', 'capture-started'])
        assert.ok(!kinds.includes(k), `${k} for a declined call: ${kinds.join(', ')}`);
      assert.match(await rig.caller.endMessage(), /declined/i);
    } finally {
      await phone.setKnobs({ claimAckDelayMs: 0 });
      await leaveClean();
    }
  });

  it('S4: a denied microphone is shown in the page with what to do, and the server keeps it with the call', async () => {
    await phone.setRecordPermission('denied');
    try {
      // Changing a privacy permission in Settings terminates the app: it comes back with the new one.
      await phone.killApp();
      await phone.openApp();
      const banner = phone.driver.$('>>>[data-test="microphone-permission"]');
      await banner.waitForDisplayed({
        timeout: 10_000,
        timeoutMsg: 'the page does not say the microphone is off',
      });
      assert.match(await banner.getText(), /Settings › Softphone › Microphone/);
      const result = await placeCall(1, rig.caller, phone, {
        holdMs: 1_500,
        heardTimeoutMs: 4_000,
        answer: () => phone.answerOnSystemUi(),
      });
      assert.ok(result.callId, result.error);
      assert.equal(
        result.directions?.['callee->caller']?.heard,
        false,
        `iOS records only silence without the permission: ${JSON.stringify(result.directions)}`,
      );
      const phoneUser = (await phone.snapshot(1e9)).state.self?.id ?? '';
      assert.equal((await rig.server?.callMicPermissions(result.callId))?.[phoneUser], 'denied');
    } finally {
      await phone.setRecordPermission('granted');
      await leaveClean();
    }
  });

  it('S4: asked for when the page first links, in the foreground; the answer reaches the page', async () => {
    await phone.setRecordPermission('undetermined');
    await phone.setKnobs({ micPromptAnswer: 'allow' });
    try {
      const since = await phone.eventMark();
      await phone.killApp();
      await phone.openApp();
      await phone.waitForSystemEvent('mic-prompt', { since });
      await phone.waitForSystemEvent('mic-permission', { since, match: (e) => e.detail === 'granted' });
      const shown = phone.driver.$('>>>[data-test="microphone-permission"]');
      assert.equal(await shown.isExisting(), false, 'no microphone warning once granted');
      assert.equal((await phone.snapshot(1e9)).state.microphone, 'granted');
    } finally {
      await phone.setRecordPermission('granted');
      await leaveClean();
    }
  });

  it("the page shows CallKit's own mute and the audio route, as the system changes them", async () => {
    try {
      await phone.openApp();
      await rig.caller.call(phone);
      await phone.answerOnSystemUi();
      await phone.waitForScreen('in-call');
      await phone.muteOnSystemUi(true);
      const mute = phone.driver.$('>>>[data-test="mute"]');
      await phone.driver.waitUntil(async () => (await mute.getAttribute('aria-pressed')) === 'true', {
        timeout: 5_000,
        timeoutMsg: "the page does not show the system's mute",
      });
      assert.equal((await mute.getText()).trim(), 'Unmute');
      await phone.changeRoute({ kind: 'bluetooth', name: 'AirPods Pro' });
      const route = phone.driver.$('>>>[data-test="audio-route"]');
      await route.waitForDisplayed({ timeout: 5_000, timeoutMsg: 'the page does not show the route' });
      assert.equal((await route.getText()).trim(), 'Bluetooth: AirPods Pro');
      await phone.muteOnSystemUi(false);
      await phone.driver.waitUntil(async () => (await mute.getAttribute('aria-pressed')) === 'false', {
        timeout: 5_000,
        timeoutMsg: "the page does not show the system's unmute",
      });
      await rig.caller.hangup();
      await phone.waitForScreen('ended');
    } finally {
      await phone.changeRoute({ kind: 'receiver', name: 'Receiver' }).catch(() => undefined);
      await leaveClean();
    }
  });

  // Last: the phone's push stream stays on the old token. (SHELL_SIM_FAULT=unregisterAllPush: the
  // shell's `push:unregister {}` deleted every registration of the device, the fresh one included.)
  it("token rotation: the shell's unregister of the dead token leaves the page's fresh one registered", async () => {
    const before = (await rig.server?.voipTokens()) ?? [];
    assert.equal(before.length, 1, `registered: ${before.join(', ')}`);
    const [old] = before;
    const fresh = crypto.randomBytes(32).toString('hex');
    const since = await phone.eventMark();
    await phone.rotateVoipToken(fresh);
    // The shell's own socket says the old token is dead; the page registers the new one on its own.
    await phone.waitForSystemEvent('push-unregistered', { since });
    let tokens: string[] = [];
    await phone.driver
      .waitUntil(async () => (tokens = (await rig.server?.voipTokens()) ?? []).includes(fresh), {
        timeout: 5_000,
      })
      .catch(() => undefined);
    assert.deepEqual(tokens, [fresh], `old ${old ?? '?'}, new ${fresh}`);
  });
});

describe('a cold launch from a push has TURN before any page does (S10)', { timeout: 180_000 }, () => {
  let rig: Rig;
  let phone: IphoneParty;
  before(async () => {
    rig = await Rig.start({
      profile: 'linux-chromium',
      wav: { caller: wav('caller', SIGNATURES.caller), callee: wav('callee', SIGNATURES.callee) },
      logDir: path.join(dir, 'logs-turn'),
      apns: { reportTimeoutMs: REPORT_TIMEOUT_MS },
      // A relay in every welcome (nothing listens there: host candidates still carry the call).
      serverEnv: { TURN_URLS: 'turn:127.0.0.1:3479?transport=udp', TURN_SECRET: 'turn-secret-for-the-rig' },
      calleeOnIphone: { query: '', pushes: true },
    });
    assert.ok(rig.callee instanceof IphoneParty);
    phone = rig.callee;
    const first = await placeCall(0, rig.caller, phone, { holdMs: 1_500, heardTimeoutMs: 8_000 });
    assert.equal(first.outcome, 'measured', first.error);
  });
  after(async () => rig?.stop());

  it("the native engine's legs get the relay from the shell's own welcome while the page still loads", async () => {
    await phone.reopen({ webViewLoadDelayMs: '8000' });
    try {
      await phone.killApp();
      await rig.caller.waitUntilAsleep(phone);
      await phone.setDevice('locked');
      const since = await phone.eventMark();
      await rig.caller.call(phone);
      const reported = await phone.waitForSystemEvent('incoming-reported', { timeout: 15_000, since });
      assert.ok(reported.callId);
      await phone.answerOnSystemUi();
      const joined = await phone.waitForSystemEvent('media-joined', { callId: reported.callId });
      // The page (and its `media.ice-servers`) is not up yet: the relay came from the welcome.
      assert.match(joined.detail ?? '', /turn=1/);
      await rig.caller.waitForScreen('in-call');
      await rig.caller.hangup();
      await phone.waitForSystemEvent('ended', { callId: reported.callId });
    } finally {
      await phone.reopen({ webViewLoadDelayMs: null });
    }
  });
});
