/**
 * The page's Phone in Node, wired to a real server: the real account client over HTTP (with a
 * cookie jar, which a browser keeps itself) and the real signalling client over socket.io. Stand-ins
 * only for what Node has not got: WebRTC (a media engine that records what it is asked to do; the
 * e2e suite runs the real one in Chromium) and the browser's Push API.
 */
import { serverCallRequests } from '../../src/call/call-requests.ts';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallId, IceServer, MediaPath, WebPushSubscription } from '@softphone/sfu/protocol';
import type { TestServer } from '@softphone/sfu/testing';
import { createAccountClient } from '../../src/account/account-client.ts';
import type { DeviceDescription } from '../../src/app/device-description.ts';
import { Phone } from '../../src/call/phone.ts';
import type { PhoneState } from '../../src/call/phone-state.ts';
import { ImmediateAudioActivation } from '../../src/media/audio-activation.ts';
import type {
  MediaEngine,
  MediaEngineEvents,
  MediaSignalling,
  MediaStats,
} from '../../src/media/media-engine.ts';
import type { CallNotifications } from '../../src/push/call-notifications.ts';
import { SignallingClient, type SignallingTransport } from '../../src/signalling/signalling-client.ts';

/** The session cookie, as a browser would keep it for the server's origin. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  readonly fetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    if (this.cookies.size) headers.set('cookie', this.header());
    const res = await fetch(input, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return res;
  };

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** Stand-in for WebRTC, which Node lacks: records the engine calls the call logic makes, in order. */
export class MediaEngineStandIn implements MediaEngine {
  readonly calls: string[] = [];
  private _capturing = false;

  constructor(
    readonly callId: CallId,
    readonly events: MediaEngineEvents,
    /** Makes `prepare` fail as the real engine's does when its code can't load or a request is refused. */
    private readonly prepareFails?: Error,
  ) {}

  /** The candidate pair its stats name, as a real engine's getStats does once ICE has selected one. */
  path: MediaPath | null = null;
  private readonly sampling: (() => void)[] = [];

  /** Resolves at the next stats sample the call's monitor takes. */
  nextSample(): Promise<void> {
    return new Promise((r) => this.sampling.push(r));
  }

  get capturing(): boolean {
    return this._capturing;
  }

  async prepare(_signalling: MediaSignalling): Promise<void> {
    this.calls.push('prepare');
    if (this.prepareFails) throw this.prepareFails;
  }

  async start(): Promise<void> {
    this.calls.push('start');
    this._capturing = true;
  }

  hold(): void {
    this.calls.push('hold');
    this._capturing = false;
  }

  restartIce(): void {
    this.calls.push('restartIce');
  }

  /** Recorded with the TURN username (`<expiry>:<user>`): which credentials reached the call. */
  setIceServers(servers: IceServer[]): void {
    this.calls.push(`setIceServers ${servers[0]?.username ?? ''}`);
  }

  async setOutputDevice(): Promise<void> {
    this.calls.push('setOutputDevice');
  }

  setMuted(muted: boolean): void {
    this.calls.push(muted ? 'mute' : 'unmute');
  }

  async stats(): Promise<MediaStats> {
    for (const r of this.sampling.splice(0)) r();
    return {
      at: Date.now(),
      inbound: null,
      outbound: null,
      sourceLevel: null,
      roundTripTime: null,
      path: this.path,
    };
  }

  stop(): void {
    this.calls.push('stop');
    this._capturing = false;
  }
}

/**
 * Stand-in for a browser's push service (RFC 8030): accepts every push and keeps which call each
 * one is about, from its Topic header (the server sets it to the undashed call id).
 */
export class PushServiceStandIn {
  readonly topics: string[] = [];
  private readonly waiters: (() => void)[] = [];
  private readonly server = http.createServer((req, res) => {
    const topic = req.headers['topic'];
    if (typeof topic === 'string') this.topics.push(topic);
    req.resume();
    req.on('end', () => {
      res.writeHead(201).end();
      for (const w of this.waiters.splice(0)) w();
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
  }

  /** Where it listens: the server under test must be told to let it through (`webPushTestOrigins`). */
  get origin(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A subscription as `PushSubscription.toJSON()` gives it, pointing here. */
  subscription(): WebPushSubscription {
    const ecdh = crypto.createECDH('prime256v1');
    return {
      endpoint: `${this.origin}/push/${crypto.randomUUID()}`,
      keys: {
        p256dh: ecdh.generateKeys().toString('base64url'),
        auth: crypto.randomBytes(16).toString('base64url'),
      },
    };
  }

  /** Resolves once a push about `callId` has arrived (rejects after `ms`). */
  async received(callId: CallId, ms = 5_000): Promise<void> {
    const topic = callId.replaceAll('-', '');
    const deadline = Date.now() + ms;
    while (!this.topics.includes(topic)) {
      if (Date.now() > deadline) throw new Error(`no push for call ${callId} within ${ms} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

export interface NodePhoneOptions {
  /** Another tab or a relaunch of the same browser: the same cookie and device id. */
  sameBrowserAs?: NodePhone;
  /** The push service this browser's Push API subscribes with. */
  pushService?: PushServiceStandIn;
  /** Where the phone reaches the server for signalling (default the server's own URL). */
  signallingUrl?: string;
  /** Wraps each signalling connection the phone opens (to hold an ack back, say). */
  wrap?: (transport: SignallingTransport) => SignallingTransport;
  /** Each call's engine fails to prepare, with this error. */
  prepareFails?: Error;
}

/** What a Node phone says about itself in its device reports, as a browser's page would. */
export const NODE_DEVICE: DeviceDescription = {
  platform: 'browser',
  os: 'Linux',
  osVersion: 'unknown',
  model: 'Node test browser 1.0',
  appVersion: 'web test',
  engine: 'browser',
};

export interface NodePhone {
  phone: Phone;
  jar: CookieJar;
  deviceId: string;
  engines: MediaEngineStandIn[];
  /** The stand-in engine of a call (the last one made for it). */
  engine(callId: CallId): MediaEngineStandIn;
  /** Resolves when the phone's state satisfies `predicate` (rejects after `ms`, showing the state). */
  until(predicate: (s: PhoneState) => boolean, what: string, ms?: number): Promise<PhoneState>;
  /** Closes the connection without signing out, as closing the tab does. */
  close(): void;
}

export function nodePhone(server: TestServer, opts: NodePhoneOptions = {}): NodePhone {
  const jar = opts.sameBrowserAs?.jar ?? new CookieJar();
  const deviceId = opts.sameBrowserAs?.deviceId ?? crypto.randomUUID();
  const engines: MediaEngineStandIn[] = [];
  const transports: SignallingTransport[] = [];
  const notifications: CallNotifications = {
    current: async () => 'off',
    subscribe: async () =>
      opts.pushService
        ? { ok: true, subscription: opts.pushService.subscription() }
        : { ok: false, state: 'unsupported', message: 'no push service in this test' },
    unsubscribe: async () => undefined,
  };
  const phone = new Phone({
    accounts: createAccountClient({ baseUrl: server.url, fetch: jar.fetch }),
    openSignalling: (events) => {
      const client = new SignallingClient(
        opts.signallingUrl ?? server.url,
        { deviceId, deviceLabel: 'Node test device' },
        events,
        {
          extraHeaders: { cookie: jar.header() },
          forceNew: true,
          reconnectionDelay: 100,
          reconnectionDelayMax: 200,
        },
      );
      const t = opts.wrap ? opts.wrap(client) : client;
      transports.push(t);
      return t;
    },
    callRequests: (link) => serverCallRequests(link, async () => NODE_DEVICE),
    createEngine: (events, callId) => {
      const e = new MediaEngineStandIn(callId, events, opts.prepareFails);
      engines.push(e);
      return e;
    },
    activation: new ImmediateAudioActivation(),
    listOutputs: async () => [],
    notifications,
    whenOnline: () => undefined,
  });
  return {
    phone,
    jar,
    deviceId,
    engines,
    engine(callId) {
      const e = [...engines].reverse().find((x) => x.callId === callId);
      if (!e) throw new Error(`no engine for call ${callId}`);
      return e;
    },
    until(predicate, what, ms = 5_000) {
      return new Promise((resolve, reject) => {
        let unsubscribe: () => unknown = () => undefined;
        const timer = setTimeout(() => {
          unsubscribe();
          reject(new Error(`not ${what} within ${ms} ms; state: ${JSON.stringify(phone.state)}`));
        }, ms);
        unsubscribe = phone.subscribe((s) => {
          if (!predicate(s)) return;
          clearTimeout(timer);
          queueMicrotask(() => unsubscribe());
          resolve(s);
        });
      });
    },
    close() {
      for (const t of transports.splice(0)) t.close();
    },
  };
}

/**
 * A new account signed up and connected on a new Phone; `opened` keeps it for the test's `after`
 * to close.
 */
export async function signedUpPhone(
  server: TestServer,
  opened: NodePhone[],
  displayName: string,
  opts: NodePhoneOptions = {},
) {
  const p = nodePhone(server, opts);
  opened.push(p);
  const username = `u${crypto.randomBytes(5).toString('hex')}`;
  await p.phone.session.signUp(username, 'correct horse battery', displayName);
  const s = await p.until((st) => st.connection === 'connected' && st.self !== null, 'connected');
  if (!s.self) throw new Error('connected without a self');
  return Object.assign(p, { username, self: s.self });
}
