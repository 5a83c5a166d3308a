/**
 * A STAND-IN for a WebdriverIO session on a real iPhone (none can exist here): it records every
 * command the physical adapter sends, in order, and answers the way the XCUITest driver documents
 * (execute-methods.md), with a phone reduced to what the commands touch: the app's state, the lock,
 * an alert, CallKit windows (found only while their app is WebDriverAgent's active one), the web
 * view, and syslog lines handed out once each, like `getLogs('syslog')`. Its clock only moves when
 * the adapter pauses, so waits cost no time.
 */
import type { Clock, XcuitestDriver } from '../../src/farm/physical-iphone.ts';

export interface Recorded {
  cmd: string;
  args: unknown[];
}

const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';

export class XcuitestStandIn implements XcuitestDriver {
  readonly calls: Recorded[] = [];
  appState = 1;
  locked = false;
  alertButtons: string[] | null = null;
  /** CallKit: which app owns the incoming-call UI, its buttons, and how many windows are stacked. */
  callKit: { app: string; buttons: string[]; windows: number } = { app: '', buttons: [], windows: 0 };
  /** Whether a tap closes a window (false: the button never goes away), and after how long. */
  tapCloses = true;
  closeAfterMs = 0;
  private closingAt: number[] = [];
  /** The page's controls (data-test) present in the web view. */
  pageControls = new Set<string>();
  contexts = ['NATIVE_APP', 'WEBVIEW_1234.1'];
  deviceTimeReply: unknown = '2026-12-01T09:00:00.250+01:00';
  private settings: Record<string, unknown> = { defaultActiveApplication: 'auto' };
  private context = 'NATIVE_APP';
  private pendingLog: { timestamp: number; level: string; message: string }[] = [];
  readonly clock: Clock & { t: number };

  constructor(start = 1_000_000) {
    const clock = {
      t: start,
      now: () => clock.t,
      pause: (ms: number) => {
        clock.t += ms;
        return Promise.resolve();
      },
    };
    this.clock = clock;
  }

  /** A device line that the next `getLogs('syslog')` returns, stamped `at` (default: now). */
  syslog(message: string, at = this.clock.t): void {
    this.pendingLog.push({ timestamp: at, level: 'ALL', message });
  }

  /** The commands as `name args` strings, for exact sequence assertions. */
  sequence(): string[] {
    return this.calls.map((c) => `${c.cmd} ${JSON.stringify(c.args)}`);
  }

  execute(script: string, ...args: unknown[]): Promise<unknown> {
    this.calls.push({ cmd: script.startsWith('mobile: ') ? script : 'execute(page script)', args });
    if (!script.startsWith('mobile: ')) return Promise.resolve(this.inPage(args[0]));
    const a = (args[0] ?? {}) as Record<string, unknown>;
    switch (script.slice('mobile: '.length)) {
      case 'launchApp':
      case 'activateApp':
        this.appState = 4;
        return Promise.resolve(null);
      case 'terminateApp':
        this.appState = 1;
        return Promise.resolve(true);
      case 'pressButton':
        if (a['name'] === 'home' && this.appState === 4) this.appState = 3;
        return Promise.resolve(null);
      case 'queryAppState':
        return Promise.resolve(this.appState);
      case 'lock':
        this.locked = true;
        return Promise.resolve(null);
      case 'unlock':
        this.locked = false;
        return Promise.resolve(null);
      case 'isLocked':
        return Promise.resolve(this.locked);
      case 'getDeviceTime':
        return Promise.resolve(this.deviceTimeReply);
      case 'alert':
        if (!this.alertButtons)
          return Promise.reject(
            new Error('An attempt was made to operate on a modal dialog when one was not open'),
          );
        if (a['action'] === 'getButtons') return Promise.resolve(this.alertButtons);
        this.alertButtons = null;
        return Promise.resolve(null);
      default:
        return Promise.reject(new Error(`stand-in: unknown ${script}`));
    }
  }

  updateSettings(settings: object): Promise<void> {
    this.calls.push({ cmd: 'updateSettings', args: [settings] });
    Object.assign(this.settings, settings);
    return Promise.resolve();
  }

  getLogs(type: string): Promise<object[]> {
    this.calls.push({ cmd: 'getLogs', args: [type] });
    const out = this.pendingLog.filter((e) => e.timestamp <= this.clock.t);
    this.pendingLog = this.pendingLog.filter((e) => e.timestamp > this.clock.t);
    return Promise.resolve(out);
  }

  findElements(using: string, value: string): Promise<Record<string, string>[]> {
    this.calls.push({ cmd: 'findElements', args: [using, value] });
    this.closeDueWindows();
    const active = this.settings['defaultActiveApplication'] === this.callKit.app;
    const shown = active && this.callKit.windows > 0 && this.callKit.buttons.includes(value);
    return Promise.resolve(shown ? [{ [ELEMENT_KEY]: `${value}#${this.callKit.windows}` }] : []);
  }

  elementClick(elementId: string): Promise<void> {
    this.calls.push({ cmd: 'elementClick', args: [elementId] });
    if (this.tapCloses) this.closingAt.push(this.clock.t + this.closeAfterMs);
    this.closeDueWindows();
    return Promise.resolve();
  }

  private closeDueWindows(): void {
    const due = this.closingAt.filter((t) => t <= this.clock.t);
    this.closingAt = this.closingAt.filter((t) => t > this.clock.t);
    this.callKit.windows = Math.max(0, this.callKit.windows - due.length);
  }

  getAppiumContexts(): Promise<string[]> {
    this.calls.push({ cmd: 'getAppiumContexts', args: [] });
    return Promise.resolve(this.contexts);
  }

  switchAppiumContext(name: string): Promise<void> {
    this.calls.push({ cmd: 'switchAppiumContext', args: [name] });
    this.context = name;
    return Promise.resolve();
  }

  private inPage(test: unknown): boolean {
    if (!this.context.startsWith('WEBVIEW')) throw new Error('stand-in: a page script in the native context');
    return typeof test === 'string' && this.pageControls.has(test);
  }
}
