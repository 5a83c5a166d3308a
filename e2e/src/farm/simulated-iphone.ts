/**
 * The simulated iPhone (the shell simulator page, web/src/shell-simulator) as the farm's
 * {@link Iphone}: each method is what {@link IphoneParty} and `window.shellSimulator` offer today.
 * Where the simulator has no such thing the method says so (e2e/README.md lists them): no app
 * suspension (state 2), no microphone prompt, no observable VoIP token (the rig decides whether the
 * page gets one), and its log is the system's event list, not syslog lines.
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

type Device = Awaited<ReturnType<IphoneParty['systemSnapshot']>>['device'];

export class SimulatedIphone implements Iphone {
  readonly device = 'simulated';
  private beforeLock: Device = 'foreground';

  constructor(
    private readonly party: IphoneParty,
    readonly iosVersion: string,
    /** Whether the rig started the simulator with a VoIP token (`calleeOnIphone.pushes`). */
    private readonly hasVoipToken: boolean,
  ) {}

  async launch(): Promise<void> {
    await this.party.driver.switchFrame(null);
    await this.party.driver.execute(() => {
      window.shellSimulator.launchApp();
      window.shellSimulator.setDevice('foreground');
    });
    await this.party.enterApp();
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

  /** The simulator asks for no permission: Chromium's fake media UI grants the microphone. */
  grantMicrophone(): Promise<boolean> {
    return Promise.resolve(false);
  }

  /** The simulator shows no token event: whether it has one is how the rig started it. */
  waitForVoipToken(): Promise<boolean> {
    return Promise.resolve(this.hasVoipToken);
  }

  /** The web view's audio windows (the native engine's stats, reported to the page). */
  async ownAudio(answeredAt: number): Promise<OwnAudio> {
    const snap = await this.party.snapshot();
    return { downlink: judgeDirection(snap.windows, answeredAt, Date.now()), uplinkSent: null };
  }

  /** The simulator page runs on the rig's machine: its clock is the rig's. */
  deviceTime(): Promise<number> {
    return this.party.driver.execute(() => Date.now());
  }

  async logWindow(at: number): Promise<DeviceLogLine[]> {
    const end = at + LOG_WINDOW.afterMs;
    await this.party.driver.waitUntil(async () => (await this.deviceTime()) > end, {
      timeout: LOG_WINDOW.afterMs + LOG_WINDOW.beforeMs,
      interval: 250,
      timeoutMsg: `${this.party.name}: the simulator's clock did not pass the log window's end`,
    });
    const { events } = await this.party.systemSnapshot();
    return events
      .map((e) => ({
        at: e.at,
        message: [`shell-simulator: ${e.kind}`, e.callId ? `call=${e.callId}` : '', e.detail ?? '']
          .filter(Boolean)
          .join(' '),
      }))
      .filter((l) => inLogWindow(l, at));
  }
}
