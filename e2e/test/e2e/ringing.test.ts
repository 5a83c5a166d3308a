/**
 * The ringtone and the ringback, measured in real Chromium on the ringer's own output (the QA
 * build's AnalyserNode tap, web/src/debug/ring-probe.ts): while a call rings the pages play a
 * non-silent signal on a running AudioContext, and each falls silent within 200 ms of the event
 * that stops it, timed by the page itself from the state change that event made. Inside the
 * simulated iPhone the page makes no ringer at all (CallKit rings).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Key } from 'webdriverio';
import { EndReason } from '@softphone/sfu/protocol';
import type { PhoneSnapshot } from '@softphone/web/test-hooks';
import { SIGNATURES, writeSignatureWav } from '../../src/audio/wav.ts';
import { IphoneParty } from '../../src/rig/iphone-party.ts';
import type { Party } from '../../src/rig/party.ts';
import { Rig } from '../../src/rig/rig.ts';
import { DevToolsBrowser } from '../../src/stack/devtools-browser.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-ringing-'));
type RingReport = NonNullable<PhoneSnapshot['ring']>;

const wav = (name: string, sig: (typeof SIGNATURES)[keyof typeof SIGNATURES]) => {
  const f = path.join(dir, `${name}.wav`);
  writeSignatureWav(f, sig);
  return f;
};
/** The acceptance bound: from the event reaching the page to silence on the ringer's output. */
const STOP_MS = 200;
/**
 * A stop must land while the sound is on (a stop in a pattern's pause proves nothing): the parties
 * act only early in a burst (2 s long in both patterns), leaving the rest for the WebDriver round trips.
 */
const FRESH_BURST_MS = 1_000;

const ringOf = async (p: Party): Promise<RingReport> => {
  const ring = (await p.snapshot(1e9)).ring;
  assert.ok(ring, `${p.who}: no ring report (not a QA build?)`);
  return ring;
};

/** Waits until every party plays `sound` audibly, all of them early in a burst. */
async function waitUntilRinging(parties: [Party, RingReport['sound']][]): Promise<void> {
  const [first] = parties;
  assert.ok(first, 'no party');
  let last: RingReport[] = [];
  await first[0].driver.waitUntil(
    async () => {
      last = await Promise.all(parties.map(([p]) => ringOf(p)));
      return last.every(
        (r, i) =>
          r.sound === parties[i]?.[1] &&
          r.context === 'running' &&
          r.audibleForMs > 0 &&
          r.audibleForMs < FRESH_BURST_MS,
      );
    },
    {
      timeout: 20_000,
      interval: 20,
      timeoutMsg: `not all ringing audibly at once: ${JSON.stringify(last)}`,
    },
  );
}

/** The party's last stop of `sound`: it was audible, and silent within {@link STOP_MS}. */
async function stoppedInTime(p: Party, sound: NonNullable<RingReport['sound']>): Promise<number> {
  let stop: RingReport['stops'][number] | undefined;
  await p.driver.waitUntil(
    async () => {
      stop = (await ringOf(p)).stops.filter((s) => s.sound === sound).at(-1);
      return stop?.silentAfterMs != null;
    },
    {
      timeout: 5_000,
      interval: 20,
      timeoutMsg: `${p.who}: the ${sound} did not fall silent: ${JSON.stringify(stop)}`,
    },
  );
  assert.ok(stop?.audible, `${p.who}: the ${sound} was not audible when stopped: ${JSON.stringify(stop)}`);
  assert.ok(
    (stop.silentAfterMs ?? Infinity) <= STOP_MS,
    `${p.who}: the ${sound} went on ${stop.silentAfterMs} ms after the stop`,
  );
  return stop.silentAfterMs ?? Infinity;
}

describe('the ringtone and the ringback in two browsers', { timeout: 240_000 }, () => {
  let rig: Rig;
  /** A second device of the callee's user: it rings too, until the first answers. */
  let other: Party;
  before(async () => {
    rig = await Rig.start({
      profile: 'linux-chromium',
      wav: { caller: wav('caller', SIGNATURES.caller), callee: wav('callee', SIGNATURES.callee) },
      logDir: path.join(dir, 'browsers'),
    });
    other = await rig.addDevice(rig.callee);
  });
  after(async () => rig?.stop());

  it('both callee devices ring and the caller hears ringback; one answers: all three stop within 200 ms', async (t) => {
    await rig.caller.call(rig.callee);
    await waitUntilRinging([
      [rig.caller, 'ringback'],
      [rig.callee, 'ringtone'],
      [other, 'ringtone'],
    ]);
    await rig.callee.answer();
    t.diagnostic(`answer → silent (ms): ${await stoppedInTime(rig.callee, 'ringtone')}`);
    t.diagnostic(`answered (call:state) → silent (ms): ${await stoppedInTime(rig.caller, 'ringback')}`);
    assert.equal((await other.waitForScreen('ended')).state.ended?.reason, EndReason.AnsweredElsewhere);
    t.diagnostic(`answered elsewhere → silent (ms): ${await stoppedInTime(other, 'ringtone')}`);
    await rig.caller.hangup();
    for (const p of [rig.caller, rig.callee, other]) await p.dismiss();
  });

  it('a declined call stops the ringtone on every callee device and the ringback', async (t) => {
    await rig.caller.call(rig.callee);
    await waitUntilRinging([
      [rig.caller, 'ringback'],
      [rig.callee, 'ringtone'],
      [other, 'ringtone'],
    ]);
    await rig.callee.decline();
    for (const p of [rig.callee, other])
      t.diagnostic(`${p.who}: decline → silent (ms): ${await stoppedInTime(p, 'ringtone')}`);
    t.diagnostic(`declined → silent (ms): ${await stoppedInTime(rig.caller, 'ringback')}`);
    for (const p of [rig.caller, rig.callee, other]) await p.dismiss();
  });

  it('keys: Enter answers wherever the focus is, M mutes and unmutes (announced), Escape hangs up; hints shown; axe clean', async () => {
    const { caller, callee } = rig;
    const problems: string[] = [];
    const audit = async (p: Party, screen: string) => {
      for (const v of await p.accessibilityViolations())
        problems.push(`${screen} (${p.who}): ${v.rule} [${v.impact}] ${v.help}: ${v.targets.join(', ')}`);
    };
    const hints = async (p: Party) => (await p.driver.$('>>>[data-test="key-hints"]').getText()).trim();
    const muted = async (p: Party, on: boolean) =>
      p.driver.waitUntil(async () => (await p.snapshot(1e9)).state.call?.muted === on, {
        timeout: 5_000,
        timeoutMsg: `${p.who}: M did not ${on ? 'mute' : 'unmute'}`,
      });

    await caller.call(callee);
    await Promise.all([callee.waitForScreen('incoming'), other.waitForScreen('incoming')]);
    assert.equal(await hints(caller), 'Esc cancel');
    assert.equal(await hints(callee), 'Enter answer · Esc decline');
    await audit(caller, 'outgoing');
    await audit(callee, 'incoming');
    // Away from the Answer button (where Enter would press it anyway): the screen's key answers.
    await callee.driver.execute(() => {
      let el: Element | null = document.activeElement;
      while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
      (el as HTMLElement | null)?.blur();
    });
    await callee.press(Key.Enter);
    await Promise.all([caller.waitForScreen('in-call'), callee.waitForScreen('in-call')]);
    assert.equal(await hints(callee), 'M mute · Esc hang up');
    await audit(callee, 'in call');

    await callee.press('m');
    await muted(callee, true);
    assert.equal(await callee.announced(), `Muted. In call with ${caller.name}`);
    assert.equal(await hints(callee), 'M unmute · Esc hang up');
    await callee.press('M');
    await muted(callee, false);
    assert.equal(await callee.announced(), `In call with ${caller.name}`);

    await callee.press(Key.Escape);
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
    assert.equal((await caller.snapshot(1e9)).state.ended?.reason, EndReason.HungUp);
    assert.equal(await caller.announced(), `Call ended. ${callee.name} hung up`);
    for (const p of [caller, callee, other]) await p.dismiss();
    assert.deepEqual(problems, [], `accessibility problems:\n${problems.join('\n')}`);
  });

  it('a page the browser keeps silent until a gesture says so in words, and rings once clicked', async (t) => {
    // Chromium's own autoplay rule, not the rig's exemption; a page signed in without a gesture:
    // through the account API, then reloaded (a new document has had no activation).
    const browser = await DevToolsBrowser.launch(['--autoplay-policy=document-user-activation-required']);
    const { tab } = await browser.open(rig.url, 'window.softphone !== undefined');
    t.after(async () => {
      // Off the page first: SIGTERM with the page still up took Chromium ~35 s to exit here.
      await tab.Page.navigate({ url: 'about:blank' });
      await browser.close();
    });
    const status = await browser.evaluate(
      tab,
      `fetch('/api/signin', { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify(${JSON.stringify({ username: rig.callee.username, password: rig.callee.password })}) })
        .then((r) => r.status)`,
    );
    assert.equal(status, 200);
    await tab.Page.enable();
    await Promise.all([tab.Page.loadEventFired(), tab.Page.reload({})]);
    type Seen = { snap: PhoneSnapshot | null; banner: string | null };
    const seen = async (): Promise<Seen> =>
      (await browser.evaluate(
        tab,
        `({ snap: window.softphone?.snapshot(1e9) ?? null,
            banner: document.querySelector('sp-app')?.shadowRoot
              ?.querySelector('[data-test="sound-blocked"]')?.textContent.replace(/\\s+/g, ' ').trim() ?? null })`,
      )) as Seen;
    let last: Seen | null = null;
    const until = (what: string, ok: (s: Seen) => boolean) =>
      rig.caller.driver.waitUntil(async () => ok((last = await seen())), {
        timeout: 15_000,
        interval: 20,
        timeoutMsg: `the silenced page: ${what}: ${JSON.stringify(last)}`,
      });
    await until('signed in', (s) => s.snap?.screen === 'contacts');

    await rig.caller.call(rig.callee);
    await until('rings, blocked, and says so', (s) => s.snap?.state.soundBlocked === true);
    const blocked = await seen();
    assert.equal(blocked.snap?.screen, 'incoming');
    assert.equal(blocked.snap?.ring?.context, 'suspended');
    assert.equal(blocked.snap?.ring?.audibleForMs, 0);
    assert.match(
      blocked.banner ?? '',
      /^Your browser keeps this page silent until you click in it or press a key/,
    );

    // A click anywhere on the page (a real input event, so a real activation) starts the ringing.
    for (const type of ['mousePressed', 'mouseReleased'] as const)
      await tab.Input.dispatchMouseEvent({ type, x: 4, y: 4, button: 'left', clickCount: 1 });
    await until(
      'rings aloud once clicked, and the words are gone',
      (s) =>
        s.snap?.ring?.context === 'running' &&
        (s.snap.ring.audibleForMs ?? 0) > 0 &&
        !s.snap.state.soundBlocked &&
        s.banner === null,
    );
    await rig.callee.answer();
    await until('answered elsewhere', (s) => s.snap?.screen === 'ended');
    await rig.caller.hangup();
    for (const p of [rig.caller, rig.callee, other]) await p.dismiss();
  });
});

describe('the page inside the simulated iPhone does not ring', { timeout: 240_000 }, () => {
  let rig: Rig;
  before(async () => {
    rig = await Rig.start({
      profile: 'linux-chromium',
      wav: { caller: wav('caller', SIGNATURES.caller), callee: wav('callee', SIGNATURES.callee) },
      logDir: path.join(dir, 'iphone'),
      calleeOnIphone: { query: '' },
    });
  });
  after(async () => rig?.stop());

  it('an incoming call: the shell page makes no ringer while the caller hears ringback; cancelling stops it', async (t) => {
    const phone = rig.callee;
    assert.ok(phone instanceof IphoneParty);
    await rig.caller.call(phone);
    await waitUntilRinging([[rig.caller, 'ringback']]);
    const ring = await ringOf(phone);
    assert.equal(ring.sound, 'ringtone', 'the state says the call rings');
    assert.equal(ring.context, null, 'yet the page inside the shell made an AudioContext to ring');
    await rig.caller.hangup();
    t.diagnostic(`cancel → silent (ms): ${await stoppedInTime(rig.caller, 'ringback')}`);
    assert.equal((await ringOf(phone)).context, null);
    await rig.caller.dismiss();
    await phone.waitForScreen('ended');
    await phone.dismiss();
  });
});
