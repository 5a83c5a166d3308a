/**
 * The production page as the real server sends it to real Chromium: compressed on the wire (the
 * build's Brotli and gzip copies, chosen by Accept-Encoding, with `Vary`), and without the rig's
 * test hooks, which the QA build keeps.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DevToolsBrowser, SIGN_IN_SHOWN, type Transfer } from '../../src/stack/devtools-browser.ts';
import { REPO_ROOT, startSoftphoneServer, type SoftphoneServer } from '../../src/stack/softphone-server.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-production-'));
const productionDir = path.join(dir, 'dist');

/** The document and the scripts its HTML loads. */
const pageFiles = (transfers: Transfer[]): Transfer[] =>
  transfers.filter((t) => t.type === 'Document' || (t.type === 'Script' && t.initiator === 'parser'));

describe('the production page', { timeout: 120_000 }, () => {
  let production: SoftphoneServer;
  let qa: SoftphoneServer;
  let browser: DevToolsBrowser;
  before(async () => {
    // The product's build, as `npm run build` makes it, into a directory of this test's own.
    execFileSync('npx', ['vite', 'build', '--outDir', productionDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: path.join(REPO_ROOT, 'web'),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    [production, qa, browser] = await Promise.all([
      startSoftphoneServer({ env: { WEB_DIR: productionDir } }),
      startSoftphoneServer(),
      DevToolsBrowser.launch(),
    ]);
  });
  after(async () => {
    await browser?.close();
    await production?.stop();
    await qa?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reaches Chromium Brotli-compressed, a gzip-only client gzipped, each with Vary: Accept-Encoding', async () => {
    for (const [acceptEncoding, want] of [
      [undefined, 'br'],
      ['gzip, deflate', 'gzip'],
    ] as const) {
      const { tab, transfers } = await browser.open(production.url, SIGN_IN_SHOWN, {
        ...(acceptEncoding && { acceptEncoding }),
      });
      await tab.close();
      const files = pageFiles(transfers);
      assert.ok(
        files.some((t) => t.type === 'Script'),
        `the page's script was loaded: ${JSON.stringify(transfers)}`,
      );
      for (const t of files) {
        assert.equal(t.encoding, want, `${t.url} to ${acceptEncoding ?? 'Chromium'}`);
        assert.match(t.vary, /accept-encoding/i, t.url);
      }
      // The entry script: what was sent is a fraction of what the page runs.
      const script = files.filter((t) => t.type === 'Script').sort((a, b) => b.decoded - a.decoded)[0];
      assert.ok(script && script.wire < script.decoded / 2, JSON.stringify(script));
    }
  });

  it('has no window.softphone (its snapshot would expose the whole state, TURN credentials included); the QA build has it', async () => {
    const prod = await browser.open(production.url, SIGN_IN_SHOWN);
    assert.equal(await browser.evaluate(prod.tab, 'typeof window.softphone'), 'undefined');
    await prod.tab.close();
    const qaPage = await browser.open(qa.url, SIGN_IN_SHOWN);
    assert.equal(await browser.evaluate(qaPage.tab, 'typeof window.softphone?.snapshot'), 'function');
    await qaPage.tab.close();
  });
});
