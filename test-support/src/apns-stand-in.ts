/**
 * APNs stand-in: a local HTTP/2 (TLS) server answering like Apple's provider API, for tests, the
 * bench and the e2e rig. Nothing here is reachable from outside loopback, and nothing in the
 * product imports it.
 *
 * It implements Apple's documented behaviour ("Sending notification requests to APNs", "Handling
 * error responses from APNs", "Establishing a token-based connection to APNs"; summarised in
 * shared/docs/voip-log-signatures.md §4):
 * - one listener per environment (sandbox, production); a token is known in one of them only, so
 *   a token sent to the other environment gets 400 BadDeviceToken, as on Apple's servers;
 * - `POST /3/device/<token>` only (405 MethodNotAllowed, 404 BadPath, 400 MissingDeviceToken);
 * - the provider token: ES256 JWT checked against the test key registered for its `kid` and team
 *   (403 MissingProviderToken / InvalidProviderToken), `iat` over an hour old → 403
 *   ExpiredProviderToken, a new token less than 20 minutes (by `iat`) after the previous one on the
 *   same connection → 429 TooManyProviderTokenUpdates (a restarted server's new connection may
 *   start with a new token);
 * - headers: 400 MissingTopic, InvalidPushType, BadPriority, BadExpirationDate, BadMessageId;
 *   topic rules: a VoIP push must go to `<bundle>.voip` (400 TopicDisallowed otherwise, as APNs
 *   answers a VoIP token pushed on the app's plain topic), a topic of another app → 400
 *   DeviceTokenNotForTopic, a bundle the team doesn't own → 400 TopicDisallowed;
 * - payload: 400 PayloadEmpty, over 5120 bytes for VoIP (4096 otherwise) → 413 PayloadTooLarge
 *   (Apple answers this one with 413, not 400);
 * - a device marked unregistered → 410 Unregistered with its `timestamp` (epoch ms);
 * - 200 with `apns-id` (ours echoed, or a new UUID) and, in sandbox, `apns-unique-id`.
 * Scripted faults for the cases Apple decides on its own: `fail(n, {status, reason})` (429, 500,
 * 503 …) and `goAway()` (the connection is shut down, as APNs does on maintenance).
 *
 * **Device side, for the simulated iPhone** (`SimulatedDelivery` in `simulated-apns.ts`).
 * Every accepted push is delivered over a plain HTTP/1.1 loopback endpoint,
 * `GET <deviceOrigin>/devices/<token>/pushes`: a Server-Sent Events stream (CORS `*`), one event per
 * push (`id: <apns-id>`, `data: <SimulatedDelivery>`). Like APNs, while no device is connected for a
 * token the stand-in keeps only the newest push until its `apns-expiration` (none when it is 0)
 * and delivers it on connect. What the device does with it (locked, before first unlock, app
 * killed) is the simulator's business, not APNs's. Accepted pushes are also emitted as `'push'`.
 * With `learnTokens`, a push to a token it has never seen registers it (the e2e stack: the
 * simulated iPhone makes up its own token); otherwise tokens are known through `register()`.
 */
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type tls from 'node:tls';
import selfsigned from 'selfsigned';
import type { ApsEnvironment } from '@softphone/sfu/protocol';
import type { SimulatedDelivery } from './simulated-apns.ts';

export interface StandInDevice {
  token: string;
  environment: ApsEnvironment;
  bundleId: string;
  /** When APNs learnt the token is dead (the 410 `timestamp`); unset while it is live. */
  unregisteredAt?: number;
}

export interface DeliveredPush {
  apnsId: string;
  token: string;
  environment: ApsEnvironment;
  topic: string;
  pushType: string;
  priority: number;
  /** `apns-expiration` in epoch seconds (0: deliver now or never). */
  expiration: number;
  payload: unknown;
  receivedAt: number;
}

/** One request as it arrived, for assertions. */
export interface ReceivedRequest {
  environment: ApsEnvironment;
  path: string;
  headers: http2.IncomingHttpHeaders;
  bytes: number;
  status: number;
  reason?: string;
  connection: number;
}

export interface TestProviderKey {
  teamId: string;
  keyId: string;
  /** PKCS#8 PEM, like Apple's `.p8` file. */
  privateKeyPem: string;
  publicKey: crypto.KeyObject;
}

/** A fresh P-256 key with a random 10-character key id and team id, as Apple issues them. */
export function createTestProviderKey(teamId = randomId()): TestProviderKey {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    teamId,
    keyId: randomId(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey,
  };
}

function randomId(): string {
  return crypto.randomBytes(8).toString('hex').toUpperCase().slice(0, 10);
}

export interface ApnsStandInOptions {
  /** Provider keys it trusts, each with the bundle ids its team owns (`'any'`: every bundle). */
  keys: { key: TestProviderKey; bundleIds: string[] | 'any' }[];
  /** Epoch ms; injectable to age tokens. */
  now?: () => number;
  /** Register unknown tokens on their first push instead of answering BadDeviceToken. */
  learnTokens?: boolean;
}

interface Fault {
  status: number;
  reason: string;
}

const PUSH_TYPES = new Set([
  'alert',
  'background',
  'voip',
  'complication',
  'fileprovider',
  'mdm',
  'location',
  'liveactivity',
  'pushtotalk',
  'widgets',
  'controls',
]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOUR_S = 3600;
const MIN_TOKEN_UPDATE_S = 20 * 60;

export class ApnsStandIn extends EventEmitter<{ push: [DeliveredPush] }> {
  readonly devices = new Map<string, StandInDevice>();
  readonly received: ReceivedRequest[] = [];
  private readonly faults: Fault[] = [];
  /** The newest push per token that found no device connected (APNs's store-and-forward). */
  private readonly held = new Map<string, DeliveredPush>();
  /** Open device-side SSE streams per token. */
  private readonly deviceStreams = new Map<string, Set<http.ServerResponse>>();
  /** Last accepted token `iat` per connection (the 20-minute rule applies to a connection's updates). */
  private readonly lastIat = new WeakMap<http2.Http2Session, number>();
  /** The last provider token whose signature checked out, per connection. */
  private readonly verified = new WeakMap<http2.Http2Session, string>();
  private goAwayPending = false;
  private connections = 0;
  private readonly sessions = new Map<http2.Http2Session, number>();
  private readonly sockets = new Set<tls.TLSSocket>();
  private readonly now: () => number;

  private constructor(
    private readonly o: ApnsStandInOptions,
    private readonly servers: Record<ApsEnvironment, http2.Http2SecureServer>,
    readonly origins: Record<ApsEnvironment, string>,
    /** Its self-signed certificate (PEM): the sender's `ca`. */
    readonly ca: string,
    private readonly deviceServer: http.Server,
    /** Where simulated devices fetch their pushes (plain HTTP/1.1, loopback). */
    readonly deviceOrigin: string,
  ) {
    super();
    deviceServer.on('request', (req, res) => this.serveDevice(req, res));
    this.now = o.now ?? Date.now;
    for (const env of ['sandbox', 'production'] as const) {
      this.servers[env].on('secureConnection', (socket: tls.TLSSocket) => {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
      });
      this.servers[env].on('session', (session) => {
        this.sessions.set(session, ++this.connections);
        session.on('close', () => this.sessions.delete(session));
      });
      this.servers[env].on('stream', (stream, headers) => this.handle(env, stream, headers));
    }
  }

  static async start(o: ApnsStandInOptions): Promise<ApnsStandIn> {
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      curve: 'P-256',
      extensions: [
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    });
    const listen = async (): Promise<[http2.Http2SecureServer, string]> => {
      const server = http2.createSecureServer({ key: pems.private, cert: pems.cert });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return [server, `https://127.0.0.1:${(server.address() as AddressInfo).port}`];
    };
    const [[sandbox, sandboxOrigin], [production, productionOrigin]] = await Promise.all([
      listen(),
      listen(),
    ]);
    const deviceServer = http.createServer();
    await new Promise<void>((r) => deviceServer.listen(0, '127.0.0.1', r));
    return new ApnsStandIn(
      o,
      { sandbox, production },
      { sandbox: sandboxOrigin, production: productionOrigin },
      pems.cert,
      deviceServer,
      `http://127.0.0.1:${(deviceServer.address() as AddressInfo).port}`,
    );
  }

  /** Makes a device token known to APNs in its environment (what PushKit registration does). */
  register(device: StandInDevice): StandInDevice {
    const d: StandInDevice = { ...device, token: device.token.toLowerCase() };
    this.devices.set(d.token, d);
    return d;
  }

  /** The app was deleted (or the token otherwise invalidated): pushes now get 410 with this time. */
  unregister(token: string): number {
    const d = this.devices.get(token.toLowerCase());
    if (!d) throw new Error(`the APNs stand-in does not know token …${token.slice(-8)}`);
    d.unregisteredAt = this.now();
    return d.unregisteredAt;
  }

  /** The next `times` requests are answered `status`/`reason` whatever they contain. */
  fail(times: number, fault: Fault): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  /**
   * The next request's connection gets GOAWAY (reason "Shutdown" in the debug data, as APNs sends)
   * with a last-stream-id below that request: the client must retry it on a new connection.
   */
  goAway(): void {
    this.goAwayPending = true;
  }

  /** TLS connections accepted so far, both environments. */
  get connectionCount(): number {
    return this.connections;
  }

  async stop(): Promise<void> {
    const servers = [...Object.values(this.servers), this.deviceServer];
    const closed = servers.map((s) => new Promise<void>((r) => s.close(() => r())));
    // Connections the client keeps open (or half-closed by a GOAWAY) would hold close() forever.
    for (const socket of this.sockets) socket.destroy();
    this.deviceServer.closeAllConnections();
    await Promise.all(closed);
  }

  private serveDevice(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.setHeader('access-control-allow-origin', '*');
    const m = /^\/devices\/([0-9a-fA-F]+)\/pushes(?:\?.*)?$/.exec(req.url ?? '');
    if (req.method === 'OPTIONS')
      return void res.writeHead(204, { 'access-control-allow-headers': '*' }).end();
    if (req.method !== 'GET' || !m?.[1]) return void res.writeHead(404).end();
    const token = m[1].toLowerCase();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    res.write(': connected\n\n');
    const open = this.deviceStreams.get(token) ?? new Set<http.ServerResponse>();
    this.deviceStreams.set(token, open.add(res));
    req.on('close', () => {
      open.delete(res);
      if (open.size === 0) this.deviceStreams.delete(token);
    });
    const kept = this.held.get(token);
    this.held.delete(token);
    if (kept && kept.expiration * 1000 > this.now()) this.write(res, kept);
  }

  private deliver(push: DeliveredPush): void {
    this.emit('push', push);
    const open = this.deviceStreams.get(push.token);
    if (open?.size) for (const res of open) this.write(res, push);
    // Apple stores one notification per app while the device is offline; expiration 0 means "now or never".
    else if (push.expiration !== 0) this.held.set(push.token, push);
  }

  private write(res: http.ServerResponse, push: DeliveredPush): void {
    const delivery: SimulatedDelivery = {
      apnsId: push.apnsId,
      topic: push.topic,
      pushType: 'voip',
      payload: push.payload,
      deliveredAt: this.now(),
    };
    res.write(`id: ${push.apnsId}\ndata: ${JSON.stringify(delivery)}\n\n`);
  }

  private handle(
    env: ApsEnvironment,
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
  ): void {
    // A stream the client resets, or one refused below, must not crash the stand-in.
    stream.on('error', () => undefined);
    const session = stream.session;
    const connection = (session && this.sessions.get(session)) ?? 0;
    if (this.goAwayPending && session) {
      this.goAwayPending = false;
      // Refuse this very stream: the last stream the server will process is the one before it.
      const lastStreamId = Math.max(0, (stream.id ?? 1) - 2);
      session.goaway(http2.constants.NGHTTP2_NO_ERROR, lastStreamId, Buffer.from('{"reason":"Shutdown"}'));
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      session.close();
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = String(headers[':path'] ?? '');
      const answer = (status: number, reason?: string, extra: Record<string, string | number> = {}) => {
        this.received.push({
          environment: env,
          path,
          headers,
          bytes: body.length,
          status,
          ...(reason ? { reason } : {}),
          connection,
        });
        const apnsId = typeof headers['apns-id'] === 'string' ? headers['apns-id'] : crypto.randomUUID();
        const out: http2.OutgoingHttpHeaders = { ':status': status, 'apns-id': apnsId };
        if (env === 'sandbox' && status === 200) out['apns-unique-id'] = crypto.randomUUID();
        if (status === 200) {
          stream.respond(out, { endStream: true });
          return apnsId;
        }
        stream.respond({ ...out, 'content-type': 'application/json' });
        stream.end(JSON.stringify({ reason, ...extra }));
        return apnsId;
      };
      const fault = this.faults.shift();
      if (fault) return void answer(fault.status, fault.reason);
      const verdict = this.check(env, headers, path, body, session);
      if ('status' in verdict) return void answer(verdict.status, verdict.reason, verdict.extra);
      const apnsId = answer(200);
      const push: DeliveredPush = {
        apnsId,
        token: verdict.device.token,
        environment: env,
        topic: String(headers['apns-topic']),
        pushType: String(headers['apns-push-type']),
        priority: Number(headers['apns-priority'] ?? 10),
        expiration: Number(headers['apns-expiration'] ?? 0),
        payload: JSON.parse(body.toString('utf8')) as unknown,
        receivedAt: this.now(),
      };
      setImmediate(() => this.deliver(push));
    });
  }

  private check(
    env: ApsEnvironment,
    h: http2.IncomingHttpHeaders,
    path: string,
    body: Buffer,
    session: http2.Http2Session | undefined,
  ): { device: StandInDevice } | { status: number; reason: string; extra?: Record<string, number> } {
    if (h[':method'] !== 'POST') return { status: 405, reason: 'MethodNotAllowed' };
    const m = /^\/3\/device\/([^/]*)$/.exec(path);
    if (!m) return { status: 404, reason: 'BadPath' };
    if (!m[1]) return { status: 400, reason: 'MissingDeviceToken' };
    const auth = this.checkJwt(h['authorization'], session);
    if ('status' in auth) return auth;
    const topic = h['apns-topic'];
    if (typeof topic !== 'string' || !topic) return { status: 400, reason: 'MissingTopic' };
    const pushType = String(h['apns-push-type'] ?? 'alert');
    if (!PUSH_TYPES.has(pushType)) return { status: 400, reason: 'InvalidPushType' };
    const priority = h['apns-priority'];
    if (priority !== undefined && !['1', '5', '10'].includes(String(priority))) {
      return { status: 400, reason: 'BadPriority' };
    }
    const expiration = h['apns-expiration'];
    if (expiration !== undefined && !/^\d+$/.test(String(expiration))) {
      return { status: 400, reason: 'BadExpirationDate' };
    }
    const id = h['apns-id'];
    if (id !== undefined && !UUID.test(String(id))) return { status: 400, reason: 'BadMessageId' };
    if (body.length === 0) return { status: 400, reason: 'PayloadEmpty' };
    if (body.length > (pushType === 'voip' ? 5120 : 4096)) return { status: 413, reason: 'PayloadTooLarge' };
    const bundle = topic.endsWith('.voip') ? topic.slice(0, -'.voip'.length) : topic;
    if (auth.bundleIds !== 'any' && !auth.bundleIds.includes(bundle))
      return { status: 400, reason: 'TopicDisallowed' };
    const token = m[1].toLowerCase();
    const device =
      this.devices.get(token) ??
      (this.o.learnTokens && /^[0-9a-f]{64,200}$/.test(token)
        ? this.register({ token, environment: env, bundleId: bundle })
        : undefined);
    if (!device || device.environment !== env) return { status: 400, reason: 'BadDeviceToken' };
    if (device.bundleId !== bundle) return { status: 400, reason: 'DeviceTokenNotForTopic' };
    if ((pushType === 'voip') !== topic.endsWith('.voip')) return { status: 400, reason: 'TopicDisallowed' };
    if (device.unregisteredAt !== undefined) {
      return { status: 410, reason: 'Unregistered', extra: { timestamp: device.unregisteredAt } };
    }
    return { device };
  }

  private checkJwt(
    authorization: string | string[] | undefined,
    session: http2.Http2Session | undefined,
  ): { bundleIds: string[] | 'any' } | { status: number; reason: string } {
    const invalid = { status: 403, reason: 'InvalidProviderToken' };
    if (typeof authorization !== 'string' || !authorization)
      return { status: 403, reason: 'MissingProviderToken' };
    const m = /^bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(authorization);
    if (!m) return invalid;
    const [, h64 = '', c64 = '', s64 = ''] = m;
    let header: { alg?: unknown; kid?: unknown };
    let claims: { iss?: unknown; iat?: unknown };
    try {
      header = JSON.parse(Buffer.from(h64, 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(c64, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return invalid;
    }
    const entry = this.o.keys.find((k) => k.key.keyId === header.kid);
    if (
      header.alg !== 'ES256' ||
      !entry ||
      claims.iss !== entry.key.teamId ||
      typeof claims.iat !== 'number'
    ) {
      return invalid;
    }
    // Like APNs, a token already validated on this connection is not verified again.
    const signed =
      (session !== undefined && this.verified.get(session) === authorization) ||
      crypto.verify(
        'sha256',
        Buffer.from(`${h64}.${c64}`),
        { key: entry.key.publicKey, dsaEncoding: 'ieee-p1363' },
        Buffer.from(s64, 'base64url'),
      );
    if (!signed) return invalid;
    if (session) this.verified.set(session, authorization);
    const nowS = Math.floor(this.now() / 1000);
    if (nowS - claims.iat > HOUR_S) return { status: 403, reason: 'ExpiredProviderToken' };
    const last = session && this.lastIat.get(session);
    if (last !== undefined && claims.iat > last && claims.iat - last < MIN_TOKEN_UPDATE_S) {
      return { status: 429, reason: 'TooManyProviderTokenUpdates' };
    }
    if (session && (last === undefined || claims.iat > last)) this.lastIat.set(session, claims.iat);
    return { bundleIds: entry.bundleIds };
  }
}
