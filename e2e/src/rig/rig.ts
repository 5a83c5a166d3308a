/**
 * The rig: a softphone server (ours, or one at a given URL), Appium, and two named parties in
 * their own browsers, signed in and ready to call each other. More browsers can join: another
 * device of a party's user ({@link Rig.addDevice}, {@link Rig.addIphone}).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { remote } from 'webdriverio';
import { CHROMIUM_FLAGS, profiles, type ProfileName } from '../../../appium.config.ts';
import { startAppium, type AppiumServer } from '../stack/appium-server.ts';
import { freePort } from '../stack/free-port.ts';
import { startNamespacedChromedriver, type NamespacedDriver } from '../stack/namespaced-chromedriver.ts';
import { PUBLIC_IP, type Topology } from '../stack/topology.ts';
import {
  startSwiftSocketStandIn,
  type SwiftSocketStandIn,
} from '@softphone/test-support/starscream-handshake';
import { signatureIn, toneSignatures, type SignatureName } from '../audio/wav.ts';
import { startSoftphoneServer, type ApnsOption, type SoftphoneServer } from '../stack/softphone-server.ts';
import { DevTools } from './devtools.ts';
import { SWIFT_SOCKET_PARAM } from '@softphone/web/shell-simulator';
import { IphoneParty } from './iphone-party.ts';
import { Party } from './party.ts';

export interface RigOptions {
  profile: ProfileName;
  wav: { caller: string; callee: string };
  /**
   * The signature each party's microphone is meant to carry, which its partner must hear (null:
   * speech, judged by level). Default: the one its WAV carries (`signatureIn`).
   */
  signatures?: Record<Role, SignatureName | null>;
  /** Where logs go (server, Appium). */
  logDir: string;
  /** Use a running softphone instead of starting one. */
  serverUrl?: string;
  serverEnv?: Record<string, string>;
  /** Start the APNs stand-in and point the server at it (`rig.server.apns` has its device side). */
  apns?: ApnsOption;
  /** Display names (default: `caller-<tag>` / `callee-<tag>`); usernames are these lower-cased. */
  names?: { caller: string; callee: string };
  /** Every browser's screen, emulated through DevTools (default: the profile's window). */
  viewport?: Viewport;
  /**
   * Put the callee on a simulated iPhone (the shell simulator page) with this query string; with
   * `pushes` (and `apns`), the phone gets a VoIP token and the stand-in's device side.
   */
  calleeOnIphone?: { query: string; pushes?: boolean };
  /**
   * Put the server on the topology's public host (HTTPS on its public address) and each party's
   * browser in its own namespace behind its own NAT, driven by a chromedriver there (no Appium).
   */
  topology?: PartyNetworks;
}

/** Where the parties' browsers run: a topology's namespaces (topology.ts, cluster-topology.ts). */
export type PartyNetworks = Pick<Topology, 'nsOf' | 'mgmtIpOf' | 'rootMgmtIpOf' | 'publicNs'>;

/** Starts a party's browser and stops whatever it needed besides the session. */
interface Browsers {
  launch(role: Role): Promise<WebdriverIO.Browser>;
  stop(): Promise<void>;
}

type Role = 'caller' | 'callee';

/** CSS pixels, pixel ratio, and whether the page gets a phone's viewport rules. */
export interface Viewport {
  width: number;
  height: number;
  scale: number;
  mobile: boolean;
}

/** DevTools connections that keep an emulated screen alive, per browser. */
const screens = new WeakMap<WebdriverIO.Browser, DevTools>();

export class Rig {
  private readonly devices: Party[] = [];

  private constructor(
    readonly caller: Party,
    readonly callee: Party,
    readonly server: SoftphoneServer | null,
    readonly url: string,
    private readonly browsers: Browsers,
    private readonly opts: RigOptions,
    /** What the simulated iPhones' shell sockets go through (none on a topology: see iphoneQuery). */
    readonly swiftSocket: SwiftSocketStandIn | null,
  ) {}

  static async start(opts: RigOptions): Promise<Rig> {
    fs.mkdirSync(opts.logDir, { recursive: true });
    const t = opts.topology;
    const server = opts.serverUrl
      ? null
      : await startSoftphoneServer({
          env: { ...(t ? { HOST: PUBLIC_IP } : {}), ...opts.serverEnv },
          logDir: opts.logDir,
          ...(opts.apns ? { apns: opts.apns } : {}),
          ...(t ? { netns: t.publicNs } : {}),
        });
    const url = opts.serverUrl ?? server?.url ?? '';
    let browsers: Browsers | null = null;
    let swiftSocket: SwiftSocketStandIn | null = null;
    const drivers: WebdriverIO.Browser[] = [];
    try {
      browsers = t ? namespacedBrowsers(t, opts) : await appiumBrowsers(opts);
      const launched = await Promise.allSettled([browsers.launch('caller'), browsers.launch('callee')]);
      for (const l of launched) if (l.status === 'fulfilled') drivers.push(l.value);
      for (const l of launched) if (l.status === 'rejected') throw l.reason;
      const [d1, d2] = drivers as [WebdriverIO.Browser, WebdriverIO.Browser];
      const tag = crypto.randomBytes(2).toString('hex');
      const names = opts.names ?? { caller: `caller-${tag}`, callee: `callee-${tag}` };
      const caller = new Party(names.caller, d1);
      // The stand-in listens on this host's loopback, out of reach of a topology's namespaces.
      swiftSocket = t ? null : await startSwiftSocketStandIn(new URL(url));
      const callee = opts.calleeOnIphone
        ? new IphoneParty(names.callee, d2, iphoneQuery(opts.calleeOnIphone, server, swiftSocket))
        : new Party(names.callee, d2);
      const mics = opts.signatures ?? {
        caller: signatureIn(opts.wav.caller),
        callee: signatureIn(opts.wav.callee),
      };
      const all = toneSignatures(new Set([mics.caller, mics.callee].filter((m) => m !== null)));
      caller.tones = { own: mics.caller, all };
      callee.tones = { own: mics.callee, all };
      await Promise.all([caller.open(url), callee.open(url)]);
      await Promise.all([caller.signUp(), callee.signUp()]);
      return new Rig(caller, callee, server, url, browsers, opts, swiftSocket);
    } catch (err) {
      await Promise.allSettled(drivers.map((d) => d.deleteSession()));
      await swiftSocket?.stop();
      await browsers?.stop();
      await server?.stop();
      throw err;
    }
  }

  /**
   * Another device of the party's user: a browser of its own (so its own device id), signed in
   * with the party's password. Its microphone is the party's WAV.
   */
  async addDevice(of: Party): Promise<Party> {
    const driver = await this.browsers.launch(of === this.callee ? 'callee' : 'caller');
    return this.signInDevice(
      new Party(of.name, driver, of.password, `device ${this.devices.length + 2}`),
      of,
    );
  }

  /**
   * Another device of the party's user that is a simulated iPhone getting VoIP pushes (with the
   * `apns` option): it registers its token once signed in.
   */
  async addIphone(of: Party): Promise<IphoneParty> {
    const driver = await this.browsers.launch(of === this.callee ? 'callee' : 'caller');
    const query = iphoneQuery({ query: '', pushes: true }, this.server, this.swiftSocket);
    const device = `iPhone ${this.devices.length + 2}`;
    return this.signInDevice(new IphoneParty(of.name, driver, query, of.password, device), of);
  }

  /** Signs in another device of `of`'s user; its microphone is the same WAV, so it listens the same way. */
  private async signInDevice<P extends Party>(device: P, of: Party): Promise<P> {
    device.tones = of.tones;
    this.devices.push(device);
    await device.open(this.url);
    const res = await device.signIn();
    if (!res.ok) throw new Error(`${device.who}: cannot sign in: ${res.error}`);
    return device;
  }

  /** A PNG of the party's page, at the emulated screen's pixel ratio when there is one. */
  async screenshot(p: Party, file: string): Promise<void> {
    const tools = screens.get(p.driver);
    if (tools) fs.writeFileSync(file, await tools.screenshot());
    else await p.driver.saveScreenshot(file);
  }

  async stop(): Promise<void> {
    await Promise.allSettled(
      [this.caller, this.callee, ...this.devices].map(async (p) => {
        await screens.get(p.driver)?.close();
        await p.driver.deleteSession();
      }),
    );
    await this.swiftSocket?.stop();
    await this.browsers.stop();
    await this.server?.stop();
  }
}

async function appiumBrowsers(opts: RigOptions): Promise<Browsers> {
  const appium: AppiumServer = await startAppium(opts.logDir);
  return { launch: (role) => launchBrowser(appium.port, opts, role), stop: () => appium.stop() };
}

/**
 * Browsers on the topology's private networks: a chromedriver inside each party's namespace,
 * reached over its management link. The server's certificate is its own self-signed one.
 */
function namespacedBrowsers(t: PartyNetworks, opts: RigOptions): Browsers {
  const started: NamespacedDriver[] = [];
  return {
    async launch(role) {
      const n = started.filter((d) => d.ns === t.nsOf(role)).length;
      const driver = await startNamespacedChromedriver({
        ns: t.nsOf(role),
        listenIp: t.mgmtIpOf(role),
        clientIp: t.rootMgmtIpOf(role),
        logFile: path.join(opts.logDir, `chromedriver-${role}-${n + 1}.log`),
      });
      started.push(driver);
      return remote({
        hostname: driver.hostname,
        port: driver.port,
        path: '/',
        logLevel: 'error',
        capabilities: {
          ...CLASSIC_WEBDRIVER,
          browserName: 'chrome',
          acceptInsecureCerts: true,
          'goog:chromeOptions': {
            binary: '/usr/bin/chromium',
            args: [
              ...CHROMIUM_FLAGS,
              `--use-file-for-fake-audio-capture=${path.resolve(opts.wav[role])}`,
              '--window-size=390,844',
            ],
          },
        },
      });
    },
    async stop() {
      await Promise.allSettled(started.map((d) => d.stop()));
    },
  };
}

/**
 * Every party speaks classic WebDriver, none WebDriver BiDi. The simulated iPhone's web view is a
 * window a page opened, where BiDi's script calls never return. And Appium 3.8's BiDi proxy hands a
 * client's abnormal close code (1006, reserved) on to chromedriver's socket, which `ws` refuses
 * with a TypeError nothing catches: the Appium server dies with every session in it (seen in a
 * farm soak; appium/appium#20178 fixed only the other direction). The rig uses no BiDi command.
 */
const CLASSIC_WEBDRIVER = { 'wdio:enforceWebDriverClassic': true } as const;

async function launchBrowser(appiumPort: number, opts: RigOptions, role: Role): Promise<WebdriverIO.Browser> {
  const driver = await remote({
    hostname: '127.0.0.1',
    port: appiumPort,
    path: '/',
    logLevel: 'error',
    capabilities: {
      ...profiles[opts.profile]({
        wav: path.resolve(opts.wav[role]),
        chromedriverPort: await freePort(),
      }),
      ...CLASSIC_WEBDRIVER,
    },
  });
  if (opts.viewport) {
    // Headless Chromium's --window-size has a minimum width and includes window decorations.
    const tools = await DevTools.attach(driver);
    screens.set(driver, tools);
    await tools.emulateScreen(opts.viewport);
  }
  return driver;
}

/** The simulator's query: knobs, plus the push stream and a made-up VoIP token when asked. */
function iphoneQuery(
  o: { query: string; pushes?: boolean },
  server: SoftphoneServer | null,
  swiftSocket: SwiftSocketStandIn | null,
): string {
  const q = new URLSearchParams(o.query);
  // The simulated shell's socket opens its WebSocket as socket.io-client-swift over Starscream
  // does, through the stand-in (test-support/src/starscream-handshake.ts).
  if (swiftSocket) q.set(SWIFT_SOCKET_PARAM, swiftSocket.url);
  // Fault injection: the simulated shell's behaviour before issue 12 on one failure path
  // (web/src/shell-simulator AppFaults), to show that path's scenario catches it.
  if (process.env['SHELL_SIM_FAULT']) q.set('fault', process.env['SHELL_SIM_FAULT']);
  if (o.pushes) {
    if (!server?.apns) throw new Error('calleeOnIphone.pushes needs the apns option');
    q.set('pushes', server.apns.deviceOrigin);
    q.set('token', crypto.randomBytes(32).toString('hex'));
  }
  return q.toString();
}
