/**
 * The installable PWA in real Chromium: manifest and icons, the service worker's offline shell, the
 * update prompt, and an incoming call reaching a user with no tab open through Web Push (the push
 * service is a stand-in: Chromium's, FCM, is unreachable here).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebPushMessageSchema } from '@softphone/sfu/protocol';
import { SIGNATURES, writeSignatureWav } from '../../src/audio/wav.ts';
import { WebPushServiceStandIn } from '@softphone/test-support/web-push';
import { DevTools } from '../../src/rig/devtools.ts';
import { waitHeardBothWays } from '../../src/rig/heard-both-ways.ts';
import { pushManagerStandIn } from '../../src/rig/push-manager-stand-in.ts';
import { Rig } from '../../src/rig/rig.ts';
import { WEB_QA_DIR } from '../../src/stack/softphone-server.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-pwa-'));
const wav = (name: string, sig: (typeof SIGNATURES)[keyof typeof SIGNATURES]) => {
  const f = path.join(dir, `${name}.wav`);
  writeSignatureWav(f, sig);
  return f;
};
// The server serves a copy of the build, so the update test can publish a "new version" into it.
const webDir = path.join(dir, 'web');
fs.cpSync(WEB_QA_DIR, webDir, { recursive: true });

describe('installable PWA', { timeout: 240_000 }, () => {
  let rig: Rig;
  let tools: DevTools;
  let origin: string;
  let pushService: WebPushServiceStandIn;
  before(async () => {
    pushService = await WebPushServiceStandIn.start();
    rig = await Rig.start({
      profile: 'linux-chromium',
      wav: { caller: wav('caller', SIGNATURES.caller), callee: wav('callee', SIGNATURES.callee) },
      logDir: path.join(dir, 'logs'),
      // The stand-in is plain http on loopback: a server lets it through only in a test run.
      serverEnv: { WEB_DIR: webDir, NODE_ENV: 'test', WEB_PUSH_TEST_ORIGINS: pushService.origin },
    });
    origin = new URL(rig.server?.url ?? '').origin;
    tools = await DevTools.attach(rig.callee.driver);
  });
  after(async () => {
    await tools?.close();
    await rig?.stop();
    await pushService?.stop();
  });

  it('serves a manifest Chromium can install from, with its icons', async () => {
    const res = await fetch(new URL('/manifest.webmanifest', origin));
    assert.equal(res.status, 200);
    const manifest = (await res.json()) as {
      name: string;
      start_url: string;
      display: string;
      icons: { src: string; sizes: string; purpose: string; type: string }[];
    };
    assert.equal(manifest.display, 'standalone');
    assert.equal(manifest.start_url, '/');
    const sizes = manifest.icons.map((i) => `${i.sizes}/${i.purpose}`);
    for (const want of ['192x192/any', '512x512/any', '512x512/maskable'])
      assert.ok(sizes.includes(want), want);
    for (const icon of manifest.icons) {
      const r = await fetch(new URL(icon.src, origin));
      assert.equal(r.status, 200, icon.src);
      assert.equal(r.headers.get('content-type'), icon.type, icon.src);
    }
    const worker = await rig.callee.driver.executeAsync((done: (scope: string) => void) => {
      void navigator.serviceWorker.ready.then((r) => done(r.scope));
    });
    assert.equal(worker, `${origin}/`);
  });

  it('opens offline from the service worker and says it is offline, then reconnects', async () => {
    const party = rig.callee;
    await tools.setOffline(true);
    try {
      await party.driver.refresh();
      const error = party.driver.$('>>>[data-test="auth-error"]');
      await error.waitForDisplayed({
        timeout: 10_000,
        timeoutMsg: 'no offline message on the offline shell',
      });
      assert.match(await error.getText(), /offline/i);
    } finally {
      await tools.setOffline(false);
    }
    // Back online, the kept session signs the user in again without a reload.
    await party.waitForScreen('contacts', 15_000);
  });

  it('offers a new version instead of taking over, and switches when the user says so', async () => {
    const party = rig.callee;
    const marker = `build-${crypto.randomBytes(4).toString('hex')}`;
    // A rebuild: the shell changes, and so does its revision in the worker's precache manifest.
    const indexPath = path.join(webDir, 'index.html');
    fs.writeFileSync(
      indexPath,
      fs.readFileSync(indexPath, 'utf8').replace('<head>', `<head><meta name="build" content="${marker}">`),
    );
    const swPath = path.join(webDir, 'service-worker.js');
    const sw = fs.readFileSync(swPath, 'utf8');
    const rewritten = sw.replace(/("revision":")[0-9a-f]+(","url":"index\.html")/, `$1${marker}$2`);
    assert.notEqual(rewritten, sw, 'the precache manifest lists index.html');
    fs.writeFileSync(swPath, rewritten);
    // The build's compressed copies of the two are now stale (the server would send them first):
    // without them the new files go out as they are.
    for (const file of [indexPath, swPath])
      for (const ext of ['.br', '.gz']) fs.rmSync(file + ext, { force: true });
    // Deployed as a real deploy is: the server restarts on the new files.
    await rig.server?.restart();
    await party.waitForScreen('contacts', 20_000);

    await party.driver.executeAsync((done: () => void) => {
      void navigator.serviceWorker.getRegistration().then((r) => r?.update().then(() => done()));
    });
    const prompt = party.driver.$('>>>[data-test="update-prompt"]');
    await prompt.waitForDisplayed({ timeout: 15_000, timeoutMsg: 'no update prompt' });
    // Until the user agrees, the old version keeps serving.
    const buildMeta = () =>
      party.driver.execute(
        () => document.querySelector('meta[name="build"]')?.getAttribute('content') ?? null,
      );
    assert.equal(await buildMeta(), null);
    await party.driver.$('>>>[data-test="update-reload"]').click();
    await party.driver.waitUntil(async () => (await buildMeta()) === marker, {
      timeout: 15_000,
      timeoutMsg: 'the new version did not take over after Reload',
    });
    await party.waitForScreen('contacts');
  });

  it('an incoming call reaches a user with no tab open: push, notification, answer, heard both ways', async () => {
    const { caller, callee } = rig;
    const subscription = pushService.subscribe((data) => tools.deliverPush(origin, data));
    await tools.grant(origin, ['notifications']);
    await tools.beforeEveryPage(pushManagerStandIn(subscription));
    await callee.driver.refresh();
    await callee.waitForScreen('contacts');
    const enable = callee.driver.$('>>>[data-test="call-notifications-enable"]');
    await enable.waitForClickable({ timeout: 10_000, timeoutMsg: 'no offer to turn call notifications on' });
    await enable.click();
    await callee.driver.waitUntil(async () => (await callee.snapshot(1e9)).state.callNotifications === 'on', {
      timeout: 10_000,
      timeoutMsg: 'call notifications did not turn on',
    });

    // No tab of ours is open any more (an empty one stays, for the browser session): only the
    // service worker can hear of the call.
    const appTab = await callee.driver.getWindowHandle();
    await callee.driver.newWindow('about:blank');
    const emptyTab = await callee.driver.getWindowHandle();
    await callee.driver.switchToWindow(appTab);
    await callee.driver.closeWindow();
    await callee.driver.switchToWindow(emptyTab);
    await tools.close();
    tools = await DevTools.attach(callee.driver);
    // Permission overrides live as long as the DevTools session that set them.
    await tools.grant(origin, ['notifications']);
    await caller.driver.waitUntil(
      async () => (await caller.snapshot(1e9)).state.asleep.some((u) => u.displayName === callee.name),
      { timeout: 10_000, timeoutMsg: 'the callee, gone from the web, is not listed as asleep' },
    );
    await caller.call(callee);
    const push = await pushService.nextPush(() => true);
    const message = WebPushMessageSchema.parse(JSON.parse(push.plaintext));
    assert.equal(message.kind, 'incoming-call');
    assert.ok(message.kind === 'incoming-call');
    assert.equal(message.call.caller.displayName, caller.name);
    assert.ok(
      push.ttl > 0 && push.ttl <= 60,
      `a call push lives as long as the call can ring (TTL ${push.ttl})`,
    );
    assert.equal(push.urgency, 'high', 'a call must not wait for the device to wake on its own');
    const callId = message.call.callId;

    let shown: { title: string; tag: string; actions: string[] }[] = [];
    await callee.driver.waitUntil(async () => (shown = await tools.notifications(origin)).length > 0, {
      timeout: 10_000,
      interval: 250,
      timeoutMsg: 'no notification shown for the pushed call',
    });
    assert.deepEqual(shown, [
      { title: `${caller.name} is calling`, tag: callId, actions: ['answer', 'decline'] },
    ]);
    assert.equal((await caller.snapshot(1e9)).state.call?.id, callId);
    // The worker told the server the call is ringing here: the caller hears ringing, and the call
    // waits for the person (not just the few seconds a woken device has to report).
    await caller.driver.waitUntil(async () => (await caller.snapshot(1e9)).state.call?.state === 'ringing', {
      timeout: 5_000,
      timeoutMsg: 'the caller never saw the callee ringing',
    });
    // Past the report deadline the push itself names (the server's clock: same host), a call no
    // device had claimed would have ended as unreachable; this one must still ring. Stops at once
    // if the call ends earlier.
    const deadline = message.call.expiresAt + 1_000;
    await caller.driver.waitUntil(
      async () => (await caller.snapshot(1e9)).state.call?.state !== 'ringing' || Date.now() > deadline,
      { timeout: deadline - Date.now() + 10_000, interval: 250 },
    );
    assert.equal(
      (await caller.snapshot(1e9)).state.call?.state,
      'ringing',
      'the call ended while the notification showed',
    );

    // "Answer" on the notification opens the app at this URL (service-worker.ts, launchUrl).
    await callee.driver.url(`${origin}/?call=${callId}&action=answer`);
    await Promise.all([caller.waitForScreen('in-call', 20_000), callee.waitForScreen('in-call', 20_000)]);
    const answeredAt = (await callee.snapshot(1e9)).marks?.answeredAt ?? Date.now();
    const { heardByA: byCaller, heardByB: byCallee } = await waitHeardBothWays(caller, callee, answeredAt);
    assert.ok(byCallee.heard, `caller->callee not heard: ${JSON.stringify(byCallee)}`);
    assert.ok(byCaller.heard, `callee->caller not heard: ${JSON.stringify(byCaller)}`);
    const answered = await callee.snapshot(1e9);
    assert.ok(answered.captureStarts.length > 0, 'the capture watch saw no getUserMedia');
    assert.equal(answered.capturedBeforeActivation, false);
    await caller.hangup();
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
  });
});
