/**
 * `npm run screenshots [-- --out DIR]`: drives the rig through every screen of the softphone, at
 * phone size (375×667 CSS px at 2×, an iPhone SE), tablet size (820×1180, an iPad Air in portrait)
 * and laptop size (1280×800), and writes one PNG per screen and size to docs/screenshots/ (or DIR).
 * Alice calls Bob; Bob has a second device.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SIGNATURES, writeSignatureWav } from '../audio/wav.ts';
import type { Party } from '../rig/party.ts';
import { Rig, type Viewport } from '../rig/rig.ts';
import { REPO_ROOT } from '../stack/softphone-server.ts';

/**
 * `sideBySide`: the page shows people and history together at this width (`SIDE_BY_SIDE` in
 * `web/src/app/sp-app.ts`), so there is no People / History switch to press. The tablet is shot
 * at 1× to keep the images small; its layout is the same at any pixel ratio.
 */
const SIZES: Record<string, Viewport & { sideBySide: boolean }> = {
  phone: { width: 375, height: 667, scale: 2, mobile: true, sideBySide: false },
  tablet: { width: 820, height: 1180, scale: 1, mobile: true, sideBySide: false },
  laptop: { width: 1280, height: 800, scale: 1, mobile: false, sideBySide: true },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: path.join(REPO_ROOT, 'docs', 'screenshots') } },
  });
  const out = path.resolve(values.out);
  fs.mkdirSync(out, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'screenshots-'));
  const wav = { caller: path.join(work, 'alice.wav'), callee: path.join(work, 'bob.wav') };
  writeSignatureWav(wav.caller, SIGNATURES.caller);
  writeSignatureWav(wav.callee, SIGNATURES.callee);

  for (const [size, { sideBySide, ...viewport }] of Object.entries(SIZES)) {
    console.error(`screenshots: ${size} (${viewport.width}×${viewport.height} @${viewport.scale}×)`);
    const rig = await Rig.start({
      profile: 'linux-chromium',
      wav,
      logDir: path.join(work, size),
      names: { caller: 'Alice', callee: 'Bob' },
      viewport,
    });
    try {
      await tour(rig, sideBySide, async (p: Party, name: string) => {
        await sleep(250);
        const file = path.join(out, `${size}-${name}.png`);
        await rig.screenshot(p, file);
        console.error(`  ${path.relative(REPO_ROOT, file)}`);
      });
    } finally {
      await rig.stop();
    }
  }
}

type Shoot = (p: Party, name: string) => Promise<void>;

/**
 * Every screen, in the order a person meets them; screenshot names are numbered in that order, the
 * same at every size (side by side, the history shots are of the one screen that holds it).
 */
async function tour(rig: Rig, sideBySide: boolean, shoot: Shoot): Promise<void> {
  const alice = rig.caller;
  const bob = rig.callee;
  let n = 0;
  const shot = (p: Party, name: string) => shoot(p, `${String(++n).padStart(2, '0')}-${name}`);

  await bob.signOut();
  await shot(bob, 'sign-in');
  await bob.driver.$('>>>[data-test="switch-mode"]').click();
  await bob.driver.$('>>>[data-test="username"]').setValue('bob');
  await bob.driver.$('>>>[data-test="display-name"]').setValue('Bob');
  await shot(bob, 'create-account');
  await bob.driver.$('>>>[data-test="switch-mode"]').click();
  await bob.signIn('not my password');
  await shot(bob, 'wrong-password');

  await shot(alice, 'nobody-online');
  if (!sideBySide) await alice.openHistory();
  await shot(alice, 'history-empty');
  if (!sideBySide) await alice.openPeople();
  const signedIn = await bob.signIn();
  if (!signedIn.ok) throw new Error(`Bob cannot sign in: ${signedIn.error}`);
  await alice.driver.$('>>>[data-test="user"]').waitForDisplayed({ timeout: 5_000 });
  await shot(alice, 'online');
  for (const p of [alice, bob]) await p.driver.$('>>>[data-test="call-notifications-later"]').click();

  const bobPhone2 = await rig.addDevice(bob);
  await bobPhone2.waitForScreen('contacts');
  await bobPhone2.driver.$('>>>[data-test="call-notifications-later"]').click();

  await alice.call(bob);
  await Promise.all([bob.waitForScreen('incoming'), bobPhone2.waitForScreen('incoming')]);
  await alice.driver.waitUntil(async () => (await alice.snapshot(1e9)).state.call?.state === 'ringing', {
    timeout: 5_000,
  });
  await shot(alice, 'outgoing-ringing');
  await shot(bob, 'incoming');
  await bob.answer();
  await bobPhone2.waitForScreen('ended');
  await shot(bobPhone2, 'answered-elsewhere');
  await alice.waitForScreen('in-call');
  await alice.driver.waitUntil(async () => (await alice.snapshot(1e9)).firstHeardAt !== null, {
    timeout: 8_000,
  });
  await sleep(2_000);
  await shot(alice, 'in-call');
  await alice.setHeld(true);
  await bob.driver.waitUntil(async () => (await bob.snapshot(1e9)).state.call?.held.peer === true, {
    timeout: 5_000,
  });
  await shot(alice, 'on-hold');
  await shot(bob, 'put-on-hold');
  await alice.setHeld(false);
  await sleep(1_000);
  await alice.hangup();
  await bob.waitForScreen('ended');
  await shot(bob, 'call-ended');
  await Promise.all([alice.dismiss(), bob.dismiss(), bobPhone2.dismiss()]);

  await alice.call(bob);
  await bob.waitForScreen('incoming');
  await bob.decline();
  await alice.waitForScreen('ended');
  await shot(alice, 'declined');
  await Promise.all([alice.dismiss(), bob.dismiss(), bobPhone2.dismiss()]);

  await alice.call(bob);
  await bob.waitForScreen('incoming');
  await sleep(500);
  await alice.hangup();
  await bob.waitForScreen('ended');
  await shot(bob, 'missed-call');
  await Promise.all([alice.dismiss(), bob.dismiss(), bobPhone2.dismiss()]);
  if (sideBySide) {
    // No badge: the history beside the people shows the missed call, marked New.
    await bob.driver.$('>>>[data-test="history-entry"]').waitForDisplayed({ timeout: 5_000 });
  } else {
    await bob.driver.waitUntil(async () => (await bob.missedBadge()) === 1, { timeout: 5_000 });
  }
  await shot(bob, 'missed-badge');
  if (!sideBySide) await bob.openHistory();
  await shot(bob, 'history');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
