/**
 * `npm run bench:bundle` (after the production build, which the root script runs): the bytes that
 * cross the network for the production page to become interactive (its sign-in form on screen),
 * through the real server, as Chromium's own network log counts them (headers and the body as
 * sent). Three clients: Chromium as it is (Brotli), one that takes only gzip, and the page without
 * its precompressed copies — what the server sent before the build wrote them. Exits non-zero when
 * what Chromium downloads for the page (document, scripts, styles) is over the budget.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DevToolsBrowser, SIGN_IN_SHOWN, type Transfer } from '../stack/devtools-browser.ts';
import { REPO_ROOT, startSoftphoneServer } from '../stack/softphone-server.ts';

const BUDGET_KB = 45;
const WEB_DIR = path.join(REPO_ROOT, 'web', 'dist');

/** What the page needs to run: the document and what its HTML loads (scripts, styles, preloads). */
const forThePage = (t: Transfer): boolean =>
  t.type === 'Document' || (t.initiator === 'parser' && (t.type === 'Script' || t.type === 'Stylesheet'));

const kb = (bytes: number): string => `${(bytes / 1000).toFixed(1).padStart(6)} kB`;

async function measure(
  browser: DevToolsBrowser,
  webDir: string,
  acceptEncoding?: string,
): Promise<{ page: Transfer[]; other: Transfer[] }> {
  const server = await startSoftphoneServer({ env: { WEB_DIR: webDir } });
  try {
    const { tab, transfers } = await browser.open(
      server.url,
      SIGN_IN_SHOWN,
      acceptEncoding === undefined ? {} : { acceptEncoding },
    );
    await tab.close();
    return { page: transfers.filter(forThePage), other: transfers.filter((t) => !forThePage(t)) };
  } finally {
    await server.stop();
  }
}

function print(title: string, r: { page: Transfer[]; other: Transfer[] }): number {
  const total = r.page.reduce((sum, t) => sum + t.wire, 0);
  console.log(`\n${title}`);
  for (const t of r.page) {
    const file = new URL(t.url).pathname;
    console.log(`  ${kb(t.wire)}  ${(t.encoding || 'identity').padEnd(8)} ${kb(t.decoded)} decoded  ${file}`);
  }
  console.log(`  ${kb(total)}  the page on the wire`);
  if (r.other.length)
    console.log(
      `  also fetched by then: ${r.other.map((t) => `${new URL(t.url).pathname} ${kb(t.wire).trim()}`).join(', ')}`,
    );
  return total;
}

async function main(): Promise<number> {
  if (!fs.existsSync(path.join(WEB_DIR, 'index.html'))) {
    console.error(
      'bench:bundle: web/dist is missing: run `npm run bench:bundle` from the repository root (it builds)',
    );
    return 2;
  }
  // The same build without its .br/.gz copies: what the server sent before they existed.
  const plain = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bundle-'));
  fs.cpSync(WEB_DIR, plain, { recursive: true, filter: (src) => !/\.(br|gz)$/.test(src) });
  const browser = await DevToolsBrowser.launch();
  try {
    console.log(
      'bench:bundle — bytes on the wire until the sign-in form is on screen (Chromium network log)',
    );
    const chromium = print('Chromium (Accept-Encoding as it sends it):', await measure(browser, WEB_DIR));
    const gzip = print('a client that takes gzip only:', await measure(browser, WEB_DIR, 'gzip, deflate'));
    const before = print(
      'before: no precompressed files (served as they are):',
      await measure(browser, plain),
    );
    console.log(
      `\nthe page on the wire: ${kb(chromium).trim()} (Chromium), ${kb(gzip).trim()} (gzip only), ` +
        `${kb(before).trim()} before; budget ${BUDGET_KB} kB (Chromium)`,
    );
    return chromium > BUDGET_KB * 1000 ? 1 : 0;
  } finally {
    await browser.close();
    fs.rmSync(plain, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench:bundle failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
