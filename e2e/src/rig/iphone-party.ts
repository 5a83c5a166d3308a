/**
 * A party on a simulated iPhone: the QA shell simulator page (`/shell-simulator.html`,
 * web/src/shell-simulator) plays the phone, iOS and the shell, and hosts the PWA in an iframe as its
 * web view. The party acts in the web view like any {@link Party}; `system` acts on the phone
 * itself: CallKit's screens, lock, home, kill, knobs, and the system's event log.
 */
import type { SystemEvent } from '@softphone/web/callkit-simulator';
import type { ShellSimulatorHooks, ShellSimulatorSnapshot } from '@softphone/web/shell-simulator';
import { Party } from './party.ts';

export type SimulatorKnobs = Parameters<ShellSimulatorHooks['setKnobs']>[0];
type Device = Parameters<ShellSimulatorHooks['setDevice']>[0];

export class IphoneParty extends Party {
  /** Query string for the simulator page (knobs, `pushes`/`token` for the APNs stand-in). */
  constructor(
    name: string,
    driver: WebdriverIO.Browser,
    private readonly query = '',
  ) {
    super(name, driver);
  }

  override async open(url: string): Promise<void> {
    const page = new URL('/shell-simulator.html', url);
    page.search = this.query;
    await this.driver.url(page.href);
    await this.enterWebView();
    await this.waitForSignIn();
  }

  /**
   * Reloads the phone with some knobs changed (null removes one); the session cookie signs the app
   * back in. The push stream and token stay.
   */
  async reopen(knobs: Record<string, string | null>): Promise<void> {
    await this.driver.switchFrame(null);
    // Kill the app first: a page navigated away from keeps its frame's socket open until the
    // server's ping timeout, and the server would ring that ghost too.
    await this.driver.execute(() => window.shellSimulator.killApp());
    const page = new URL(await this.driver.getUrl());
    for (const [k, v] of Object.entries(knobs)) {
      if (v === null) page.searchParams.delete(k);
      else page.searchParams.set(k, v);
    }
    await this.driver.url(page.href);
    await this.enterApp();
    await this.waitForScreen('contacts');
  }

  async killApp(): Promise<void> {
    await this.system(() => this.driver.execute(() => window.shellSimulator.killApp()));
  }

  /** Reboots and stays before the first unlock: the app is not running and gets no pushes. */
  async rebootWithoutUnlock(): Promise<void> {
    await this.system(() => this.driver.execute(() => window.shellSimulator.setBeforeFirstUnlock(true)));
  }

  /** The first unlock, then the user opens the app: it signs in again from its cookie. */
  async unlockAfterReboot(): Promise<void> {
    await this.driver.switchFrame(null);
    await this.driver.execute(() => {
      window.shellSimulator.setBeforeFirstUnlock(false);
      window.shellSimulator.setDevice('foreground');
      window.shellSimulator.launchApp();
    });
    await this.enterApp();
    await this.waitForScreen('contacts');
  }

  /** Acts in the app's web view from now on (after a launch, the web view is a new one). */
  async enterApp(): Promise<void> {
    await this.driver.switchFrame(null);
    await this.enterWebView();
  }

  /** The ended screen is in the app: a user on the lock screen or home screen opens it first. */
  override async dismiss(): Promise<void> {
    await this.setDevice('foreground');
    await super.dismiss();
  }

  /** Runs `fn` with the phone's own page (outside the web view) as the context. */
  async system<T>(fn: () => Promise<T>): Promise<T> {
    await this.driver.switchFrame(null);
    try {
      return await fn();
    } finally {
      if (await this.driver.$('iframe[data-test="web-view"]').isExisting()) await this.enterWebView();
    }
  }

  async systemSnapshot(): Promise<ShellSimulatorSnapshot> {
    return this.system(() => this.driver.execute(() => window.shellSimulator.snapshot()));
  }

  async setKnobs(knobs: SimulatorKnobs): Promise<void> {
    await this.system(() => this.driver.execute((k) => window.shellSimulator.setKnobs(k), knobs));
  }

  async setDevice(state: Device): Promise<void> {
    await this.system(() => this.driver.execute((s) => window.shellSimulator.setDevice(s), state));
  }

  /** Airplane mode off (true) or on (false): APNs holds this phone's pushes while it is off. */
  async setNetwork(on: boolean): Promise<void> {
    await this.system(() => this.driver.execute((o) => window.shellSimulator.setNetwork(o), on));
  }

  async deliverPush(payload: unknown): Promise<void> {
    await this.system(() => this.driver.execute((p) => window.shellSimulator.deliverPush(p), payload));
  }

  /** Answers on CallKit's own screen (banner, full screen or lock screen), not in the page. */
  async answerOnSystemUi(): Promise<void> {
    await this.system(async () => {
      const accept = this.driver.$('[data-test="callkit-answer"]');
      await accept.waitForClickable({ timeout: 10_000, timeoutMsg: `${this.name}: CallKit is not ringing` });
      await accept.click();
    });
  }

  /** The system's events for one call, in order. */
  async eventsOf(callId: string): Promise<SystemEvent[]> {
    return (await this.systemSnapshot()).events.filter((e) => e.callId === callId);
  }

  async waitForSystemEvent(kind: string, callId?: string, timeout = 10_000): Promise<SystemEvent> {
    let found: SystemEvent | undefined;
    await this.driver.waitUntil(
      async () => {
        const events = (await this.systemSnapshot()).events;
        found = events.find((e) => e.kind === kind && (callId === undefined || e.callId === callId));
        return found !== undefined;
      },
      {
        timeout,
        interval: 100,
        timeoutMsg: `${this.name}: no "${kind}" from the system within ${timeout} ms`,
      },
    );
    if (!found) throw new Error('unreachable');
    return found;
  }

  private async enterWebView(): Promise<void> {
    const frame = this.driver.$('iframe[data-test="web-view"]');
    await frame.waitForExist({ timeout: 10_000, timeoutMsg: `${this.name}: the app has no web view` });
    await this.driver.switchFrame(frame);
  }
}
