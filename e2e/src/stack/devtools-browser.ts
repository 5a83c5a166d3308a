/**
 * Debian's Chromium, headless, driven through the DevTools protocol alone (no WebDriver, no
 * Appium): for what only needs a page loaded and read — what crossed the network to load it
 * (`Network` events, as DevTools' own network panel counts them) and what its scripts defined.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import CDP from 'chrome-remote-interface';
import { CHROMIUM_FLAGS } from '../../../appium.config.ts';

/** One response the page received, as DevTools counts it. */
export interface Transfer {
  url: string;
  type: string;
  /** What asked for it: `parser` (the HTML: its scripts, styles, preloads), `script`, `other`... */
  initiator: string;
  status: number;
  /** The Content-Encoding it came with ('' for none). */
  encoding: string;
  vary: string;
  /** Bytes on the wire: headers and (compressed) body. */
  wire: number;
  /** The body once decoded. */
  decoded: number;
}

export class DevToolsBrowser {
  private constructor(
    private readonly child: ChildProcess,
    private readonly port: number,
    private readonly profile: string,
  ) {}

  /** `flags` go after the rig's own, and so replace any of them they name again (the last one wins). */
  static async launch(flags: readonly string[] = []): Promise<DevToolsBrowser> {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'devtools-chromium-'));
    const child = spawn(
      '/usr/bin/chromium',
      [...CHROMIUM_FLAGS, ...flags, `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    // Chromium says where DevTools listens on stderr once it does (port 0: a free one).
    const port = await new Promise<number>((resolve, reject) => {
      let seen = '';
      const onData = (chunk: Buffer): void => {
        seen = (seen + chunk.toString('utf8')).slice(-8_192);
        const m = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(seen);
        if (!m) return;
        child.stderr?.off('data', onData);
        child.stderr?.resume();
        resolve(Number(m[1]));
      };
      child.stderr?.on('data', onData);
      child.once('exit', (code, signal) =>
        reject(
          new Error(`chromium exited (${signal ?? code}) before DevTools listened: ${seen.slice(-2_000)}`),
        ),
      );
    });
    return new DevToolsBrowser(child, port, profile);
  }

  /**
   * Opens `url` in a new tab and waits until `ready` (an expression, evaluated at every frame) is
   * true; returns the tab, and every response received up to then. `acceptEncoding` replaces the
   * header Chromium sends (a client that takes less than Chromium does).
   */
  async open(
    url: string,
    ready: string,
    opts: { acceptEncoding?: string } = {},
  ): Promise<{ tab: CDP.Client; transfers: Transfer[] }> {
    const target = await CDP.New({ port: this.port });
    const tab = await CDP({ port: this.port, target });
    const seen = new Map<string, Omit<Transfer, 'wire' | 'decoded'> & { decoded: number }>();
    const initiators = new Map<string, string>();
    const transfers: Transfer[] = [];
    tab.Network.on('requestWillBeSent', ({ requestId, initiator }) =>
      initiators.set(requestId, initiator.type),
    );
    tab.Network.on('responseReceived', ({ requestId, type, response }) => {
      const header = (name: string): string =>
        Object.entries(response.headers).find(([k]) => k.toLowerCase() === name)?.[1] ?? '';
      seen.set(requestId, {
        url: response.url,
        type,
        initiator: initiators.get(requestId) ?? 'other',
        status: response.status,
        encoding: header('content-encoding'),
        vary: header('vary'),
        decoded: 0,
      });
    });
    tab.Network.on('dataReceived', ({ requestId, dataLength }) => {
      const r = seen.get(requestId);
      if (r) r.decoded += dataLength;
    });
    tab.Network.on('loadingFinished', ({ requestId, encodedDataLength }) => {
      const r = seen.get(requestId);
      if (r) transfers.push({ ...r, wire: encodedDataLength });
    });
    // A fresh profile has no cache; this keeps a second open() in the same browser honest too.
    await tab.Network.enable({});
    await tab.Network.setCacheDisabled({ cacheDisabled: true });
    if (opts.acceptEncoding !== undefined)
      await tab.Network.setExtraHTTPHeaders({ headers: { 'Accept-Encoding': opts.acceptEncoding } });
    await tab.Page.enable();
    await tab.Page.navigate({ url });
    await this.evaluate(
      tab,
      `new Promise((resolve) => { const poll = () => (${ready}) ? resolve(true) : requestAnimationFrame(poll); poll(); })`,
    );
    return { tab, transfers: [...transfers] };
  }

  /** The value of `expression` in the tab's page (promises awaited), returned by value. */
  async evaluate(tab: CDP.Client, expression: string): Promise<unknown> {
    const { result, exceptionDetails } = await tab.Runtime.evaluate({
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    if (exceptionDetails)
      throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value;
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    // Chromium's helper processes may still be writing into the profile as the browser exits: the
    // removal retries, and a profile left in the temp folder is not the page's failure (seen once in
    // an e2e run under load: ENOTEMPTY after the retries).
    try {
      fs.rmSync(this.profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 200 });
    } catch (err) {
      console.warn(`could not remove the Chromium profile ${this.profile}: ${String(err)}`);
    }
  }
}

/**
 * True once the page's sign-in form is on screen (its username field, inside the app's shadow
 * roots): what "interactive" means for the softphone's first visit.
 */
export const SIGN_IN_SHOWN = `(() => {
  const find = (root) => root.querySelector('[data-test="username"]') ??
    [...root.querySelectorAll('*')].map((e) => e.shadowRoot && find(e.shadowRoot)).find(Boolean) ?? null;
  return !!find(document);
})()`;
