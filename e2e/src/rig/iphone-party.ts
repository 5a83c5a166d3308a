/**
 * A party on a simulated iPhone: the QA shell simulator page (`/shell-simulator.html`,
 * web/src/shell-simulator) plays the phone, iOS and the shell, and opens the PWA in a window of its
 * own as its web view. The party acts in the web view like any {@link Party}; `system` acts on the
 * phone itself: CallKit's screens, lock, home, kill, knobs, the system's event log, and the web
 * view's lifecycle (frozen, as WebKit suspends it in the background, or active).
 */
import type { SystemEvent } from '@softphone/web/callkit-simulator';
import { capturedBeforeActivation } from '@softphone/web/capture-watch';
import type { PhoneSnapshot } from '@softphone/web/test-hooks';
import {
  SWIFT_SOCKET_PARAM,
  type ShellSimulatorHooks,
  type ShellSimulatorSnapshot,
} from '@softphone/web/shell-simulator';
import { DevTools } from './devtools.ts';
import { Party } from './party.ts';

export type SimulatorKnobs = Parameters<ShellSimulatorHooks['setKnobs']>[0];

type Device = Parameters<ShellSimulatorHooks['setDevice']>[0];

export class IphoneParty extends Party {
  /** The simulator's own window (the phone and the app process). */
  private systemWindow: string | null = null;
  private tools: DevTools | null = null;

  /**
   * `query`: the simulator page's (knobs, `pushes`/`token` for the APNs stand-in); `password` and
   * `device` as {@link Party}'s, for another device of a user that exists.
   */
  constructor(
    name: string,
    driver: WebdriverIO.Browser,
    private readonly query = '',
    password?: string,
    device?: string,
  ) {
    super(name, driver, password, device);
  }

  override async open(url: string): Promise<void> {
    const page = new URL('/shell-simulator.html', url);
    page.search = this.query;
    if (page.searchParams.has('pushes') || page.searchParams.has(SWIFT_SOCKET_PARAM)) {
      // The push stream is iOS's own channel to APNs, and the shell's socket the app's own, not the
      // page's: the page's CSP (connect-src 'self') applies to neither. (The web view's window keeps it.)
      this.tools ??= await DevTools.attach(this.driver);
      await this.tools.bypassCsp();
    }
    await this.driver.url(page.href);
    this.systemWindow = await this.driver.getWindowHandle();
    await this.enterWebView();
    await this.waitForSignIn();
  }

  /**
   * Reloads the phone with some knobs changed (null removes one); the session cookie signs the app
   * back in. The push stream and token stay.
   */
  async reopen(knobs: Record<string, string | null>): Promise<void> {
    await this.toSystem();
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
    // The frozen web view went with the process; the next launch opens a running one.
    this.frozen = false;
  }

  /** Reboots and stays before the first unlock: the app is not running and gets no pushes. */
  async rebootWithoutUnlock(): Promise<void> {
    await this.system(() => this.driver.execute(() => window.shellSimulator.setBeforeFirstUnlock(true)));
  }

  /** The first unlock, then the user opens the app: it signs in again from its cookie. */
  async unlockAfterReboot(): Promise<void> {
    await this.toSystem();
    await this.driver.execute(() => window.shellSimulator.setBeforeFirstUnlock(false));
    await this.openApp();
  }

  /** The user opens the app (launched if it is not running): its contacts, signed in from its cookie. */
  async openApp(): Promise<void> {
    await this.toSystem();
    await this.driver.execute(() => {
      window.shellSimulator.setDevice('foreground');
      window.shellSimulator.launchApp();
    });
    await this.enterApp();
    await this.waitForScreen('contacts');
  }

  /** Acts in the app's web view from now on (after a launch, the web view is a new one). */
  async enterApp(): Promise<void> {
    await this.toSystem();
    await this.enterWebView();
  }

  /** The ended screen is in the app: a user on the lock screen or home screen opens it first. */
  override async dismiss(): Promise<void> {
    await this.setDevice('foreground');
    await super.dismiss();
  }

  /** Runs `fn` with the phone's own page (outside the web view) as the context. */
  async system<T>(fn: () => Promise<T>): Promise<T> {
    await this.toSystem();
    try {
      return await fn();
    } finally {
      if (!this.frozen && (await this.webViewWindow())) await this.enterWebView();
    }
  }

  /** The web view's JavaScript stops (Chromium's `frozen`), as WebKit's does in the background. */
  async freezePage(): Promise<void> {
    await this.toSystem();
    await this.lifecycle('frozen');
    this.frozen = true;
  }

  /** The user opens the app: the web view runs again and is where the party acts. */
  async thawPage(): Promise<void> {
    await this.lifecycle('active');
    this.frozen = false;
    await this.enterApp();
  }

  /**
   * The phone's native engine records whose audio it plays, from now on and across app launches;
   * the page's own engine (`?engine=page`) too when the app's web view runs now (a page launched
   * later is judged by level).
   */
  override async listen(): Promise<void> {
    const all = this.tones?.all;
    if (!all || !Object.keys(all).length) return;
    await this.system(() => this.driver.execute((s) => window.shellSimulator.listenFor(s), all));
    if (!this.frozen && (await this.webViewWindow())) await super.listen();
  }

  /** What the app's native engine heard of the far end (readable while the page is frozen). */
  async nativeAudio(callId: string): Promise<NonNullable<ReturnType<ShellSimulatorHooks['nativeAudio']>>> {
    const heard = await this.system(() =>
      this.driver.execute((id) => window.shellSimulator.nativeAudio(id), callId),
    );
    if (!heard) throw new Error(`${this.name}: the app is not running`);
    return heard;
  }

  private frozen = false;

  /** Whether the web view's JavaScript is frozen now (the rig froze it, and nothing thawed it). */
  get pageFrozen(): boolean {
    return this.frozen;
  }

  private async lifecycle(state: 'frozen' | 'active'): Promise<void> {
    this.tools ??= await DevTools.attach(this.driver);
    await this.tools.setPageLifecycle(
      (url) => !url.includes('/shell-simulator.html') && url.startsWith('http'),
      state,
    );
  }

  private async toSystem(): Promise<void> {
    if (this.systemWindow) await this.driver.switchToWindow(this.systemWindow);
  }

  private async webViewWindow(): Promise<string | undefined> {
    const handles = await this.driver.getWindowHandles();
    return handles.find((h) => h !== this.systemWindow);
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

  /** The microphone permission as the user left it (an earlier prompt, or Settings). */
  async setRecordPermission(state: 'granted' | 'denied' | 'undetermined'): Promise<void> {
    await this.system(() => this.driver.execute((s) => window.shellSimulator.setRecordPermission(s), state));
  }

  /** PushKit invalidates the app's VoIP token and issues `token` instead. */
  async rotateVoipToken(token: string): Promise<void> {
    await this.system(() => this.driver.execute((t) => window.shellSimulator.rotateVoipToken(t), token));
  }

  /** Airplane mode off (true) or on (false): APNs holds this phone's pushes while it is off. */
  async setNetwork(on: boolean): Promise<void> {
    await this.system(() => this.driver.execute((o) => window.shellSimulator.setNetwork(o), on));
  }

  async deliverPush(payload: unknown): Promise<void> {
    await this.system(() => this.driver.execute((p) => window.shellSimulator.deliverPush(p), payload));
  }

  /** An interrupting cellular call begins, ends, or is taken with "End & Accept" (no end is posted). */
  async interrupt(kind: 'begin' | 'end' | 'end-and-accept'): Promise<void> {
    await this.system(() => this.driver.execute((k) => window.shellSimulator.interrupt(k), kind));
  }

  /** CallKit resets the provider mid-call. */
  async resetProvider(): Promise<void> {
    await this.system(() => this.driver.execute(() => window.shellSimulator.resetProvider()));
  }

  /** What libwebrtc reacts to by itself: a media-services reset, the app becoming active, an audio-unit restart. */
  async libWebRTCEvent(kind: 'media-services-reset' | 'became-active' | 'audio-unit-restart'): Promise<void> {
    await this.system(() => this.driver.execute((k) => window.shellSimulator.libWebRTCEvent(k), kind));
  }

  /** Mute or unmute on CallKit's call screen (the system's button, not the page's). */
  async muteOnSystemUi(muted: boolean): Promise<void> {
    await this.system(() => this.driver.execute((m) => window.shellSimulator.muteOnSystemUi(m), muted));
  }

  /** The audio route changes by itself: a headset plugged in, Bluetooth connected. */
  async changeRoute(route: Parameters<ShellSimulatorHooks['changeRoute']>[0]): Promise<void> {
    await this.system(() => this.driver.execute((r) => window.shellSimulator.changeRoute(r), route));
  }

  /** Hold or resume on CallKit's call screen (the system's hold, not the page's). */
  async holdOnSystemUi(held: boolean): Promise<void> {
    await this.system(() => this.driver.execute((h) => window.shellSimulator.holdOnSystemUi(h), held));
  }

  /** Ends the call on CallKit's call screen. */
  async endOnSystemUi(): Promise<void> {
    await this.system(() => this.driver.execute(() => window.shellSimulator.endOnSystemUi()));
  }

  /** Answers on CallKit's own screen (banner, full screen or lock screen), not in the page. */
  async answerOnSystemUi(): Promise<void> {
    await this.system(async () => {
      const accept = this.driver.$('[data-test="callkit-answer"]');
      await accept.waitForClickable({ timeout: 10_000, timeoutMsg: `${this.name}: CallKit is not ringing` });
      await accept.click();
    });
  }

  /** Declines on CallKit's own screen (the lock screen's, say) while it rings. */
  async declineOnSystemUi(): Promise<void> {
    await this.system(async () => {
      const decline = this.driver.$('[data-test="callkit-decline"]');
      await decline.waitForClickable({ timeout: 10_000, timeoutMsg: `${this.name}: CallKit is not ringing` });
      await decline.click();
    });
  }

  /**
   * The page's check, and the app process's: the native engine's first capture of the call (the
   * simulator's capture watch) against the call's `didActivate` in the system's log.
   */
  override async capturedBeforeActivation(callId: string | null, snap: PhoneSnapshot): Promise<boolean> {
    if (snap.capturedBeforeActivation) return true;
    if (!callId) return false;
    const events = await this.eventsOf(callId);
    const began = events[0]?.at;
    if (began === undefined) return false;
    const starts = await this.system(() =>
      this.driver.execute((from: number) => window.shellSimulator.captureStarts(from), began),
    );
    return capturedBeforeActivation(starts, events.find((e) => e.kind === 'didActivate')?.at);
  }

  /** A mark in the system's log: the events from here on are the new ones. */
  async eventMark(): Promise<number> {
    return (await this.systemSnapshot()).eventMark;
  }

  /** The system's events from `mark` on (all the log holds without one), in order. */
  async systemEvents(mark = 0): Promise<SystemEvent[]> {
    return this.system(() => this.driver.execute((m) => window.shellSimulator.events(m), mark));
  }

  /** The system's events for one call, in order. */
  async eventsOf(callId: string): Promise<SystemEvent[]> {
    return (await this.systemEvents()).filter((e) => e.callId === callId);
  }

  /**
   * The first system event of `kind` (of the call `callId`, from the mark `since`, and that `match`
   * accepts). A wait reads only the events since its mark, so it costs the same late in a soak.
   */
  async waitForSystemEvent(
    kind: string,
    opts: { callId?: string; since?: number; timeout?: number; match?: (e: SystemEvent) => boolean } = {},
  ): Promise<SystemEvent> {
    const { callId, since = 0, timeout = 10_000, match = () => true } = opts;
    let found: SystemEvent | undefined;
    await this.driver.waitUntil(
      async () => {
        found = (await this.systemEvents(since)).find(
          (e) => e.kind === kind && (callId === undefined || e.callId === callId) && match(e),
        );
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
    let handle: string | undefined;
    await this.driver.waitUntil(async () => (handle = await this.webViewWindow()) !== undefined, {
      timeout: 10_000,
      interval: 50,
      timeoutMsg: `${this.name}: the app has no web view`,
    });
    if (handle) await this.driver.switchToWindow(handle);
  }
}
