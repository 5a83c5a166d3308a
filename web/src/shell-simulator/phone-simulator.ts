/**
 * The QA page that plays an iPhone with the shell installed (`/shell-simulator.html`): the app's
 * web view is a window of its own holding the PWA (opened by this one, so that the rig can freeze
 * its JavaScript alone, as WebKit suspends a web view in the background, while this window — the
 * app process — runs on), the bridge is `webkit.messageHandlers.softphone` on this window (the page
 * looks for it on its opener), CallKit's screens are drawn here, and the device's state
 * (foreground, background, locked, app killed, before first unlock) is switched from here. Killing
 * the app closes the web view; a push that arrives then launches it again.
 *
 * Knobs come from the query string (see {@link knobsFromQuery}); the e2e rig reads and drives it
 * through `window.shellSimulator`.
 */
import {
  BRIDGE_HANDLER,
  BRIDGE_RECEIVER,
  SHELL_INFO_GLOBAL,
  type AudioRouteKind,
  type MicPermission,
  type NativeToWeb,
  type ShellInfo,
} from '@softphone/sfu/protocol';
import type { ToneSignatures } from '../media/tone-signature.ts';
import { CaptureWatch } from '../debug/capture-watch.ts';
import {
  CallKitSimulator,
  type DeviceState,
  type SystemEvent,
  type SystemKnobs,
} from './callkit-simulator.ts';
import { NO_FAULTS, type AppFaults, type AppKnobs } from './app-faults.ts';
import { ShellCoordinator } from './bridge/shell-coordinator.ts';
import { SHELL_POLICY } from './shell-policy.ts';

export interface ShellSimulatorSnapshot {
  device: DeviceState;
  appRunning: boolean;
  beforeFirstUnlock: boolean;
  strikes: number;
  ringing: string[];
  /** CallKit's calls; `handle` is what Recents would call back. */
  calls: { id: string; state: string; handle: string }[];
  /** The seq the next system event will get ({@link ShellSimulatorHooks.events}). */
  eventMark: number;
}

export interface ShellSimulatorHooks {
  snapshot(): ShellSimulatorSnapshot;
  /**
   * Epoch-ms times at or after `from` when the app process (the native engine) asked for the
   * microphone, measured by a wrap around this window's `getUserMedia` (debug/capture-watch.ts): the
   * rig compares the first of a call's with the call's `didActivate`.
   */
  captureStarts(from: number): number[];
  /** The system's log from `mark` on (a snapshot's `eventMark`), as far as the log still holds it. */
  events(mark?: number): SystemEvent[];
  setKnobs(knobs: Partial<SystemKnobs & AppKnobs & LaunchKnobs>): void;
  /** A push as the OS would hand it over (the APNs stand-in's device endpoint calls the same path). */
  deliverPush(payload: unknown, mustReport?: boolean): void;
  setDevice(state: DeviceState): void;
  killApp(): void;
  launchApp(): void;
  /** The microphone permission as the user left it (Settings, or an earlier prompt). */
  setRecordPermission(state: MicPermission): void;
  /** PushKit invalidates the app's VoIP token and issues `token` instead. */
  rotateVoipToken(token: string): void;
  /** Reboot and stay before first unlock (true), or unlock (false). */
  setBeforeFirstUnlock(on: boolean): void;
  /** Airplane mode off (true) or on (false): APNs holds pushes while the phone is unreachable. */
  setNetwork(on: boolean): void;
  /** An interrupting cellular call begins, ends, or is taken with "End & Accept" (no end follows). */
  interrupt(kind: 'begin' | 'end' | 'end-and-accept'): void;
  /** What libwebrtc's RTCAudioSession reacts to by itself. */
  libWebRTCEvent(kind: 'media-services-reset' | 'became-active' | 'audio-unit-restart'): void;
  /** CallKit resets the provider (`providerDidReset`). */
  resetProvider(): void;
  /** Mute or unmute on CallKit's call screen. */
  muteOnSystemUi(muted: boolean): void;
  /** The audio route changes by itself (a headset, Bluetooth). */
  changeRoute(route: { kind: AudioRouteKind; name: string }): void;
  /** Hold or resume on CallKit's call screen. */
  holdOnSystemUi(held: boolean): void;
  /** The end button of CallKit's call screen. */
  endOnSystemUi(): void;
  /**
   * The rig's signatures (which tones each party's microphone carries): the native engine's audio
   * windows record the share of each, from the next call on and across app launches.
   */
  listenFor(signatures: ToneSignatures | null): void;
  /** What the app's native engine heard in a call: the rig's view while the page is frozen. */
  nativeAudio(callId: string): ReturnType<ShellCoordinator['nativeAudio']> | null;
}

declare global {
  interface Window {
    shellSimulator: ShellSimulatorHooks;
  }
}

/** How the next launch goes. */
export interface LaunchKnobs {
  /** The web view's page is still loading for this long after a launch (a cold launch on a slow network). */
  webViewLoadDelayMs: number;
}

const SHELL_INFO: ShellInfo = { v: 2, build: 'qa', app: 'shell-simulator', platform: 'callkit-simulator' };

function knobsFromQuery(q: URLSearchParams): Partial<SystemKnobs & AppKnobs> {
  const num = (k: string) => (q.has(k) ? Number(q.get(k)) : undefined);
  const out: Partial<SystemKnobs & AppKnobs> = {};
  const delay = num('activationDelayMs');
  const watchdog = num('activationWatchdogMs');
  if (delay !== undefined && Number.isFinite(delay)) out.activationDelayMs = delay;
  if (watchdog !== undefined && Number.isFinite(watchdog)) out.activationWatchdogMs = watchdog;
  if (q.get('loseSession') === '1') out.loseSessionAfterNextReport = true;
  if (q.get('noActivationAfterUnhold') === '1') out.noActivationAfterUnhold = true;
  return out;
}

/**
 * `?fault=<name>[,<name>]`: the shell's behaviour before issue 12 on one failure path, so that the
 * rig can show the path's scenario fails without the fix (e2e: `SHELL_SIM_FAULT`).
 */
function faultsFromQuery(q: URLSearchParams): AppFaults {
  const names = new Set((q.get('fault') ?? '').split(',').filter(Boolean));
  const faults = { ...NO_FAULTS };
  for (const k of Object.keys(faults) as (keyof AppFaults)[]) faults[k] = names.has(k);
  return faults;
}

/**
 * The query key for the Swift socket stand-in's URL (`@softphone/test-support/starscream-handshake`):
 * the shell's socket connects through it, so its handshake is socket.io-client-swift + Starscream's.
 */
export const SWIFT_SOCKET_PARAM = 'swiftSocket';

/** The web view's window name: the rig finds the app's page by it. */
export const WEB_VIEW_NAME = 'softphone-web-view';

export function startPhoneSimulator(root: HTMLElement): void {
  const query = new URLSearchParams(window.location.search);
  const knobs = knobsFromQuery(query);
  const system = new CallKitSimulator(knobs);
  // Before anything can capture: the native engine asks for the microphone in this window.
  const captures = new CaptureWatch(navigator.mediaDevices);
  const appKnobs: AppKnobs = {
    activationWatchdogMs: knobs.activationWatchdogMs ?? SHELL_POLICY.activationWatchdogMs.value,
    claimAckDelayMs: knobs.claimAckDelayMs ?? 0,
    refuseNextPublish: false,
  };
  const faults = faultsFromQuery(query);
  const launchKnobs: LaunchKnobs = { webViewLoadDelayMs: Number(query.get('webViewLoadDelayMs') ?? 0) || 0 };
  const pageQuery = query.get('engine') === 'page' ? '?engine=page' : '';
  const token = query.get('token');
  const voip = token ? { token, bundleId: 'app.softphone.shell' } : null;

  const screen = document.createElement('div');
  screen.className = 'screen';
  const systemUi = document.createElement('div');
  systemUi.className = 'system-ui';
  const controls = document.createElement('div');
  controls.className = 'controls';
  root.append(screen, controls);
  screen.append(systemUi);

  let webView: Window | null = null;
  let app: ShellCoordinator | null = null;
  let signatures: ToneSignatures | null = null;

  const toPage = (message: NativeToWeb) => {
    // callAsyncJavaScript: later, as a JSON string, on the web view's own task queue, so that a
    // frozen page gets it only when it thaws.
    const view = webView;
    if (!view || view.closed) {
      system.log('bridge-undelivered', 'callId' in message ? message.callId : undefined, message.type);
      return;
    }
    view.setTimeout(() => {
      const receiver = (view as unknown as Record<string, { receive(json: string): void } | undefined>)[
        BRIDGE_RECEIVER
      ];
      if (receiver) receiver.receive(JSON.stringify(message));
      else system.log('bridge-undelivered', 'callId' in message ? message.callId : undefined, message.type);
    });
  };

  // The shell's WKScriptMessageHandler and document-start shell info, on this window.
  Object.assign(window, {
    webkit: { messageHandlers: { [BRIDGE_HANDLER]: { postMessage: (m: unknown) => app?.fromPage(m) } } },
    [SHELL_INFO_GLOBAL]: SHELL_INFO,
  });

  const launch = () => {
    // application(_:didFinishLaunchingWithOptions:): PushKit and CallKit first, the web view after.
    app = new ShellCoordinator(system, appKnobs, faults, voip, toPage, {
      url: query.get(SWIFT_SOCKET_PARAM) ?? window.location.origin,
      pageOrigin: window.location.origin,
    });
    app.listenFor(signatures);
    system.app = app;
    const delay = launchKnobs.webViewLoadDelayMs;
    const view = window.open(
      delay > 0 ? 'about:blank' : `/${pageQuery}`,
      WEB_VIEW_NAME,
      'popup,width=390,height=700',
    );
    webView = view;
    if (delay > 0)
      setTimeout(() => {
        if (view && webView === view) view.location.href = `/${pageQuery}`;
      }, delay);
    system.log('app-started');
    return app;
  };
  const kill = () => {
    webView?.close();
    webView = null;
    app?.terminate();
    app = null;
    system.appTerminated();
  };
  system.launch = launch;
  system.kill = kill;

  const button = (label: string, test: string, onClick: () => void) => {
    const b = document.createElement('button');
    b.textContent = label;
    b.dataset['test'] = test;
    b.addEventListener('click', onClick);
    return b;
  };

  const render = () => {
    const device = system.device;
    screen.dataset['device'] = device;
    systemUi.replaceChildren();
    for (const call of system.calls.values()) {
      if (call.state !== 'ringing') continue;
      // Foreground: CallKit's banner over the app; background and locked: the full-screen call UI.
      const panel = document.createElement('div');
      panel.className = device === 'foreground' ? 'banner' : 'full-screen';
      panel.dataset['test'] = 'callkit-incoming';
      panel.dataset['callId'] = call.id;
      const who = document.createElement('p');
      who.textContent = `${call.name} — softphone audio`;
      panel.append(
        who,
        button(device === 'locked' ? 'slide to answer' : 'Accept', 'callkit-answer', () =>
          system.requestAnswer(call.id),
        ),
        button('Decline', 'callkit-decline', () => system.requestEnd(call.id)),
      );
      systemUi.append(panel);
    }
    const state = document.createElement('p');
    state.textContent = `${device}${system.beforeFirstUnlock ? ', before first unlock' : ''}; app ${
      app ? 'running' : 'not running'
    }; strikes ${system.strikes}`;
    controls.replaceChildren(
      state,
      button('Open app', 'device-foreground', () => hooks.setDevice('foreground')),
      button('Home (background)', 'device-background', () => hooks.setDevice('background')),
      button('Lock', 'device-lock', () => hooks.setDevice('locked')),
      button('Kill app', 'app-kill', () => hooks.killApp()),
      button('Launch app', 'app-launch', () => hooks.launchApp()),
    );
  };
  system.onChange = render;

  const pushes = subscribeToPushes(query, system);
  const hooks: ShellSimulatorHooks = {
    setNetwork: (on) => {
      pushes.setOnline(on);
      system.log('network', undefined, on ? 'on' : 'off');
    },
    snapshot: () => ({
      device: system.device,
      appRunning: app !== null,
      beforeFirstUnlock: system.beforeFirstUnlock,
      strikes: system.strikes,
      ringing: [...system.calls.values()].filter((c) => c.state === 'ringing').map((c) => c.id),
      calls: [...system.calls.values()].map((c) => ({ id: c.id, state: c.state, handle: c.handle })),
      eventMark: system.eventMark,
    }),
    events: (mark) => system.eventsSince(mark),
    captureStarts: (from) => captures.since(from),
    setKnobs: (k) => {
      Object.assign(system.knobs, k);
      if (k.activationWatchdogMs !== undefined) appKnobs.activationWatchdogMs = k.activationWatchdogMs;
      if (k.claimAckDelayMs !== undefined) appKnobs.claimAckDelayMs = k.claimAckDelayMs;
      if (k.refuseNextPublish !== undefined) appKnobs.refuseNextPublish = k.refuseNextPublish;
      if (k.webViewLoadDelayMs !== undefined) launchKnobs.webViewLoadDelayMs = k.webViewLoadDelayMs;
      system.log('knobs', undefined, JSON.stringify(k));
    },
    deliverPush: (payload, mustReport = true) => system.deliverPush(payload, mustReport),
    setDevice: (state) => {
      const wasActive = system.device === 'foreground';
      system.device = state;
      system.log('device', undefined, state);
      if (state === 'foreground' && !wasActive) app?.didBecomeActive();
    },
    setRecordPermission: (state) => {
      system.recordPermission = state;
      system.log('record-permission-set', undefined, state);
    },
    rotateVoipToken: (token) => app?.voipTokenRotated(token),
    killApp: () => {
      if (app) kill();
    },
    launchApp: () => {
      if (!app) launch();
    },
    listenFor: (s) => {
      signatures = s;
      app?.listenFor(s);
    },
    nativeAudio: (callId) => app?.nativeAudio(callId) ?? null,
    interrupt: (kind) => system.interrupt(kind),
    libWebRTCEvent: (kind) => system.libWebRTCEvent(kind),
    resetProvider: () => system.resetProvider(),
    endOnSystemUi: () => {
      const call = [...system.calls.values()].find((c) => c.state !== 'ringing');
      if (call) system.requestEnd(call.id);
    },
    muteOnSystemUi: (muted) => {
      const call = [...system.calls.values()].find((c) => c.state === 'active');
      if (call) system.muteOnSystemUi(call.id, muted);
    },
    changeRoute: (route) => system.changeRoute(route),
    holdOnSystemUi: (held) => {
      const call = [...system.calls.values()].find((c) => c.state === (held ? 'active' : 'held'));
      if (call) system.holdOnSystemUi(call.id, held);
    },
    setBeforeFirstUnlock: (on) => {
      if (on) {
        if (app) kill();
        system.device = 'locked';
      }
      system.beforeFirstUnlock = on;
      system.log(on ? 'rebooted' : 'first-unlock');
    },
  };
  window.shellSimulator = hooks;

  launch();
  render();
}

/**
 * The device side of the APNs stand-in (push-sim-contract.md §3): `?pushes=<origin>&token=<hex>`
 * opens its Server-Sent Events stream. The OS holds this connection whatever the app's state; what
 * happens to each delivery is the system's decision (S1–S4).
 */
function subscribeToPushes(
  query: URLSearchParams,
  system: CallKitSimulator,
): { setOnline(on: boolean): void } {
  const origin = query.get('pushes');
  const token = query.get('token');
  if (!origin || !token) return { setOnline: () => undefined };
  let source: EventSource | null = null;
  const connect = () => {
    source = new EventSource(`${origin}/devices/${encodeURIComponent(token)}/pushes`);
    source.onmessage = onDelivery;
  };
  const onDelivery = (e: MessageEvent<string>) => {
    let delivery: unknown;
    try {
      delivery = JSON.parse(e.data);
    } catch {
      system.log('push-undecodable', undefined, 'not JSON');
      return;
    }
    const payload = (delivery as { payload?: unknown } | null)?.payload;
    system.deliverPush(payload);
  };
  connect();
  return {
    setOnline(on) {
      if (on && !source) connect();
      if (!on && source) {
        source.close();
        source = null;
      }
    },
  };
}
