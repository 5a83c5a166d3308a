/**
 * The callee on a simulated iPhone (web/src/shell-simulator: CallKit, PushKit and the shell's rules
 * of docs/callkit-decision-table.md, with the PWA in its web view), the caller in a browser, the
 * real server and its SFU between them. Each scenario measures audio both ways with the rig's
 * signature tones, and checks from the system's event log that capture never started before
 * CallKit's `didActivate`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SystemEvent } from '@softphone/web/callkit-simulator';
import { SIGNATURES, writeSignatureWav } from '../../src/audio/wav.ts';
import { IphoneParty } from '../../src/rig/iphone-party.ts';
import { placeCall, type PlaceCallOptions } from '../../src/rig/place-call.ts';
import type { CallResult } from '../../src/rig/results.ts';
import { Rig } from '../../src/rig/rig.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-ios-'));
const wav = (name: string, sig: (typeof SIGNATURES)[keyof typeof SIGNATURES]) => {
  const f = path.join(dir, `${name}.wav`);
  writeSignatureWav(f, sig);
  return f;
};
// 2.5 s: an early heard window (a capture-start burst) can end the wait for audio before the
// caller's voice arrives; the verdict needs a sustained onset inside the measured span.
const CALL: PlaceCallOptions = { holdMs: 2_500, heardTimeoutMs: 8_000 };
const WATCHDOG_MS = 2_500;

/** The first event of `kind`, or throws naming what the log holds. */
function first(events: SystemEvent[], kind: string): SystemEvent {
  const e = events.find((x) => x.kind === kind);
  assert.ok(e, `no ${kind} in ${events.map((x) => x.kind).join(', ')}`);
  return e;
}

/** No capture started before `didActivate`, in the system's log and in the page's own check. */
function assertNoCaptureBeforeActivation(result: CallResult, events: SystemEvent[]): void {
  assert.equal(result.captureBeforeActivation, false, 'the page saw capture before activation');
  const capture = events.find((e) => e.kind === 'capture-started');
  const activated = events.find((e) => e.kind === 'didActivate');
  if (capture) {
    assert.ok(activated, 'capture started but CallKit never activated audio');
    assert.ok(capture.at >= activated.at, 'capture started before didActivate');
  }
}

describe('incoming calls on a simulated iPhone (CallKit + shell simulator)', { timeout: 300_000 }, () => {
  let rig: Rig;
  let phone: IphoneParty;
  before(async () => {
    rig = await Rig.start({
      profile: 'linux-chromium',
      wav: { caller: wav('caller', SIGNATURES.caller), callee: wav('callee', SIGNATURES.callee) },
      logDir: path.join(dir, 'logs'),
      calleeOnIphone: { query: `activationWatchdogMs=${WATCHDOG_MS}` },
    });
    assert.ok(rig.callee instanceof IphoneParty);
    phone = rig.callee;
  });
  after(async () => rig?.stop());

  /** One measured call; asserts two-way audio and the activation rule, returns the call's events. */
  async function twoWayCall(
    opts: Partial<PlaceCallOptions> = {},
  ): Promise<{ result: CallResult; events: SystemEvent[] }> {
    const result = await placeCall(0, rig.caller, phone, { ...CALL, ...opts });
    assert.equal(result.outcome, 'measured', result.error);
    assert.ok(result.callId);
    const events = await phone.eventsOf(result.callId);
    assert.equal(
      result.verdict,
      'two-way',
      `${JSON.stringify(result.directions)}; ${JSON.stringify(events)}`,
    );
    assertNoCaptureBeforeActivation(result, events);
    return { result, events };
  }

  it('foreground: rings through CallKit, answered in the page, two-way after didActivate', async () => {
    const { events } = await twoWayCall();
    const kinds = events.map((e) => e.kind);
    for (const k of [
      'incoming-reported',
      'reported',
      'answer-fulfilled',
      'didActivate',
      'capture-started',
      'ended',
    ]) {
      assert.ok(kinds.includes(k), `missing ${k} in ${kinds.join(', ')}`);
    }
  });

  it("background: answered on CallKit's full-screen UI, two-way", async () => {
    await phone.setDevice('background');
    try {
      const { events } = await twoWayCall({ answer: () => phone.answerOnSystemUi() });
      assert.equal(first(events, 'answer-requested').detail, 'background');
    } finally {
      await phone.setDevice('foreground');
    }
  });

  it('locked: answered on the lock screen, two-way', async () => {
    await phone.setDevice('locked');
    try {
      const { events } = await twoWayCall({ answer: () => phone.answerOnSystemUi() });
      assert.equal(first(events, 'answer-requested').detail, 'locked');
    } finally {
      await phone.setDevice('foreground');
    }
  });

  it('didActivate 2 s late: nothing captured before it, two-way after', async () => {
    await phone.setKnobs({ activationDelayMs: 2_000 });
    try {
      const { events } = await twoWayCall({ heardTimeoutMs: 10_000 });
      const fulfilled = first(events, 'answer-fulfilled');
      const activated = first(events, 'didActivate');
      const capture = first(events, 'capture-started');
      assert.ok(activated.at - fulfilled.at >= 2_000, `didActivate after ${activated.at - fulfilled.at} ms`);
      assert.ok(capture.at >= activated.at);
    } finally {
      await phone.setKnobs({ activationDelayMs: 50 });
    }
  });

  it('didActivate never: the call is flagged "audio not activated", the configuration re-assigned, the next call two-way', async () => {
    await phone.setKnobs({ loseSessionAfterNextReport: true });
    await rig.caller.call(phone);
    const incoming = await phone.waitForScreen('incoming');
    const callId = incoming.state.call?.id;
    assert.ok(callId);
    await phone.answer();
    await phone.driver.waitUntil(
      async () => (await phone.snapshot(1e9)).state.call?.audio === 'not-activated',
      {
        timeout: WATCHDOG_MS + 5_000,
        interval: 100,
        timeoutMsg: 'the page never flagged the call',
      },
    );
    assert.equal(await phone.driver.$('>>>[data-test="audio-status"]').getText(), 'Audio not activated');
    const snap = await phone.snapshot(1e9);
    assert.equal(snap.capturing, false, 'the page must not capture without activation');
    const all = await phone.systemEvents();
    const failed = first(
      all.filter((e) => e.callId === callId),
      'activation-failed',
    );
    assert.ok(
      all.some(
        (e) => e.kind === 'configuration-assigned' && e.at >= failed.at && /backstop/.test(e.detail ?? ''),
      ),
      'the configuration was not re-assigned after the missing didActivate',
    );
    const mine = all.filter((e) => e.callId === callId).map((e) => e.kind);
    assert.ok(!mine.includes('didActivate') && !mine.includes('capture-started'), mine.join(', '));
    // The server hears of it too, while the call is up.
    const serverLog = path.join(dir, 'logs', 'server.log');
    await phone.driver.waitUntil(
      async () =>
        fs
          .readFileSync(serverLog, 'utf8')
          .split('\n')
          .some(
            (l) => l.includes(callId) && l.includes('audio activation failed') && l.includes('not-activated'),
          ),
      { timeout: 5_000, timeoutMsg: 'the server was not told the audio was not activated' },
    );
    await rig.caller.hangup();
    await Promise.all([rig.caller.waitForScreen('ended'), phone.waitForScreen('ended')]);
    await Promise.all([rig.caller.dismiss(), phone.dismiss()]);

    await twoWayCall();
  });

  // Failure path 2 (SHELL_SIM_FAULT=unbalancedLibWebRTC: the unhold resumes audio by itself).
  it('unhold without didActivate: the resumed call is flagged "audio not activated", never forced', async () => {
    await rig.caller.call(phone);
    await phone.waitForScreen('incoming');
    await phone.answer();
    const answered = await phone.waitForScreen('in-call');
    const callId = answered.state.call?.id;
    assert.ok(callId);
    await phone.waitForSystemEvent('capture-started', { callId });
    await phone.setKnobs({ noActivationAfterUnhold: true });
    try {
      // CallKit's hold (the call screen, or an interrupting call): the page's own hold is a media hold.
      await phone.holdOnSystemUi(true);
      await phone.waitForSystemEvent('capture-stopped', { callId });
      await phone.holdOnSystemUi(false);
      await phone.driver.waitUntil(
        async () => (await phone.snapshot(1e9)).state.call?.audio === 'not-activated',
        {
          timeout: WATCHDOG_MS + 5_000,
          interval: 100,
          timeoutMsg: 'the page never flagged the resumed call',
        },
      );
      const events = await phone.eventsOf(callId);
      const resumed = first(events, 'resumed');
      assert.ok(
        !events.some((e) => e.kind === 'capture-started' && e.at > resumed.at),
        'capture resumed without didActivate',
      );
      assert.ok(events.some((e) => e.kind === 'activation-failed' && e.at > resumed.at));
    } finally {
      await phone.setKnobs({ noActivationAfterUnhold: false });
      await rig.caller.hangup();
      await Promise.all([rig.caller.waitForScreen('ended'), phone.waitForScreen('ended')]);
      await Promise.all([rig.caller.dismiss(), phone.dismiss()]);
    }
  });

  /** Answers in the page and waits until the app captures: a call with audio running. */
  async function answeredCall(): Promise<string> {
    await rig.caller.call(phone);
    await phone.waitForScreen('incoming');
    await phone.answer();
    const answered = await phone.waitForScreen('in-call');
    const callId = answered.state.call?.id;
    assert.ok(callId);
    await phone.waitForSystemEvent('capture-started', { callId });
    return callId;
  }

  async function bothEnded(): Promise<void> {
    await Promise.all([rig.caller.waitForScreen('ended'), phone.waitForScreen('ended')]);
    await Promise.all([rig.caller.dismiss(), phone.dismiss()]);
  }

  // Failure path 1 (SHELL_SIM_FAULT=stuckInterruption: the flag is cleared only by an end).
  it('an interruption that never ends ("End & Accept" on a cellular call) leaves the next call two-way', async () => {
    const callId = await answeredCall();
    await phone.interrupt('end-and-accept');
    await phone.waitForSystemEvent('ended', { callId });
    await bothEnded();
    await twoWayCall();
  });

  // Failure path 2 (SHELL_SIM_FAULT=unbalancedLibWebRTC: reset leaves libwebrtc's count at 1, its observers kept).
  it("providerDidReset mid-call, then an interruption's end and the app becoming active: libwebrtc activates nothing, the next call two-way", async () => {
    const callId = await answeredCall();
    await phone.resetProvider();
    await phone.waitForSystemEvent('provider-reset');
    await bothEnded();
    const before = await phone.eventMark();
    await phone.interrupt('begin');
    await phone.interrupt('end');
    await phone.libWebRTCEvent('became-active');
    await phone.libWebRTCEvent('media-services-reset');
    const after = await phone.systemEvents(before);
    assert.ok(!after.some((e) => e.kind === 'app-activated-audio'), JSON.stringify(after));
    const counts = (await phone.systemEvents()).filter((e) => e.kind === 'libwebrtc-count');
    assert.equal(counts.at(-1)?.detail, '0', `libwebrtc's count after ${callId} ended`);
    await twoWayCall();
  });

  // Failure path 4 (SHELL_SIM_FAULT=refusalsOnlyLogged): each refusal is reported and the call ends cleanly.
  it('CallKit refuses the answer: the page hears it, the call ends for both, the next call two-way', async () => {
    await phone.setKnobs({ refuseNext: 'answer' });
    await rig.caller.call(phone);
    const incoming = await phone.waitForScreen('incoming');
    const callId = incoming.state.call?.id;
    assert.ok(callId);
    await phone.answer();
    await phone.waitForSystemEvent('answer-refused-by-callkit', { callId });
    await Promise.all([rig.caller.waitForScreen('ended', 10_000), phone.waitForScreen('ended', 10_000)]);
    assert.deepEqual((await phone.systemSnapshot()).calls, []);
    await Promise.all([rig.caller.dismiss(), phone.dismiss()]);
    await twoWayCall();
  });

  it('CallKit refuses the report: the caller is told at once, not after the ring timeout', async () => {
    await phone.setKnobs({ refuseNext: 'report' });
    const since = await phone.eventMark();
    await rig.caller.call(phone);
    const refused = await phone.waitForSystemEvent('report-refused-by-callkit', { timeout: 10_000, since });
    assert.ok(refused.callId);
    await Promise.all([rig.caller.waitForScreen('ended', 10_000), phone.waitForScreen('ended', 10_000)]);
    assert.deepEqual((await phone.systemSnapshot()).calls, []);
    await Promise.all([rig.caller.dismiss(), phone.dismiss()]);
  });

  it('an answer while the report is still pending is kept and performed: two-way', async () => {
    await phone.setKnobs({ reportCompletionDelayMs: 1_500 });
    try {
      const { events } = await twoWayCall();
      const answered = first(events, 'answer-requested');
      const reported = first(events, 'reported');
      assert.ok(answered.at >= reported.at, 'CallKit was asked to answer once the report completed');
    } finally {
      await phone.setKnobs({ reportCompletionDelayMs: 0 });
    }
  });

  it("CallKit refuses to start the iPhone's outgoing call: it ends for both at once", async () => {
    await phone.setKnobs({ refuseNext: 'start' });
    const since = await phone.eventMark();
    await phone.call(rig.caller);
    await phone.waitForSystemEvent('start-refused-by-callkit', { timeout: 10_000, since });
    await Promise.all([rig.caller.waitForScreen('ended', 10_000), phone.waitForScreen('ended', 10_000)]);
    assert.deepEqual((await phone.systemSnapshot()).calls, []);
    await Promise.all([rig.caller.dismiss(), phone.dismiss()]);
  });

  it('experimental page engine capturing at ring time (QA fault switch): the rig sees the capture before didActivate', async () => {
    await phone.reopen({ engine: 'page' });
    try {
      await phone.setCaptureAtRing(true);
      const result = await placeCall(0, rig.caller, phone, CALL);
      assert.equal(result.outcome, 'measured', result.error);
      assert.equal(result.captureBeforeActivation, true, 'the capture at ring time went unseen');
    } finally {
      // A reload drops the switch with the page.
      await phone.reopen({ engine: null });
    }
  });

  it("experimental page engine (QA builds): the page's own WebRTC, gated by didActivate, is two-way", async () => {
    await phone.reopen({ engine: 'page', activationDelayMs: '1000' });
    try {
      // Longer than the others: the page's own capture starts a second after the answer here.
      const { events } = await twoWayCall({ heardTimeoutMs: 10_000, holdMs: 3_000 });
      // The page captures itself: the app's engine never does, and the page's own check holds.
      assert.ok(!events.some((e) => e.kind === 'capture-started'));
      const activatedAt = (await phone.snapshot(1e9)).marks?.activatedAt;
      assert.ok(
        activatedAt && activatedAt >= first(events, 'didActivate').at,
        'the page captured before didActivate',
      );
    } finally {
      await phone.reopen({ engine: null, activationDelayMs: null });
    }
  });

  it('duplicate push for a ringing call: CallKit refuses the second report, one ring, then two-way', async () => {
    let pushed = false;
    const { events } = await twoWayCall({
      answer: async (callee) => {
        const callId = (await callee.snapshot(1e9)).state.call?.id;
        assert.ok(callId);
        await phone.deliverPush(voipPush(callId, Date.now() + 30_000));
        await phone.waitForSystemEvent('report-refused', { callId });
        assert.equal((await phone.systemSnapshot()).ringing.length, 1);
        pushed = true;
        await callee.answer();
      },
    });
    assert.ok(pushed);
    assert.equal(events.filter((e) => e.kind === 'incoming-reported').length, 1);
    assert.equal(first(events, 'push-decision').detail, 'P2 report-duplicate');
  });

  it('stale push: reported, ended at once, never rings in the page', async () => {
    const callId = crypto.randomUUID();
    await phone.deliverPush(voipPush(callId, Date.now() - 1_000));
    await phone.waitForSystemEvent('ended', { callId });
    const events = await phone.eventsOf(callId);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['push-arrived', 'push-decision', 'incoming-reported', 'ended'],
    );
    assert.equal(first(events, 'push-decision').detail, 'P4 report-then-end');
    const snap = await phone.systemSnapshot();
    assert.deepEqual(snap.ringing, []);
    assert.equal(snap.strikes, 0, 'a reported push never costs a strike');
    assert.equal((await phone.snapshot(1e9)).screen, 'contacts');
  });
});

function voipPush(callId: string, expiresAt: number): unknown {
  return {
    v: 1,
    callId,
    caller: { id: crypto.randomUUID(), handle: 'caller', displayName: 'Caller' },
    sentAt: Date.now() - 100,
    expiresAt,
    ringTimeoutMs: 30_000,
  };
}
