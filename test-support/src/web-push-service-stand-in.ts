/**
 * A stand-in for a browser's push service (Chromium's is FCM, unreachable here), with the browser's
 * own part of Web Push: it hands out subscriptions whose keys it holds, accepts the server's pushes
 * as RFC 8030 / RFC 8291 / RFC 8292 say (VAPID JWT checked, aes128gcm body decrypted), and delivers
 * the plaintext to the browser's service worker through DevTools' `ServiceWorker.deliverPushMessage`,
 * which runs the worker's real `push` handler. `fail(n, status)` scripts the push service refusing
 * the next valid pushes (429 / 5xx), as a loaded service does.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { WebPushSubscription } from '@softphone/sfu/protocol';

/** The part of http_ece (RFC 8188 encrypted content encoding, used by web-push) the stand-in uses. */
interface HttpEce {
  decrypt(
    buffer: Buffer,
    params: {
      version: 'aes128gcm';
      /** The receiver's key pair; the sender's public key travels in the aes128gcm header. */
      privateKey: crypto.ECDH;
      /** base64url of the subscription's 16-byte auth secret. */
      authSecret: string;
    },
  ): Buffer;
}
// http_ece ships no types; loading it through require lets this file type it without an ambient
// declaration that every program importing the stand-in would have to include.
const ece = createRequire(import.meta.url)('http_ece') as HttpEce;

/** A push as the stand-in received it, checked and decrypted. */
export interface ReceivedPush {
  subscriptionId: string;
  /** The `TTL` header in seconds. */
  ttl: number;
  urgency: string | null;
  /** The VAPID JWT's `sub` (the server's contact). */
  vapidSubject: string;
  plaintext: string;
}

/** Where a subscription's pushes go once accepted (the browser's service worker). */
export type Deliver = (plaintext: string) => Promise<void>;

interface Subscription {
  ecdh: crypto.ECDH;
  auth: Buffer;
  deliver: Deliver;
}

const b64url = (b: Buffer) => b.toString('base64url');

export class WebPushServiceStandIn {
  readonly received: ReceivedPush[] = [];
  /** Valid pushes answered with a scripted failure (`fail`), not delivered. */
  readonly refused: (ReceivedPush & { status: number })[] = [];
  private readonly faults: number[] = [];
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly waiters: ((p: ReceivedPush) => void)[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly origin: string,
  ) {}

  /**
   * Listens on `host` (default loopback). `reachedAs` is the host its subscriptions' endpoints name
   * when the server reaches it through a forwarder on that address and the same port (a server in a
   * network namespace, whose loopback is its own): the origin the server posts to and signs for.
   */
  static async start(o: { host?: string; reachedAs?: string } = {}): Promise<WebPushServiceStandIn> {
    let standIn: WebPushServiceStandIn | null = null;
    const server = http.createServer((req, res) => void standIn?.handle(req, res));
    const host = o.host ?? '127.0.0.1';
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const { port } = server.address() as AddressInfo;
    standIn = new WebPushServiceStandIn(server, `http://${o.reachedAs ?? host}:${port}`);
    return standIn;
  }

  /** The port it listens on (a forwarder to it listens on the same one). */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** A new subscription, as `PushSubscription.toJSON()` gives it, whose pushes go to `deliver`. */
  subscribe(deliver: Deliver): WebPushSubscription {
    const id = crypto.randomUUID();
    const ecdh = crypto.createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = crypto.randomBytes(16);
    this.subscriptions.set(id, { ecdh, auth, deliver });
    return {
      endpoint: `${this.origin}/push/${id}`,
      expirationTime: null,
      keys: { p256dh: b64url(ecdh.getPublicKey()), auth: b64url(auth) },
    };
  }

  /** The next push accepted for delivery (or one already received that matches). */
  nextPush(match: (p: ReceivedPush) => boolean, timeoutMs = 10_000): Promise<ReceivedPush> {
    const seen = this.received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching push within ${timeoutMs} ms`)), timeoutMs);
      const waiter = (p: ReceivedPush) => {
        if (!match(p)) return;
        clearTimeout(timer);
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        resolve(p);
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * The next `times` valid pushes are answered `status` (429, 500, 503: RFC 8030 §8.4 lets a push
   * service refuse for load) and not delivered.
   */
  fail(times: number, status: number): void {
    for (let i = 0; i < times; i++) this.faults.push(status);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const reply = (status: number, body = '') => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
    };
    const id = /^\/push\/([0-9a-f-]{36})$/.exec(req.url ?? '')?.[1];
    if (req.method !== 'POST' || !id) return reply(404, 'no such endpoint');
    const sub = this.subscriptions.get(id);
    // RFC 8030 §7.3: an expired or unknown subscription answers 404 or 410 Gone.
    if (!sub) return reply(410, 'subscription gone');
    const body = Buffer.concat(await req.toArray());
    const ttl = Number(req.headers.ttl);
    if (!Number.isInteger(ttl) || ttl < 0) return reply(400, 'TTL header required (RFC 8030 §5.2)');
    if (req.headers['content-encoding'] !== 'aes128gcm') return reply(415, 'aes128gcm required (RFC 8188)');
    const vapid = checkVapid(req.headers.authorization, this.origin);
    if (typeof vapid === 'string') return reply(403, vapid);
    let plaintext: string;
    try {
      plaintext = ece
        .decrypt(body, { version: 'aes128gcm', privateKey: sub.ecdh, authSecret: b64url(sub.auth) })
        .toString('utf8');
    } catch {
      return reply(400, 'payload does not decrypt with the subscription keys');
    }
    const push: ReceivedPush = {
      subscriptionId: id,
      ttl,
      urgency: typeof req.headers.urgency === 'string' ? req.headers.urgency : null,
      vapidSubject: vapid.sub,
      plaintext,
    };
    const fault = this.faults.shift();
    if (fault !== undefined) {
      this.refused.push({ ...push, status: fault });
      return reply(fault, 'scripted failure');
    }
    this.received.push(push);
    for (const w of [...this.waiters]) w(push);
    // RFC 8030 §5: 201 Created once accepted; delivery to the user agent happens after.
    reply(201);
    await sub.deliver(plaintext).catch((err: unknown) => console.warn('web push delivery failed', err));
  }
}

/** RFC 8292 `Authorization: vapid t=<JWT>, k=<public key>`; the JWT's claims, or why it is refused. */
function checkVapid(header: string | undefined, audience: string): { sub: string } | string {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!m?.[1] || !m[2]) return 'vapid authorization required (RFC 8292)';
  const [h, p, sig] = m[1].split('.');
  if (!h || !p || !sig) return 'malformed JWT';
  const key = crypto.createPublicKey({
    key: { kty: 'EC', crv: 'P-256', ...jwkOf(Buffer.from(m[2], 'base64url')) },
    format: 'jwk',
  });
  const ok = crypto.verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(sig, 'base64url'),
  );
  if (!ok) return 'JWT signature does not verify with k';
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as {
    aud?: string;
    exp?: number;
    sub?: string;
  };
  if (claims.aud !== audience) return `JWT aud must be ${audience}`;
  const now = Date.now() / 1000;
  if (!claims.exp || claims.exp < now || claims.exp > now + 24 * 3600) return 'JWT exp must be within 24 h';
  if (!claims.sub) return 'JWT sub (contact) required';
  return { sub: claims.sub };
}

/** The x and y of an uncompressed P-256 point (0x04 ‖ x ‖ y). */
function jwkOf(point: Buffer): { x: string; y: string } {
  return { x: b64url(point.subarray(1, 33)), y: b64url(point.subarray(33, 65)) };
}
