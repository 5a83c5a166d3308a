/**
 * A real iPhone as the farm's {@link Iphone}, through Appium's XCUITest driver: a thin layer over
 * documented commands, each cited where it is sent. Sources (appium/appium-xcuitest-driver):
 * EM = docs/reference/execute-methods.md, CAPS = docs/reference/capabilities.md,
 * SETTINGS = docs/reference/settings.md, TS = docs/guides/troubleshooting.md ("Interact with
 * dialogs managed by com.apple.springboard"), LOG = lib/commands/log.ts and docs/reference/bidi.md.
 * WebdriverIO's Appium protocol (getLogs, updateSettings, contexts) is @wdio/protocols
 * `commands/appium`, its W3C commands (findElements, elementClick) `commands/webdriver`.
 *
 * Not reachable through Appium (e2e/README.md): a VoIP push (`mobile: pushNotification` is
 * Simulator-only and has no VoIP type; pushes come from APNs through the server), a passcode phone's
 * lock and unlock (`mobile: lock` / `unlock` support "only simple (e.g. without a password) locks"),
 * and so a true before-first-unlock state.
 */
import { remote } from 'webdriverio';
import { z } from 'zod';
import { qaLaunchArguments, xcuitestCapabilities, type PhysicalDevice } from '../../../appium.config.ts';
import {
  APP_STATE,
  inLogWindow,
  LOG_WINDOW,
  type AppState,
  type DeviceLogLine,
  type Iphone,
  type OwnAudio,
} from './iphone.ts';
import { judgeDownlink, parseQaStats, uplinkSent, type QaStatsLine } from './qa-stats.ts';

/** The part of a WebdriverIO session this adapter uses; a WebdriverIO.Browser is one. */
export interface XcuitestDriver {
  execute(script: string, ...args: unknown[]): Promise<unknown>;
  updateSettings(settings: object): Promise<void>;
  getLogs(type: string): Promise<object[]>;
  findElements(using: string, value: string): Promise<Record<string, string>[]>;
  elementClick(elementId: string): Promise<void>;
  getAppiumContexts(): Promise<(string | { id: string })[]>;
  switchAppiumContext(name: string): Promise<void>;
}

/** Time, passed in so the waits run in a test without a phone. */
export interface Clock {
  now(): number;
  pause(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  pause: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/**
 * CallKit's incoming-call UI (device-farm-notes.md, from a public XCUITest helper): SpringBoard's
 * "Accept" / "Decline" before iOS 18; from iOS 18 a process of its own, InCallService, with the
 * identifiers `acceptCall` / `rejectCall`.
 */
export function callKitUi(iosVersion: string): { app: string; accept: string; decline: string } {
  return iosMajor(iosVersion) >= 18
    ? { app: 'com.apple.InCallService', accept: 'acceptCall', decline: 'rejectCall' }
    : { app: 'com.apple.springboard', accept: 'Accept', decline: 'Decline' };
}

export function iosMajor(version: string): number {
  const major = Number(version.split('.')[0]);
  if (!Number.isInteger(major)) throw new Error(`not an iOS version: "${version}"`);
  return major;
}

/** W3C's element reference key (WebDriver §12.1). */
const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';

/** A second CallKit window can appear after the first tap: tap again, at most this many times. */
export const MAX_CALLKIT_TAPS = 3;

const WAIT = {
  /** A push → CallKit's UI on screen: well over a second on a woken phone. */
  callKitUiMs: 15_000,
  /** After a tap, how long the CallKit window may take to go before it counts as a second one. */
  callKitGoneMs: 3_000,
  appStateMs: 10_000,
  lockMs: 5_000,
  webControlMs: 10_000,
  /** After T + 10 s, how long to wait for the device's lines to reach the rig. */
  logLatencyMs: 5_000,
  pollMs: 250,
};

/** How long captured device lines are kept: a call and its windows on both sides. */
const KEEP_LOG_MS = 10 * 60_000;

/** The `mobile: getDeviceTime` format (DayJS/MomentJS tokens): milliseconds and offset, parseable by Date. */
const DEVICE_TIME_FORMAT = 'YYYY-MM-DDTHH:mm:ss.SSSZ';

/** A log entry as the driver returns it (`toLogEntry(message, timestamp)`, LOG). */
const LogEntrySchema = z.object({ timestamp: z.number(), message: z.string() });

/** The shell's PushKit line (ios-shell/Shell/Push/PushKitManager.swift). */
const VOIP_TOKEN_LINE = /voip token updated suffix=[0-9a-f]+/;

/**
 * Runs in the page (the shell's web view): clicks the control with this `data-test`, looking
 * through shadow roots as the rig's browser parties do; false when it is not there or disabled.
 */
const CLICK_IN_PAGE = `
  const test = arguments[0];
  const row = arguments[1];
  const selector = (row ? '[data-test="user"][data-name="' + row + '"] ' : '') + '[data-test="' + test + '"]';
  const find = (root) => {
    const hit = root.querySelector(selector);
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) {
      const inner = el.shadowRoot && find(el.shadowRoot);
      if (inner) return inner;
    }
    return null;
  };
  const el = find(document);
  if (!el || el.disabled) return false;
  el.click();
  return true;`;

export class PhysicalIphone implements Iphone {
  readonly device: string;
  readonly iosVersion: string;
  private readonly log: DeviceLogLine[] = [];

  constructor(
    private readonly driver: XcuitestDriver,
    private readonly profile: PhysicalDevice,
    private readonly clock: Clock = realClock,
  ) {
    this.device = profile.name;
    this.iosVersion = profile.iosVersion;
  }

  async launch(): Promise<void> {
    // EM "mobile: launchApp": runs the app, or activates it if running (then `arguments` is ignored).
    await this.mobile('launchApp', {
      bundleId: this.profile.bundleId,
      arguments: qaLaunchArguments(this.profile),
    });
    await this.waitForState((s) => s === APP_STATE.foreground, 'in the foreground');
  }

  async terminate(): Promise<void> {
    // EM "mobile: terminateApp": XCTest's terminate; nothing is done if the app is not running.
    await this.mobile('terminateApp', { bundleId: this.profile.bundleId });
    await this.waitForState((s) => s === APP_STATE.notRunning, 'not running');
  }

  async background(): Promise<void> {
    // EM "mobile: pressButton" `home`: the user's gesture. Not `mobile: backgroundApp`, which acts on
    // WebDriverAgent's active app, and that is the system's after a CallKit screen.
    await this.mobile('pressButton', { name: 'home' });
    await this.waitForState(
      (s) => s === APP_STATE.background || s === APP_STATE.backgroundSuspended,
      'in the background',
    );
  }

  async lock(): Promise<void> {
    this.assertNoPasscode('lock');
    // EM "mobile: lock": without `seconds` the phone stays locked until `mobile: unlock`.
    await this.mobile('lock', {});
    await this.waitForLocked(true);
  }

  async unlock(): Promise<void> {
    this.assertNoPasscode('unlock');
    // EM "mobile: unlock": "Only simple (e.g. without a password) locks are supported."
    await this.mobile('unlock', {});
    await this.waitForLocked(false);
  }

  async state(): Promise<AppState> {
    // EM "mobile: queryAppState": XCUIApplicationState, 0 unknown … 4 running in the foreground.
    const raw = await this.mobile('queryAppState', { bundleId: this.profile.bundleId });
    const parsed = z
      .union([z.literal(0), z.literal(1), z.literal(2), z.literal(3), z.literal(4)])
      .safeParse(raw);
    if (!parsed.success)
      throw new Error(`${this.device}: mobile: queryAppState returned ${JSON.stringify(raw)}`);
    return parsed.data;
  }

  answerOnCallKit(): Promise<void> {
    return this.tapCallKit('accept');
  }

  declineOnCallKit(): Promise<void> {
    return this.tapCallKit('decline');
  }

  answerInApp(): Promise<void> {
    return this.clickInApp('answer');
  }

  hangUp(): Promise<void> {
    return this.clickInApp('hangup');
  }

  /** The contact's call button in the app's contact list (`[data-test="user"][data-name=…]`). */
  dial(contact: string): Promise<void> {
    return this.clickInApp('call', contact);
  }

  setHeld(): Promise<void> {
    return this.clickInApp('hold');
  }

  async grantMicrophone(): Promise<boolean> {
    let buttons: unknown;
    try {
      // EM "mobile: alert" `getButtons`: the visible alert's buttons; it throws when there is none.
      buttons = await this.mobile('alert', { action: 'getButtons' });
    } catch {
      return false;
    }
    const labels = z.array(z.string()).safeParse(buttons);
    const allow = labels.success ? labels.data.find((b) => b === 'Allow' || b === 'OK') : undefined;
    if (!allow)
      throw new Error(
        `${this.device}: an alert with no "Allow" or "OK" button is on screen: ${JSON.stringify(buttons)}`,
      );
    // EM "mobile: alert" `accept` with `buttonLabel`: that button, never whatever is the default.
    await this.mobile('alert', { action: 'accept', buttonLabel: allow });
    return true;
  }

  async waitForVoipToken(timeoutMs: number): Promise<boolean> {
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      await this.collectLog();
      if (this.log.some((l) => VOIP_TOKEN_LINE.test(l.message))) return true;
      if (this.clock.now() >= deadline) return false;
      await this.clock.pause(WAIT.pollMs);
    }
  }

  /** A physical phone's QA stats carry no tones: its downlink is judged by level. */
  async ownAudio(answeredAt: number): Promise<OwnAudio> {
    await this.collectLog();
    const lines = this.log
      .filter((l) => l.at >= answeredAt - 1_000)
      .map(parseQaStats)
      .filter((l): l is QaStatsLine => l !== null);
    return { downlink: judgeDownlink(lines, answeredAt, this.clock.now()), uplinkSent: uplinkSent(lines) };
  }

  async deviceTime(): Promise<number> {
    // EM "mobile: getDeviceTime" with a `format` (MomentJS tokens); the default has no milliseconds.
    const raw = await this.mobile('getDeviceTime', { format: DEVICE_TIME_FORMAT });
    const at = typeof raw === 'string' ? Date.parse(raw) : NaN;
    if (Number.isNaN(at))
      throw new Error(`${this.device}: mobile: getDeviceTime returned ${JSON.stringify(raw)}`);
    return at;
  }

  async logWindow(at: number): Promise<DeviceLogLine[]> {
    const end = at + LOG_WINDOW.afterMs;
    // Done when a line from after the window arrived, or (a quiet phone) when lines that late would have.
    for (;;) {
      await this.collectLog();
      const last = this.log[this.log.length - 1];
      if ((last && last.at > end) || this.clock.now() >= end + WAIT.logLatencyMs) break;
      await this.clock.pause(WAIT.pollMs);
    }
    return this.log.filter((l) => inLogWindow(l, at));
  }

  /**
   * Taps CallKit's accept or decline button. WebDriverAgent drives one app at a time, so the
   * system UI's app is made the active one for the tap (SETTINGS `defaultActiveApplication`, TS)
   * and handed back to WebDriverAgent's own choice (`auto`) after.
   */
  private async tapCallKit(which: 'accept' | 'decline'): Promise<void> {
    const ui = callKitUi(this.iosVersion);
    const id = ui[which];
    await this.driver.updateSettings({ defaultActiveApplication: ui.app });
    try {
      let button = await this.waitForElement(id, WAIT.callKitUiMs);
      if (!button)
        throw new Error(
          `${this.device}: CallKit's "${id}" button (${ui.app}) did not appear within ${WAIT.callKitUiMs} ms` +
            ' (a locked phone shows "slide to answer", whose label is not verified: e2e/README.md)',
        );
      for (let tap = 1; ; tap++) {
        await this.driver.elementClick(button);
        if (await this.waitForGone(id, WAIT.callKitGoneMs)) return;
        if (tap === MAX_CALLKIT_TAPS)
          throw new Error(`${this.device}: CallKit's "${id}" button is still there after ${tap} taps`);
        // A second CallKit window: the same button again, in front.
        const again = await this.findOne(id);
        if (!again) return;
        button = again;
      }
    } finally {
      await this.driver.updateSettings({ defaultActiveApplication: 'auto' });
    }
  }

  /** Clicks one of the page's controls in the app's web view (a QA build's web view is inspectable). */
  private async clickInApp(test: string, row?: string): Promise<void> {
    // EM "mobile: activateApp": to the foreground; the page's controls are only there.
    await this.mobile('activateApp', { bundleId: this.profile.bundleId });
    // Appium contexts (WebdriverIO `getAppiumContexts` / `switchAppiumContext`): NATIVE_APP and WEBVIEW_<id>.
    const contexts = await this.driver.getAppiumContexts();
    const web = contexts.map((c) => (typeof c === 'string' ? c : c.id)).find((c) => c.startsWith('WEBVIEW'));
    if (!web)
      throw new Error(
        `${this.device}: the app has no inspectable web view (a QA build is needed; contexts: ${contexts.join(', ')})`,
      );
    await this.driver.switchAppiumContext(web);
    try {
      const deadline = this.clock.now() + WAIT.webControlMs;
      while ((await this.driver.execute(CLICK_IN_PAGE, ...(row ? [test, row] : [test]))) !== true) {
        if (this.clock.now() >= deadline)
          throw new Error(`${this.device}: the app has no "${test}" control within ${WAIT.webControlMs} ms`);
        await this.clock.pause(WAIT.pollMs);
      }
    } finally {
      await this.driver.switchAppiumContext('NATIVE_APP');
    }
  }

  /** EM: every `mobile:` extension is `execute('mobile: <name>', {args})`. */
  private mobile(name: string, args: Record<string, unknown>): Promise<unknown> {
    return this.driver.execute(`mobile: ${name}`, args);
  }

  private async findOne(accessibilityId: string): Promise<string | null> {
    // W3C Find Elements with the XCUITest driver's `accessibility id` strategy: [] when absent.
    const found = await this.driver.findElements('accessibility id', accessibilityId);
    return found[0]?.[ELEMENT_KEY] ?? null;
  }

  private async waitForElement(accessibilityId: string, timeoutMs: number): Promise<string | null> {
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      const id = await this.findOne(accessibilityId);
      if (id || this.clock.now() >= deadline) return id;
      await this.clock.pause(WAIT.pollMs);
    }
  }

  private async waitForGone(accessibilityId: string, timeoutMs: number): Promise<boolean> {
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      if (!(await this.findOne(accessibilityId))) return true;
      if (this.clock.now() >= deadline) return false;
      await this.clock.pause(WAIT.pollMs);
    }
  }

  private async waitForState(ok: (s: AppState) => boolean, what: string): Promise<void> {
    const deadline = this.clock.now() + WAIT.appStateMs;
    let s = await this.state();
    while (!ok(s)) {
      if (this.clock.now() >= deadline)
        throw new Error(`${this.device}: the app is not ${what} within ${WAIT.appStateMs} ms (state ${s})`);
      await this.clock.pause(WAIT.pollMs);
      s = await this.state();
    }
  }

  private async waitForLocked(locked: boolean): Promise<void> {
    const deadline = this.clock.now() + WAIT.lockMs;
    // EM "mobile: isLocked": true or false.
    while ((await this.mobile('isLocked', {})) !== locked) {
      if (this.clock.now() >= deadline)
        throw new Error(
          `${this.device}: the phone is not ${locked ? 'locked' : 'unlocked'} within ${WAIT.lockMs} ms`,
        );
      await this.clock.pause(WAIT.pollMs);
    }
  }

  private assertNoPasscode(what: string): void {
    if (this.profile.passcode)
      throw new Error(
        `${this.device}: cannot ${what} a phone with a passcode through Appium (mobile: ${what} supports only ` +
          'passcode-less devices); use a passcode-less phone ("passcode": false) for locked scenarios',
      );
  }

  /** LOG: `getLogs('syslog')` returns the lines since the last call, so they are kept here. */
  private async collectLog(): Promise<void> {
    const entries = z.array(LogEntrySchema).safeParse(await this.driver.getLogs('syslog'));
    if (!entries.success)
      throw new Error(`${this.device}: the driver's syslog entries are not {timestamp, message}`);
    for (const e of entries.data) this.log.push({ at: e.timestamp, message: e.message });
    const keepFrom = this.clock.now() - KEEP_LOG_MS;
    const drop = this.log.findIndex((l) => l.at >= keepFrom);
    if (drop > 0) this.log.splice(0, drop);
  }
}

/**
 * A session on the phone's Appium server with the profile's capabilities (appium.config.ts), and
 * the adapter over it. `close` ends the session (with `noReset`, the app stays installed and signed in).
 */
export async function connectPhysicalIphone(
  profile: PhysicalDevice,
): Promise<{ iphone: PhysicalIphone; close(): Promise<void> }> {
  const url = new URL(profile.appium);
  const driver = await remote({
    protocol: url.protocol.replace(':', ''),
    hostname: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    path: url.pathname,
    logLevel: 'error',
    capabilities: xcuitestCapabilities(profile),
  });
  return { iphone: new PhysicalIphone(driver, profile), close: () => driver.deleteSession() };
}
