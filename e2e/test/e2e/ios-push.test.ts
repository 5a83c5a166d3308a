/**
 * Issue 5's end-to-end items on the simulated iPhone: the server pushes through the APNs stand-in,
 * the stand-in delivers to the simulator's device-side stream, and the simulator plays iOS
 * (cold launch, CallKit) and the shell. The callee's app is not running: the caller sees the
 * callee listed asleep and calls.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { judgeDirection, verdictOf } from '../../src/audio/verdict.ts';
import { SIGNATURES, writeSignatureWav } from '../../src/audio/wav.ts';
import { IphoneParty } from '../../src/rig/iphone-party.ts';
import { placeCall } from '../../src/rig/place-call.ts';
import { Rig } from '../../src/rig/rig.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-ios-push-'));
const wav = (name: string, sig: (typeof SIGNATURES)[keyof typeof SIGNATURES]) => {
  const f = path.join(dir, `${name}.wav`);
  writeSignatureWav(f, sig);
  return f;
};
/** The server's default: it covers the cold launch, the page loading and claiming the call. */
const REPORT_TIMEOUT_MS = 8_000;

describe('calls that reach a sleeping iPhone through a VoIP push', { timeout: 240_000 }, () => {
  let rig: Rig;
  let phone: IphoneParty;
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
    const first = await placeCall(0, rig.caller, phone, { holdMs: 2_500, heardTimeoutMs: 8_000 });
    assert.equal(first.outcome, 'measured', first.error);
  });
  after(async () => rig?.stop());

  /** The apns-ids of the pushes the server's push log has for a call. */
  const pushesFor = (callId: string): string[] => {
    const pushLog = rig.server?.apns?.pushLog ?? '';
    if (!fs.existsSync(pushLog)) return [];
    return fs
      .readFileSync(pushLog, 'utf8')
      .split('\n')
      .filter((l) => l.includes(callId))
      .map((l) => (JSON.parse(l) as { 'apns-id': string })['apns-id']);
  };

  it('app killed: the push cold-launches it, it rings, answered on CallKit, audio both ways', async () => {
    await phone.killApp();
    await rig.caller.waitUntilAsleep(phone);
    const result = await placeCall(1, rig.caller, phone, {
      holdMs: 2_500,
      heardTimeoutMs: 10_000,
      dial: async () => {
        await rig.caller.call(phone);
        await phone.waitForSystemEvent('app-launched');
        await phone.enterApp();
      },
      answer: () => phone.answerOnSystemUi(),
    });
    assert.equal(result.outcome, 'measured', result.error);
    assert.ok(result.callId);
    const events = await phone.eventsOf(result.callId);
    assert.equal(
      result.verdict,
      'two-way',
      `${JSON.stringify(result.directions)}; ${JSON.stringify(events)}`,
    );
    assert.equal(result.captureBeforeActivation, false);
    const kinds = events.map((e) => e.kind);
    for (const k of [
      'push-arrived',
      'push-decision',
      'incoming-reported',
      'reported',
      'didActivate',
      'capture-started',
    ]) {
      assert.ok(kinds.includes(k), `missing ${k} in ${kinds.join(', ')}`);
    }
    const activated = events.find((e) => e.kind === 'didActivate');
    const capture = events.find((e) => e.kind === 'capture-started');
    assert.ok(activated && capture && capture.at >= activated.at, 'capture before didActivate');
  });

  it('cancelled before the push is delivered: no second push, and the late one stops ringing at once', async () => {
    await phone.killApp();
    await rig.caller.waitUntilAsleep(phone);
    // The phone is out of reach: APNs accepts the push and holds it (store and forward).
    await phone.setNetwork(false);
    await rig.caller.call(phone);
    await rig.caller.driver.waitUntil(async () => Boolean((await rig.caller.snapshot(1e9)).state.call?.id), {
      timeout: 5_000,
      timeoutMsg: 'the call was not placed',
    });
    const callId = (await rig.caller.snapshot(1e9)).state.call?.id ?? '';
    // APNs has taken the push (and holds it for the phone out of reach) before the caller gives up.
    await rig.caller.driver.waitUntil(async () => pushesFor(callId).length > 0, {
      timeout: 10_000,
      timeoutMsg: 'the server logged no push for the call',
    });
    await rig.caller.hangup();
    await rig.caller.waitForScreen('ended');
    await phone.setNetwork(true);
    // iOS makes the app report the held push it now gets; the page learns the call is over when it
    // claims it, and CallKit stops ringing at once: no answer, no audio, never a second VoIP push.
    const reported = await phone.waitForSystemEvent('incoming-reported', { callId, timeout: 15_000 });
    const ended = await phone.waitForSystemEvent('ended', { callId, timeout: 15_000 });
    assert.ok(ended.at - reported.at < 5_000, `rang for ${ended.at - reported.at} ms`);
    const kinds = (await phone.eventsOf(callId)).map((e) => e.kind);
    for (const k of ['answer-fulfilled', 'didActivate', 'capture-started'])
      assert.ok(!kinds.includes(k), `${k} for a cancelled call: ${kinds.join(', ')}`);
    const sends = pushesFor(callId);
    assert.equal(new Set(sends).size, 1, `pushes for the call: ${sends.join(', ')}`);
    await rig.caller.dismiss();
  });

  /**
   * A call the page takes no part in (frozen, or still loading): heard both ways — the caller's
   * page, and the app's native engine for the iPhone's side — captured only after didActivate,
   * hung up from `endBy`, and over everywhere (caller, server, CallKit).
   */
  async function heardWithoutThePage(callId: string, endBy: 'caller' | 'iphone'): Promise<void> {
    await rig.caller.waitForScreen('in-call');
    const judge = async () => {
      const [a, n] = [await rig.caller.snapshot(), await phone.nativeAudio(callId)];
      const endAt = Date.now();
      const from = n.answeredAt ?? endAt;
      const directions = {
        'caller->callee': judgeDirection(n.windows, from, endAt),
        'callee->caller': judgeDirection(a.windows, from, endAt),
      };
      return { ...verdictOf(directions), directions, answeredAt: n.answeredAt };
    };
    await rig.caller.driver
      .waitUntil(async () => (await judge()).verdict === 'two-way', { timeout: 10_000, interval: 250 })
      .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1_000));
    const { verdict, directions, answeredAt } = await judge();
    assert.ok(answeredAt, 'the app answered');
    assert.equal(verdict, 'two-way', JSON.stringify(directions));
    if (endBy === 'caller') await rig.caller.hangup();
    else await phone.endOnSystemUi();
    await rig.caller.waitForScreen('ended');
    await phone.waitForSystemEvent('ended', { callId });
    const snap = await phone.systemSnapshot();
    assert.deepEqual(snap.calls, []);
    const mine = await phone.eventsOf(callId);
    const activated = mine.find((e) => e.kind === 'didActivate');
    const capture = mine.find((e) => e.kind === 'capture-started');
    assert.ok(activated && capture && capture.at >= activated.at, 'capture before didActivate');
    await rig.caller.dismiss();
  }

  /** Whatever a failed scenario left: the page thawed, no call up, the phone in the foreground. */
  async function leaveClean(): Promise<void> {
    await phone.thawPage().catch(() => undefined);
    for (const p of [rig.caller, phone]) {
      const screen = (await p.snapshot(1e9).catch(() => null))?.screen;
      if (screen === 'in-call' || screen === 'outgoing') await p.hangup().catch(() => undefined);
    }
    await phone.setDevice('foreground');
    for (const p of [rig.caller, phone])
      if ((await p.snapshot(1e9).catch(() => null))?.screen === 'ended')
        await p.dismiss().catch(() => undefined);
  }

  /** The page, thawed, shows no call any more (the ended screen or the contacts). */
  async function pageSettled(): Promise<void> {
    await phone.thawPage();
    await phone.driver.waitUntil(
      async () => ['ended', 'contacts'].includes((await phone.snapshot(1e9)).screen),
      {
        timeout: 10_000,
        timeoutMsg: 'the thawed page still shows the call',
      },
    );
    if ((await phone.snapshot(1e9)).screen === 'ended') await phone.dismiss();
    await phone.setDevice('foreground');
  }

  async function ringingCallId(since: number): Promise<string> {
    const reported = await phone.waitForSystemEvent('incoming-reported', { timeout: 15_000, since });
    assert.ok(reported.callId);
    return reported.callId;
  }

  it('page frozen, locked: answered on the lock screen, two-way, the caller hangs up, ended cleanly', async () => {
    try {
      await phone.setDevice('locked');
      await phone.freezePage();
      const before = await phone.eventMark();
      await rig.caller.call(phone);
      await phone.driver.waitUntil(async () => (await phone.systemSnapshot()).ringing.length === 1, {
        timeout: 15_000,
        timeoutMsg: 'CallKit is not ringing',
      });
      const callId = (await phone.systemEvents(before)).find((e) => e.kind === 'incoming-reported')?.callId;
      assert.ok(callId);
      await phone.answerOnSystemUi();
      await heardWithoutThePage(callId, 'caller');
      await pageSettled();
    } finally {
      await leaveClean();
    }
  });

  it('page frozen, background: answered on CallKit, two-way, hung up on the iPhone, ended cleanly', async () => {
    try {
      await phone.setDevice('background');
      await phone.freezePage();
      const before = await phone.eventMark();
      await rig.caller.call(phone);
      await phone.driver.waitUntil(async () => (await phone.systemSnapshot()).ringing.length === 1, {
        timeout: 15_000,
        timeoutMsg: 'CallKit is not ringing',
      });
      const callId = (await phone.systemEvents(before)).find((e) => e.kind === 'incoming-reported')?.callId;
      assert.ok(callId);
      await phone.answerOnSystemUi();
      await heardWithoutThePage(callId, 'iphone');
      await pageSettled();
    } finally {
      await leaveClean();
    }
  });

  it('page frozen, cold launch by push: answered on the lock screen, two-way, hung up on the iPhone, ended cleanly', async () => {
    try {
      await phone.killApp();
      await rig.caller.waitUntilAsleep(phone);
      await phone.setDevice('locked');
      const since = await phone.eventMark();
      await rig.caller.call(phone);
      await phone.waitForSystemEvent('app-launched', { timeout: 15_000, since });
      await phone.freezePage();
      const callId = await ringingCallId(since);
      await phone.answerOnSystemUi();
      await heardWithoutThePage(callId, 'iphone');
      await pageSettled();
    } finally {
      await leaveClean();
    }
  });

  // Failure path 3 (SHELL_SIM_FAULT=dropBeforeReady: what the shell sent before bridge.ready is lost).
  it('cold launch, answered on the lock screen while the page loads: the loaded page shows the answered call with audio', async () => {
    await phone.reopen({ webViewLoadDelayMs: '4000' });
    try {
      await phone.killApp();
      await rig.caller.waitUntilAsleep(phone);
      await phone.setDevice('locked');
      const since = await phone.eventMark();
      await rig.caller.call(phone);
      await phone.waitForSystemEvent('app-launched', { timeout: 15_000, since });
      const callId = await ringingCallId(since);
      await phone.answerOnSystemUi();
      await phone.waitForSystemEvent('didActivate', { callId });
      await phone.enterApp();
      await phone.driver.waitUntil(
        async () => {
          const snap = await phone.snapshot(1e9).catch(() => null);
          return snap?.screen === 'in-call' && snap.state.call?.audio === 'active';
        },
        {
          timeout: 15_000,
          interval: 200,
          timeoutMsg: 'the loaded page does not show the answered call with audio',
        },
      );
      await rig.caller.hangup();
      await Promise.all([rig.caller.waitForScreen('ended'), phone.waitForScreen('ended')]);
      await Promise.all([rig.caller.dismiss(), phone.dismiss()]);
    } finally {
      await phone.reopen({ webViewLoadDelayMs: null });
    }
  });

  it('before first unlock: no push reaches the app, and the caller is told the callee is unreachable', async () => {
    await phone.rebootWithoutUnlock();
    await rig.caller.waitUntilAsleep(phone);
    const dialedAt = Date.now();
    await rig.caller.call(phone);
    await rig.caller.waitForScreen('ended', REPORT_TIMEOUT_MS + 6_000);
    const waited = Date.now() - dialedAt;
    assert.match(await rig.caller.endMessage(), /unreachable|not reachable|can't be reached/i);
    assert.ok(waited < REPORT_TIMEOUT_MS + 5_000, `told after ${waited} ms`);
    const snap = await phone.systemSnapshot();
    assert.ok(
      (await phone.systemEvents()).some(
        (e) => e.kind === 'push-dropped' && /before first unlock/.test(e.detail ?? ''),
      ),
    );
    assert.equal(snap.appRunning, false, 'the app is not launched before first unlock');
    assert.deepEqual(snap.ringing, []);
    await rig.caller.dismiss();
    await phone.unlockAfterReboot();
  });
});
