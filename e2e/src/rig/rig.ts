/**
 * The rig: a softphone server (ours, or one at a given URL), Appium, and two named parties in
 * their own browsers, signed in and ready to call each other.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { remote } from 'webdriverio';
import { profiles, type ProfileName } from '../../../appium.config.ts';
import { startAppium, type AppiumServer } from '../stack/appium-server.ts';
import { freePort } from '../stack/free-port.ts';
import { startSoftphoneServer, type SoftphoneServer } from '../stack/softphone-server.ts';
import { Party } from './party.ts';

export interface RigOptions {
  profile: ProfileName;
  wav: { caller: string; callee: string };
  /** Where logs go (server, Janus, Appium). */
  logDir: string;
  /** Use a running softphone instead of starting one. */
  serverUrl?: string;
  serverEnv?: Record<string, string>;
}

export class Rig {
  private constructor(
    readonly caller: Party,
    readonly callee: Party,
    readonly server: SoftphoneServer | null,
    private readonly appium: AppiumServer,
  ) {}

  static async start(opts: RigOptions): Promise<Rig> {
    fs.mkdirSync(opts.logDir, { recursive: true });
    const server = opts.serverUrl
      ? null
      : await startSoftphoneServer({ env: opts.serverEnv, logDir: opts.logDir });
    const url = opts.serverUrl ?? server?.url ?? '';
    let appium: AppiumServer | null = null;
    const drivers: WebdriverIO.Browser[] = [];
    try {
      appium = await startAppium(opts.logDir);
      const port = appium.port;
      const tag = crypto.randomBytes(2).toString('hex');
      const make = async (wav: string) =>
        remote({
          hostname: '127.0.0.1',
          port,
          path: '/',
          logLevel: 'error',
          capabilities: profiles[opts.profile]({
            wav: path.resolve(wav),
            chromedriverPort: await freePort(),
          }),
        });
      drivers.push(...(await Promise.all([make(opts.wav.caller), make(opts.wav.callee)])));
      const [d1, d2] = drivers as [WebdriverIO.Browser, WebdriverIO.Browser];
      const caller = new Party(`caller-${tag}`, d1);
      const callee = new Party(`callee-${tag}`, d2);
      await Promise.all([caller.open(url), callee.open(url)]);
      await Promise.all([caller.signUp(), callee.signUp()]);
      return new Rig(caller, callee, server, appium);
    } catch (err) {
      await Promise.allSettled(drivers.map((d) => d.deleteSession()));
      await appium?.stop();
      await server?.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.caller.driver.deleteSession(), this.callee.driver.deleteSession()]);
    await this.appium.stop();
    await this.server?.stop();
  }
}
