/**
 * The everyday softphone in real Chromium through the rig: accounts, a user with two devices,
 * hold / resume with audio measured per direction, and call history with the missed-call badge.
 * One rig (three browsers) serves the whole suite; every test starts from every device at rest
 * (signed in, on the people list, no call) and sets up what it needs itself, so each runs alone.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Key } from 'webdriverio';
import { EndReason } from '@softphone/sfu/protocol';
import { heardOnset } from '../../src/audio/verdict.ts';
import { waitHeardBothWays } from '../../src/rig/heard-both-ways.ts';
import { SIGNATURES, writeSignatureWav } from '../../src/audio/wav.ts';
import type { Party } from '../../src/rig/party.ts';
import { Rig } from '../../src/rig/rig.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-everyday-'));
const wav = (name: string, sig: (typeof SIGNATURES)[keyof typeof SIGNATURES]) => {
  const f = path.join(dir, `${name}.wav`);
  writeSignatureWav(f, sig);
  return f;
};
const HEARD_TIMEOUT_MS = 8_000;

/** Whether the party's page has a session cookie the server accepts. */
async function hasSession(p: Party): Promise<boolean> {
  return p.driver.execute(async () => (await fetch('/api/me', { credentials: 'same-origin' })).ok);
}

async function isListedOnline(viewer: Party, other: Party): Promise<boolean> {
  return (await viewer.snapshot(1e9)).state.users.some((u) => u.displayName === other.name);
}

/** Brings a device back to rest: signed in, on the people list, no call, no end screen. */
async function atRest(p: Party): Promise<void> {
  for (let step = 0; step < 5; step++) {
    const { screen } = await p.snapshot(1e9);
    if (screen === 'contacts') return;
    if (screen === 'sign-in') await p.signIn();
    else if (screen === 'history') await p.openPeople();
    else if (screen === 'ended') await p.dismiss();
    else if (screen === 'incoming') await p.decline();
    else await p.hangup();
    await p.driver.waitUntil(async () => (await p.snapshot(1e9)).screen !== screen, {
      timeout: 10_000,
      timeoutMsg: `${p.who} stuck on ${screen}`,
    });
  }
  await p.waitForScreen('contacts');
}

/** Waits until every given device rings for the call and the caller has heard that it rings. */
async function ringingEverywhere(caller: Party, devices: Party[]): Promise<void> {
  for (const d of [caller, ...devices]) {
    await d.driver.waitUntil(async () => (await d.snapshot(1e9)).state.call?.state === 'ringing', {
      timeout: 10_000,
      timeoutMsg: `${d.who} never saw the call ringing`,
    });
  }
}

/** The id of the call the party is ringing for or in. */
async function callIdOf(p: Party): Promise<string> {
  const id = (await p.snapshot(1e9)).state.call?.id;
  assert.ok(id, `${p.who} has no call id`);
  return id;
}

describe('the everyday softphone in the browser', { timeout: 300_000 }, () => {
  let rig: Rig;
  /** The callee's second browser, signed in as the same user. */
  let calleePhone2: Party;

  before(async () => {
    rig = await Rig.start({
      profile: 'linux-chromium',
      wav: { caller: wav('caller', SIGNATURES.caller), callee: wav('callee', SIGNATURES.callee) },
      logDir: path.join(dir, 'logs'),
    });
    calleePhone2 = await rig.addDevice(rig.callee);
  });
  beforeEach(async () => {
    const { caller, callee } = rig;
    for (const p of [caller, callee, calleePhone2]) await atRest(p);
    await callee.driver.waitUntil(() => isListedOnline(callee, caller), {
      timeout: 10_000,
      timeoutMsg: 'the caller is not listed online for the callee',
    });
  });
  after(async () => rig?.stop());

  it('sign-up creates the account, opens a session and puts the user online', async () => {
    const { caller, callee } = rig;
    const s = await caller.snapshot(1e9);
    assert.equal(s.screen, 'contacts');
    assert.equal(s.state.account?.username, caller.username);
    assert.equal(s.state.account?.displayName, caller.name);
    assert.equal(s.state.self?.displayName, caller.name);
    assert.ok(await hasSession(caller));
    const nav = await caller.driver.$('>>>sp-nav').$('>>>nav').getText();
    assert.match(nav, new RegExp(`Signed in as\\s+${caller.name}`));
    await callee.driver.waitUntil(() => isListedOnline(callee, caller), {
      timeout: 5_000,
      timeoutMsg: 'the new user is not listed online for the other party',
    });
  });

  it('signing out ends the session; signing in with the right password restores it', async () => {
    const { caller, callee } = rig;
    await caller.signOut();
    assert.equal(await hasSession(caller), false);
    await callee.driver.waitUntil(async () => !(await isListedOnline(callee, caller)), {
      timeout: 5_000,
      timeoutMsg: 'a signed-out user is still listed online',
    });
    assert.deepEqual(await caller.signIn(), { ok: true });
    const s = await caller.waitForScreen('contacts');
    assert.equal(s.state.account?.username, caller.username);
    assert.ok(await hasSession(caller));
    await callee.driver.waitUntil(() => isListedOnline(callee, caller), { timeout: 5_000 });
  });

  it('a wrong password shows the error and opens no session', async () => {
    const { caller, callee } = rig;
    await caller.signOut();
    const res = await caller.signIn('not the password');
    assert.equal(res.ok, false);
    assert.match(!res.ok ? res.error : '', /wrong username or password/i);
    const s = await caller.snapshot(1e9);
    assert.equal(s.screen, 'sign-in');
    assert.equal(s.state.account, null);
    assert.equal(await hasSession(caller), false);
    assert.equal(await isListedOnline(callee, caller), false);
    assert.deepEqual(await caller.signIn(), { ok: true });
    await callee.driver.waitUntil(() => isListedOnline(callee, caller), { timeout: 5_000 });
  });

  it('a call rings every device of the callee; answering on one tells the other "answered elsewhere"', async () => {
    const { caller, callee } = rig;
    const own = (await callee.snapshot(1e9)).state.users;
    assert.ok(!own.some((u) => u.displayName === callee.name), 'a user is never listed to themselves');

    await caller.call(callee);
    await Promise.all([callee.waitForScreen('incoming'), calleePhone2.waitForScreen('incoming')]);
    const id = await callIdOf(callee);
    assert.equal(await callIdOf(calleePhone2), id, 'both devices ring for the same call');
    // Both devices have taken the call up (ringing, media set up while ringing) before one answers.
    await ringingEverywhere(caller, [callee, calleePhone2]);
    assert.equal((await calleePhone2.snapshot(1e9)).screen, 'incoming', 'the second device stopped ringing');

    await callee.answer();
    const ended = await calleePhone2.waitForScreen('ended');
    assert.equal(ended.state.ended?.reason, EndReason.AnsweredElsewhere);
    assert.equal(await calleePhone2.endMessage(), 'Answered on another device');
    assert.equal(ended.capturing, false, 'the device that did not answer never captures');
    assert.equal(ended.marks?.captureStartedAt, undefined);
    await Promise.all([caller.waitForScreen('in-call'), callee.waitForScreen('in-call')]);

    const answeredAt = (await callee.snapshot(1e9)).marks?.answeredAt ?? 0;
    const { heardByA, heardByB } = await waitHeardBothWays(caller, callee, answeredAt, HEARD_TIMEOUT_MS);
    assert.ok(heardByB.heard, 'caller->callee not heard on the answering device');
    assert.ok(heardByA.heard, 'callee->caller not heard from the answering device');

    await caller.hangup();
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
    assert.equal(await callee.endMessage(), `${caller.name} hung up`);
    await Promise.all([caller.dismiss(), callee.dismiss(), calleePhone2.dismiss()]);
  });

  it('declining on one device declines the call for the caller and stops every device ringing', async () => {
    const { caller, callee } = rig;
    await caller.call(callee);
    await Promise.all([callee.waitForScreen('incoming'), calleePhone2.waitForScreen('incoming')]);
    await calleePhone2.decline();
    const [c, d1, d2] = await Promise.all([
      caller.waitForScreen('ended'),
      callee.waitForScreen('ended'),
      calleePhone2.waitForScreen('ended'),
    ]);
    for (const s of [c, d1, d2]) assert.equal(s.state.ended?.reason, EndReason.Declined);
    assert.equal(await caller.endMessage(), `${callee.name} declined the call`);
    assert.equal(await calleePhone2.endMessage(), 'You declined the call');
    assert.equal(await callee.endMessage(), 'Declined on another device');
    await Promise.all([caller.dismiss(), callee.dismiss(), calleePhone2.dismiss()]);
  });

  it('hold and resume: the held side goes silent, and after resume audio is heard both ways', async () => {
    const { caller, callee } = rig;
    await caller.call(callee);
    await callee.waitForScreen('incoming');
    await callee.answer();
    await calleePhone2.waitForScreen('ended');
    await Promise.all([caller.waitForScreen('in-call'), callee.waitForScreen('in-call')]);
    const answeredAt = (await callee.snapshot(1e9)).marks?.answeredAt ?? 0;
    const before = await waitHeardBothWays(caller, callee, answeredAt, HEARD_TIMEOUT_MS);
    assert.ok(before.heardByA.heard && before.heardByB.heard, 'not two-way before hold');

    await caller.setHeld(true);
    const heldAt = Date.now();
    await callee.driver.waitUntil(async () => (await callee.snapshot(1e9)).state.call?.held.peer === true, {
      timeout: 5_000,
      timeoutMsg: 'the callee was not told it is on hold',
    });
    assert.equal((await caller.snapshot(1e9)).state.call?.held.self, true);
    assert.equal(await statusText(caller), 'On hold');
    assert.equal(await statusText(callee), `${caller.name} put you on hold`);
    const heldWindows = async () =>
      (await callee.snapshot()).windows.filter((w) => w.at > heldAt + 500).length;
    await callee.driver.waitUntil(async () => (await heldWindows()) > 5, {
      timeout: 10_000,
      timeoutMsg: 'no audio windows measured during hold',
    });

    await caller.setHeld(false);
    await caller.driver.waitUntil(async () => (await caller.snapshot(1e9)).marks?.resumedAt !== undefined, {
      timeout: 5_000,
      timeoutMsg: 'no resume mark: audio activation did not run again',
    });
    const resumedAt = (await caller.snapshot(1e9)).marks?.resumedAt ?? 0;
    assert.ok(resumedAt > heldAt);
    const after = await waitHeardBothWays(caller, callee, resumedAt, HEARD_TIMEOUT_MS);
    assert.ok(
      after.heardByB.heard,
      `caller->callee not heard after resume: ${JSON.stringify(after.heardByB)}`,
    );
    assert.ok(
      after.heardByA.heard,
      `callee->caller not heard after resume: ${JSON.stringify(after.heardByA)}`,
    );
    const s = await caller.snapshot(1e9);
    assert.equal(s.state.call?.held.self, false);
    assert.equal(s.state.call?.audio, 'active');
    assert.equal(s.capturing, true);

    // While held, the holder's microphone is off: nothing of it may reach the other side.
    const held = (await callee.snapshot()).windows.filter((w) => w.at > heldAt + 500 && w.at < resumedAt);
    assert.ok(held.length > 5, 'no audio windows measured during hold');
    assert.equal(heardOnset(held), -1, 'the callee heard the caller while on hold');

    await callee.hangup();
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
    await Promise.all([caller.dismiss(), callee.dismiss(), calleePhone2.dismiss()]);
  });

  it('history lists answered, declined and missed calls with their outcomes; the missed badge clears once seen', async () => {
    const { caller, callee } = rig;
    const calls: { answered?: string; declined?: string; missed?: string } = {};
    // The history of everything before is seen, so that the badge counts this test's calls only.
    for (const d of [callee, calleePhone2]) {
      await d.openHistory();
      await d.driver.waitUntil(async () => (await d.missedBadge()) === 0, {
        timeout: 5_000,
        timeoutMsg: `${d.who}: earlier missed calls stay new after the history was seen`,
      });
      await d.openPeople();
    }

    await caller.call(callee);
    await callee.waitForScreen('incoming');
    calls.answered = await callIdOf(callee);
    await callee.answer();
    await Promise.all([caller.waitForScreen('in-call'), callee.waitForScreen('in-call')]);
    const answeredAt = (await callee.snapshot(1e9)).marks?.answeredAt ?? 0;
    const heard = await waitHeardBothWays(caller, callee, answeredAt, HEARD_TIMEOUT_MS);
    assert.ok(heard.heardByA.heard && heard.heardByB.heard, 'the answered call is not two-way');
    await caller.hangup();
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
    await Promise.all([caller.dismiss(), callee.dismiss(), calleePhone2.dismiss()]);

    await caller.call(callee);
    await calleePhone2.waitForScreen('incoming');
    calls.declined = await callIdOf(calleePhone2);
    await calleePhone2.decline();
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
    await Promise.all([caller.dismiss(), callee.dismiss(), calleePhone2.dismiss()]);

    await caller.call(callee);
    await Promise.all([callee.waitForScreen('incoming'), calleePhone2.waitForScreen('incoming')]);
    calls.missed = await callIdOf(callee);
    await ringingEverywhere(caller, [callee, calleePhone2]);
    await caller.hangup();
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
    assert.equal(await callee.endMessage(), `Missed call from ${caller.name}`);
    await Promise.all([caller.dismiss(), callee.dismiss(), calleePhone2.dismiss()]);
    for (const d of [callee, calleePhone2]) {
      await d.driver.waitUntil(async () => (await d.missedBadge()) === 1, {
        timeout: 5_000,
        timeoutMsg: `${d.who}: no missed-call badge of 1`,
      });
    }
    assert.equal(await caller.missedBadge(), 0, 'the caller has missed nothing');

    await callee.openHistory();
    const entries = new Map((await callee.snapshot(1e9)).state.history.map((e) => [e.callId, e]));
    const rows = new Map((await callee.historyRows()).map((r) => [r.callId, r]));
    const expectCallee = [
      [calls.missed, 'missed', EndReason.Cancelled, /^Incoming · Missed$/],
      [calls.declined, 'incoming', EndReason.Declined, /^Incoming · Declined$/],
      [calls.answered, 'incoming', EndReason.HungUp, /^Incoming · Answered · \d+:\d\d$/],
    ] as const;
    for (const [id, kind, reason, text] of expectCallee) {
      assert.ok(id);
      assert.equal(entries.get(id)?.endReason, reason, `callee's entry for ${kind} ${reason}`);
      assert.equal(rows.get(id)?.kind, kind);
      assert.match(rows.get(id)?.text ?? '', text);
    }
    assert.deepEqual(
      [...rows.keys()].slice(0, 3),
      expectCallee.map(([id]) => id),
      'newest first',
    );
    const answered = entries.get(calls.answered ?? '');
    assert.ok(answered?.durationMs && answered.durationMs > 0, 'the answered call has a duration');
    assert.equal(answered.quality?.heard, true, 'the quality summary says the callee heard the caller');
    assert.equal(entries.get(calls.missed ?? '')?.missed, true);
    assert.deepEqual(
      [...rows.values()].filter((r) => r.unread).map((r) => r.callId),
      [calls.missed],
      'only the missed call is marked new',
    );
    assert.equal(entries.get(calls.declined ?? '')?.missed, false, 'a declined call is not missed');

    for (const d of [callee, calleePhone2]) {
      await d.driver.waitUntil(async () => (await d.missedBadge()) === 0, {
        timeout: 5_000,
        timeoutMsg: `${d.who}: the badge did not clear after the history was seen`,
      });
    }
    await callee.driver.refresh();
    await callee.waitForScreen('contacts');
    assert.equal((await callee.snapshot(1e9)).state.unreadMissed, 0, 'seen is kept by the server');

    await caller.openHistory();
    const mine = new Map((await caller.historyRows()).map((r) => [r.callId, r]));
    assert.equal(mine.get(calls.missed ?? '')?.text, 'Outgoing · Cancelled');
    assert.equal(mine.get(calls.declined ?? '')?.text, 'Outgoing · Declined');
    assert.equal(mine.get(calls.answered ?? '')?.kind, 'outgoing');
    await caller.openPeople();
  });

  it('a whole call with the keyboard only, and every screen on the way passes axe (WCAG 2.2 AA)', async () => {
    const { caller, callee } = rig;
    const problems: string[] = [];
    const audit = async (p: Party, screen: string) => {
      for (const v of await p.accessibilityViolations())
        problems.push(`${screen} (${p.who}): ${v.rule} [${v.impact}] ${v.help}: ${v.targets.join(', ')}`);
    };
    const focusIs = async (p: Party, test: string) =>
      assert.equal((await p.focused()).test, test, `${p.who}: focus should be on "${test}"`);

    // Start from a freshly loaded page, as a keyboard user would.
    await caller.driver.refresh();
    await caller.waitForScreen('contacts');
    await audit(caller, 'people');
    await caller.tabTo('sign-out');
    await caller.press(Key.Enter);
    await caller.waitForScreen('sign-in');
    await focusIs(caller, 'username');
    await audit(caller, 'sign in');

    await caller.tabTo('switch-mode');
    await caller.press(Key.Enter);
    await caller.driver.$('>>>[data-test="display-name"]').waitForDisplayed({ timeout: 2_000 });
    await audit(caller, 'create account');
    await caller.press(Key.Enter);
    await caller.driver
      .$('>>>[data-test="display-name"]')
      .waitForDisplayed({ reverse: true, timeout: 2_000 });

    await caller.tabTo('username');
    await caller.press(caller.username, Key.Tab, 'not the password', Key.Enter);
    await caller.driver.$('>>>[data-test="auth-error"]').waitForDisplayed({ timeout: 5_000 });
    await focusIs(caller, 'password');
    await audit(caller, 'sign-in error');
    await caller.press(caller.password, Key.Enter);
    await caller.waitForScreen('contacts');

    const callButton = await caller.tabTo('call');
    assert.ok(callButton > 0);
    assert.equal((await caller.focused()).label, `Call ${callee.name}`);
    await caller.press(Key.Enter);
    await caller.waitForScreen('outgoing');
    await focusIs(caller, 'hangup');
    await Promise.all([callee.waitForScreen('incoming'), calleePhone2.waitForScreen('incoming')]);
    await focusIs(callee, 'answer');
    await audit(caller, 'outgoing');
    await audit(callee, 'incoming');
    assert.match(await callee.announced(), new RegExp(`^Incoming call from ${caller.name}$`));

    await callee.press(Key.Space);
    await Promise.all([caller.waitForScreen('in-call'), callee.waitForScreen('in-call')]);
    await calleePhone2.waitForScreen('ended');
    await audit(caller, 'in call');
    await audit(calleePhone2, 'answered elsewhere');
    assert.equal(await callee.announced(), `In call with ${caller.name}`);

    await caller.tabTo('hold');
    await caller.press(Key.Enter);
    await callee.driver.waitUntil(async () => (await callee.snapshot(1e9)).state.call?.held.peer === true, {
      timeout: 5_000,
      timeoutMsg: 'hold by keyboard did not reach the callee',
    });
    await audit(caller, 'on hold');
    await audit(callee, 'held by the other side');
    assert.equal(await callee.announced(), `${caller.name} put you on hold`);
    await focusIs(caller, 'hold');
    await caller.press(Key.Enter);
    await caller.driver.waitUntil(async () => (await caller.snapshot(1e9)).state.call?.audio === 'active', {
      timeout: 5_000,
      timeoutMsg: 'resume by keyboard did not reactivate audio',
    });

    await caller.tabTo('hangup');
    await caller.press(Key.Enter);
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
    await focusIs(callee, 'dismiss');
    await audit(callee, 'call ended');
    assert.equal(await callee.announced(), `Call ended. ${caller.name} hung up`);
    await Promise.all([caller.press(Key.Enter), callee.press(Key.Enter), calleePhone2.dismiss()]);
    await Promise.all([caller.waitForScreen('contacts'), callee.waitForScreen('contacts')]);

    // Escape declines a ringing call, and cancels an outgoing one.
    await caller.tabTo('call');
    await caller.press(Key.Enter);
    await Promise.all([callee.waitForScreen('incoming'), calleePhone2.waitForScreen('incoming')]);
    await callee.press(Key.Escape);
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
    assert.equal((await caller.snapshot(1e9)).state.ended?.reason, EndReason.Declined);
    await Promise.all([caller.press(Key.Enter), callee.press(Key.Enter), calleePhone2.dismiss()]);
    await caller.waitForScreen('contacts');

    await caller.tabTo('call');
    await caller.press(Key.Enter);
    await Promise.all([callee.waitForScreen('incoming'), calleePhone2.waitForScreen('incoming')]);
    await caller.press(Key.Escape);
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
    assert.equal((await callee.snapshot(1e9)).state.ended?.reason, EndReason.Cancelled);
    await Promise.all([caller.press(Key.Enter), callee.press(Key.Enter), calleePhone2.dismiss()]);
    await callee.waitForScreen('contacts');

    await callee.tabTo('tab-history');
    assert.equal((await callee.focused()).label, 'History, 1 missed call');
    await callee.press(Key.Enter);
    await callee.waitForScreen('history');
    await audit(callee, 'history');
    await audit(calleePhone2, 'people with the missed badge');

    assert.deepEqual(problems, [], `accessibility problems:\n${problems.join('\n')}`);
  });
});

async function statusText(p: Party): Promise<string> {
  return (await p.driver.$('>>>[data-test="audio-status"]').getText()).trim();
}
