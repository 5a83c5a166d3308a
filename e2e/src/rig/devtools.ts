/**
 * DevTools access to a party's browser, for what WebDriver can't do: granting a permission that
 * headless Chromium would otherwise refuse, replacing a browser service that can't exist here
 * before the page loads, delivering a push to the service worker, taking the page offline, freezing
 * a page.
 * Chromedriver reports the browser's DevTools address in the session capabilities.
 */
import CDP from 'chrome-remote-interface';

export class DevTools {
  private registrationId: string | null = null;
  private readonly lifecycle = new Map<string, CDP.Client>();
  private readonly registrationWaiters: (() => void)[] = [];

  private constructor(
    private readonly client: CDP.Client,
    private readonly address: { host: string; port: number },
  ) {
    client.ServiceWorker.on('workerRegistrationUpdated', ({ registrations }) => {
      const live = registrations.find((r) => !r.isDeleted);
      if (!live) return;
      this.registrationId = live.registrationId;
      for (const w of this.registrationWaiters.splice(0)) w();
    });
  }

  /**
   * `via`: where the test process reaches the DevTools port when the browser's own address is not
   * its (a browser in a network namespace: a forwarder there, on the same port; see
   * namespaced-devtools.ts).
   */
  static async attach(driver: WebdriverIO.Browser, via?: { host: string }): Promise<DevTools> {
    const { host: own, port } = devToolsAddress(driver);
    const host = via?.host ?? own;
    const client = await CDP({ host, port });
    const tools = new DevTools(client, { host, port });
    await client.Page.enable();
    await client.ServiceWorker.enable();
    return tools;
  }

  /** Grants permissions to the origin, for as long as this DevTools session lasts. */
  async grant(origin: string, permissions: ('notifications' | 'audioCapture')[]): Promise<void> {
    await this.client.Browser.grantPermissions({ origin, permissions });
  }

  /** Runs `source` in every document this tab loads from now on, before the page's own scripts. */
  async beforeEveryPage(source: string): Promise<void> {
    await this.client.Page.addScriptToEvaluateOnNewDocument({ source });
  }

  /** Lets this tab's pages connect where their CSP would not let them (for what plays the OS in the page). */
  async bypassCsp(): Promise<void> {
    await this.client.Page.setBypassCSP({ enabled: true });
  }

  /** Delivers a push message to the origin's service worker, which runs its `push` handler. */
  async deliverPush(origin: string, data: string): Promise<void> {
    const registrationId = await this.serviceWorkerRegistration();
    await this.client.ServiceWorker.deliverPushMessage({ origin, registrationId, data });
  }

  /** The notifications the origin's service worker is showing, read inside the worker. */
  async notifications(origin: string): Promise<{ title: string; tag: string; actions: string[] }[]> {
    const { targetInfos } = await this.client.Target.getTargets();
    const worker = targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(origin));
    if (!worker) throw new Error(`no service worker running for ${origin}`);
    const inWorker = await CDP({ ...this.address, target: worker.targetId });
    try {
      const { result, exceptionDetails } = await inWorker.Runtime.evaluate({
        expression: `self.registration.getNotifications().then((ns) =>
          ns.map((n) => ({ title: n.title, tag: n.tag, actions: (n.actions ?? []).map((a) => a.action) })))`,
        awaitPromise: true,
        returnByValue: true,
      });
      if (exceptionDetails) throw new Error(`reading notifications failed: ${exceptionDetails.text}`);
      return result.value as { title: string; tag: string; actions: string[] }[];
    } finally {
      await inWorker.close();
    }
  }

  /**
   * Freezes one page of this browser (Chromium's web lifecycle `frozen`: no task of it runs, its
   * timers and sockets stand still) or makes it active again: what WebKit does to a web view soon
   * after the app leaves the foreground. The session stays open while frozen.
   */
  async setPageLifecycle(match: (url: string) => boolean, state: 'frozen' | 'active'): Promise<void> {
    const { targetInfos } = await this.client.Target.getTargets();
    const page = targetInfos.find((t) => t.type === 'page' && match(t.url));
    if (!page) throw new Error(`no page to set ${state}: ${targetInfos.map((t) => t.url).join(', ')}`);
    const session =
      this.lifecycle.get(page.targetId) ?? (await CDP({ ...this.address, target: page.targetId }));
    this.lifecycle.set(page.targetId, session);
    await session.Page.setWebLifecycleState({ state });
    if (state === 'active') {
      this.lifecycle.delete(page.targetId);
      await session.close();
    }
  }

  async setOffline(offline: boolean): Promise<void> {
    await this.client.Network.enable();
    await this.client.Network.emulateNetworkConditions({
      offline,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
  }

  /** Emulates a screen (CSS size, pixel ratio, a phone's viewport rules) while attached. */
  async emulateScreen(s: { width: number; height: number; scale: number; mobile: boolean }): Promise<void> {
    await this.client.Emulation.setDeviceMetricsOverride({
      width: s.width,
      height: s.height,
      deviceScaleFactor: s.scale,
      mobile: s.mobile,
    });
  }

  /** A PNG of the page at device pixels (WebDriver's screenshot is at CSS pixels). */
  async screenshot(): Promise<Buffer> {
    const { data } = await this.client.Page.captureScreenshot({ format: 'png' });
    return Buffer.from(data, 'base64');
  }

  async close(): Promise<void> {
    for (const session of this.lifecycle.values()) await session.close().catch(() => undefined);
    await this.client.close();
  }

  private async serviceWorkerRegistration(timeoutMs = 10_000): Promise<string> {
    if (this.registrationId) return this.registrationId;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no service worker registered')), timeoutMs);
      this.registrationWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.registrationId ?? '';
  }
}

/** The browser's DevTools address, as chromedriver reports it in the session's capabilities. */
export function devToolsAddress(driver: WebdriverIO.Browser): { host: string; port: number } {
  const caps = driver.capabilities as { 'goog:chromeOptions'?: { debuggerAddress?: string } };
  const address = caps['goog:chromeOptions']?.debuggerAddress;
  if (!address) throw new Error('the browser session does not report a DevTools address');
  const [host, port] = address.split(':');
  return { host: host ?? 'localhost', port: Number(port) };
}
