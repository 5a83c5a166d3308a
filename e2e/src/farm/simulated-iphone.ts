/**
 * The simulated iPhone (the shell simulator page, web/src/shell-simulator) as the farm's
 * {@link Iphone}: each method is what {@link IphoneParty} and `window.shellSimulator` offer today.
 * Where the simulator has no such thing the method says so (e2e/README.md lists them): no app
 * suspension (state 2), no microphone prompt, no observable VoIP token (the rig decides whether the
 * page gets one). Its log is the system's event list rendered as the syslog lines a phone writes
 * (`simulated-syslog.ts`), so voip-doctor reads it as it reads a real phone.
 */
import { judgeDirection } from '../audio/verdict.ts';
import type { IphoneParty } from '../rig/iphone-party.ts';
import {
  APP_STATE,
  inLogWindow,
  LOG_WINDOW,
  type AppState,
  type DeviceLogLine,
  type Iphone,
  type OwnAudio,
} from './iphone.ts';
import { syslogLines } from './simulated-syslog.ts';
import { SIMULATED_DEVICE } from './results.ts';

type Device = Awaited<ReturnType<IphoneParty['systemSnapshot']>>['device'];

export class SimulatedIphone implements Iphone {
  readonly device = SIMULATED_DEVICE;
  /** Which engine carries the calls: the rig reloads the app to switch it (`engine` knob). */
  engine: 'native' | 'page' = 'native';
  private beforeLock: Device = 'foreground';

  constructor(
    private readonly party: IphoneParty,
    readonly iosVersion: string,
    /** Whether the rig started the simulator with a VoIP token (`calleeOnIphone.pushes`). */
    private readonly hasVoipToken: boolean,
  ) {}

  /** The user opens the app: launched if it isn't running, its web view running again if frozen. */
  async launch(): Promise<void> {
    await this.party.system(() =>
      this.party.driver.execute(() => {
        window.shellSimulator.launchApp();
        window.shellSimulator.setDevice('foreground');
      }),
    );
    if (this.party.pageFrozen) await this.party.thawPage();
    else await this.party.enterApp();
  }

  terminate(): Promise<void> {
    return this.party.killApp();
  }

  background(): Promise<void> {
    return this.party.setDevice('background');
  }

  async lock(): Promise<void> {
    const { device } = await this.party.systemSnapshot();
    if (device !== 'locked') this.beforeLock = device;
    await this.party.setDevice('locked');
  }

  /** Back to what was on screen before the lock: the simulator has no separate home screen state. */
  unlock(): Promise<void> {
    return this.party.setDevice(this.beforeLock);
  }

  /** The simulator never suspends the app, so 2 (background, suspended) does not occur. */
  async state(): Promise<AppState> {
    const s = await this.party.systemSnapshot();
    if (!s.appRunning) return APP_STATE.notRunning;
    return s.device === 'foreground' ? APP_STATE.foreground : APP_STATE.background;
  }

  answerOnCallKit(): Promise<void> {
    return this.party.answerOnSystemUi();
  }

  async declineOnCallKit(): Promise<void> {
    await this.party.system(async () => {
      const decline = this.party.driver.$('[data-test="callkit-decline"]');
      await decline.waitForClickable({
        timeout: 10_000,
        timeoutMsg: `${this.party.name}: CallKit is not ringing`,
      });
      await decline.click();
    });
  }

  answerInApp(): Promise<void> {
    return this.party.answer();
  }

  hangUp(): Promise<void> {
    return this.party.hangup();
  }

  /** The web view's contact list, as the rig's browser parties dial (`contact`: a display name). */
  async dial(contact: string): Promise<void> {
    const button = this.party.driver.$(`>>>[data-test="user"][data-name="${contact}"] [data-test="call"]`);
    await button.waitForClickable({
      timeout: 10_000,
      timeoutMsg: `${this.party.name}: ${contact} is not listed online`,
    });
    await button.click();
  }

  setHeld(held: boolean): Promise<void> {
    return this.party.setHeld(held);
  }

  /** The simulator asks for no permission: Chromium's fake media UI grants the microphone. */
  grantMicrophone(): Promise<boolean> {
    return Promise.resolve(false);
  }

  /** The simulator shows no token event: whether it has one is how the rig started it. */
  waitForVoipToken(): Promise<boolean> {
    return Promise.resolve(this.hasVoipToken);
  }

  /** What the phone's engine played of the call up now (the one CallKit holds as active or held). */
  async ownAudio(answeredAt: number, partner: string | null): Promise<OwnAudio> {
    let windows;
    if (this.engine === 'page') windows = (await this.party.snapshot()).windows;
    else {
      const call = (await this.party.systemSnapshot()).calls.find((c) => c.state !== 'ringing');
      if (!call) throw new Error(`${this.party.name}: no call is up`);
      windows = (await this.party.nativeAudio(call.id)).windows;
    }
    return { downlink: judgeDirection(windows, answeredAt, Date.now(), partner), uplinkSent: null };
  }

  /** The simulator page runs on the rig's machine: its clock is the rig's. */
  deviceTime(): Promise<number> {
    return this.party.driver.execute(() => Date.now());
  }

  /**
   * The simulator logs nothing on its own once no call is up, so the window is complete when the
   * system holds no call (or the window's end has passed), not after waiting 10 s of clock.
   */
  async logWindow(at: number): Promise<DeviceLogLine[]> {
    const end = at + LOG_WINDOW.afterMs;
    await this.party.driver.waitUntil(
      async () => (await this.party.systemSnapshot()).calls.length === 0 || Date.now() > end,
      {
        timeout: LOG_WINDOW.afterMs + LOG_WINDOW.beforeMs,
        interval: 100,
        timeoutMsg: `${this.party.name}: the simulator's clock did not pass the log window's end`,
      },
    );
    const events = await this.party.systemEvents();
    return syslogLines(events).filter((l) => inLogWindow(l, at));
  }
}
