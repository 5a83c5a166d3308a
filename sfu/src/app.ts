/**
 * Composition of the running server: HTTP (accounts API, the built PWA, a health endpoint) and
 * socket.io signalling, given the components it needs. `main.ts` builds the components; tests
 * build their own.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Server, type ServerOptions } from 'socket.io';
import sirv from 'sirv';
import type { AccountService } from './accounts/account-service.ts';
import type { CallService } from './call/call-service.ts';
import { CallRouter } from './cluster/call-router.ts';
import type { Cluster } from './cluster/cluster.ts';
import type { Drain } from './cluster/drain.ts';
import { createApi, type QualityApiDeps } from './http/api.ts';
import { hostAllowed, hostOnly, type HostPolicy } from './http/host-policy.ts';
import { checkOrigin } from './http/origin-policy.ts';
import type { RequestView } from './http/proxy-trust.ts';
import { securityHeaders } from './http/security-headers.ts';
import type { MediaLimits } from './call/media-limits.ts';
import type { MediaServer } from './media/media-server.ts';
import type { Logger } from './log.ts';
import type { Arrival, Member, Presence } from './presence/presence.ts';
import { ErrorCode, type IceServer, type SessionEndReason } from './protocol/index.ts';
import { createAuthMiddleware } from './signalling/auth.middleware.ts';
import { registerCallHandlers } from './signalling/call.handlers.ts';
import { registerPushHandlers, type PushHandlerDeps } from './signalling/push.handlers.ts';
import type { AppServer, AppSocket } from './signalling/types.ts';
import type { CoturnRelay } from './turn/coturn-relay.ts';
import type { CallsRepo } from './store/calls.repo.ts';
import type { DevicesRepo } from './store/devices.repo.ts';

export interface AppComponents {
  accounts: AccountService;
  devices: DevicesRepo;
  history: CallsRepo;
  presence: Presence;
  calls: CallService;
  mediaLimits: MediaLimits;
  media: MediaServer;
  log: Logger;
  webDir: string;
  noAnswerTimeoutMs: number;
  /** socket.io's heartbeat: how soon a connection that went silent is known to be gone. */
  ping?: { intervalMs: number; timeoutMs: number } | undefined;
  push: Omit<PushHandlerDeps, 'log'>;
  /** Certificate and key (PEM): serve HTTPS; without them plain HTTP. */
  tls?: { cert: string; key: string } | undefined;
  /** How requests are read through trusted reverse proxies. */
  view: RequestView;
  /** The host names it answers to (DNS rebinding). */
  hosts: HostPolicy;
  ice: IceServerSource;
  /** The embedded TURN relay, when there is one (its state is in /healthz). */
  relay: CoturnRelay | null;
  /** The other nodes (a {@link LocalCluster} when there are none). */
  cluster: Cluster;
  drain: Drain;
  /** The call-quality records and who may read their rates. */
  quality: QualityApiDeps;
  /** socket.io's adapter across nodes (default: in memory, this node only). */
  adapter?: ServerOptions['adapter'] | undefined;
}

/** The ICE servers a signed-in user gets, and how often to send fresh credentials. */
export interface IceServerSource {
  /** `host`: the name the client reached this server by (the embedded relay is there too). */
  servers(userId: string, host: string): IceServer[];
  refreshMs: number;
}

export interface Application {
  httpServer: http.Server;
  io: AppServer;
  router: CallRouter;
}

export function createApplication(c: AppComponents): Application {
  const serveWeb = fs.existsSync(c.webDir)
    ? sirv(c.webDir, {
        single: true,
        dev: false,
        // The build writes `<file>.br` and `<file>.gz` beside each text file (web/vite.config.ts):
        // sirv sends the one the request accepts (Brotli first), with Content-Encoding and
        // `Vary: Accept-Encoding` (sirv 3.0.2 build.mjs:172-174,190-191), else the file as it is.
        brotli: true,
        gzip: true,
        etag: true,
        // Hashed build assets never change; everything else (the shell, the service worker, the
        // manifest) is revalidated so an update is seen at the next visit.
        setHeaders: (res, pathname) =>
          res.setHeader(
            'cache-control',
            pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
          ),
      })
    : (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('The web app is not built: run `npm run build`.\n');
      };
  const api = createApi(c.accounts, c.calls, c.quality, c.view, c.log.child({ module: 'api' }));
  const log = c.log.child({ module: 'signalling' });
  const httpLog = c.log.child({ module: 'http' });
  const handle: http.RequestListener = (req, res) => {
    for (const [name, value] of Object.entries(securityHeaders(req, c.view))) res.setHeader(name, value);
    if (!hostAllowed(req, c.view, c.hosts)) {
      httpLog.warn(
        { host: req.headers.host, path: req.url },
        'request for a host name this server does not serve refused (see ALLOWED_HOSTS)',
      );
      // 421 Misdirected Request (RFC 9110 §15.5.20): not a name this server answers for.
      res.writeHead(421, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            code: ErrorCode.ForbiddenOrigin,
            message: 'this server does not answer to that host name',
          },
        }),
      );
      return;
    }
    if (req.url === '/healthz') {
      // Readiness and load, not process ids: those are in the server's log for its operator. Never
      // Redis: a Redis outage must not make the load balancer drop every node (livekit#4663).
      const ready = c.media.isReady && !c.drain.draining;
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          node: { id: c.cluster.nodeId(), clustered: c.cluster.clustered, draining: c.drain.draining },
          media: {
            ready: c.media.isReady,
            workers: c.media.workers.map(({ slot, calls }) => ({ slot, calls })),
          },
          turn: c.relay ? { ready: c.relay.isReady } : null,
          calls: c.calls.activeCalls,
        }),
      );
      return;
    }
    void api(req, res).then((handled) => {
      if (!handled) serveWeb(req, res);
    });
  };
  const httpServer = c.tls ? https.createServer(c.tls, handle) : http.createServer(handle);
  const io: AppServer = new Server(httpServer, {
    serveClient: false,
    // WebSocket only: no HTTP long-polling, so a load balancer needs no sticky sessions (every
    // client is websocket-only already: web/src/signalling/signalling-client.ts, the iOS shell).
    transports: ['websocket'],
    ...(c.adapter ? { adapter: c.adapter } : {}),
    ...(c.ping ? { pingInterval: c.ping.intervalMs, pingTimeout: c.ping.timeoutMs } : {}),
    allowRequest: (req, cb) => {
      if (!hostAllowed(req, c.view, c.hosts)) {
        log.warn(
          { host: req.headers.host },
          'connection for a host name this server does not serve refused (see ALLOWED_HOSTS)',
        );
        cb(null, false);
        return;
      }
      const origin = checkOrigin(req, c.view);
      if (!origin.ok)
        log.warn(origin, 'connection from another origin refused (behind a proxy? see TRUST_PROXY)');
      cb(null, origin.ok);
    },
  });
  io.engine.on('headers', (headers: Record<string, string>, req: http.IncomingMessage) =>
    Object.assign(headers, securityHeaders(req, c.view)),
  );
  // A store that does not answer refuses the connection (the client retries), not the process.
  const storeDown = (err: unknown, next: (err?: Error) => void) => {
    log.error({ err }, 'connection refused: the store did not answer');
    next(new Error('store unavailable'));
  };
  const authenticate = createAuthMiddleware(c.accounts, c.devices);
  io.use((socket, next) => void authenticate(socket, next).catch((err: unknown) => storeDown(err, next)));
  // What a connection is welcomed with is read before it is accepted, so the connection handler
  // registers its handlers and welcomes in one go, before any event of the client is read.
  const arrivals = new WeakMap<AppSocket, { presence: Arrival; unreadMissed: number }>();
  io.use((socket, next) => {
    const user = socket.data.user.id;
    Promise.all([c.presence.arrival(user), c.history.unreadMissed(user)]).then(
      ([presence, unreadMissed]) => {
        arrivals.set(socket, { presence, unreadMissed });
        next();
      },
      (err: unknown) => storeDown(err, next),
    );
  });
  const router = new CallRouter({
    cluster: c.cluster,
    calls: c.calls,
    presence: c.presence,
    nsp: io.of('/'),
    log: c.log.child({ module: 'call-router' }),
  });
  // Every socket of a session (a page's, an iPhone shell's: the same cookie) is in its room, so an
  // ended session reaches them all at once, wherever they are.
  const sessionRoom = (tokenHash: string) => `session:${tokenHash}`;
  c.accounts.onSessionEnded((tokenHash: string, reason: SessionEndReason) => {
    const room = sessionRoom(tokenHash);
    for (const id of io.of('/').adapter.rooms.get(room) ?? []) {
      const socket = io.of('/').sockets.get(id);
      if (socket) socket.data.sessionEnded = true;
    }
    // The reason first, then a server-side disconnect: socket.io clients do not reconnect after
    // `io server disconnect`, and the packet is written after the event on the same connection.
    io.to(room).emit('session:ended', { reason });
    io.in(room).disconnectSockets();
    log.info({ reason }, 'session ended: its connections closed');
  });
  io.on('connection', (socket) => {
    void socket.join(sessionRoom(socket.data.session));
    const arrival = arrivals.get(socket);
    arrivals.delete(socket);
    if (!arrival) throw new Error('a connection was accepted before its arrival was read');
    const { user, deviceId } = socket.data;
    // The device as its call holds it: away from a call here, or one this node holds for it while
    // it was connected to another node.
    const member = c.presence.connect(
      socket,
      arrival.presence,
      c.calls.awayDevice(user.id, deviceId) ?? router.remoteDevice(user.id, deviceId),
    );
    const asker = { member, socketId: socket.id };
    log.info({ user: member.peer.id, device: member.deviceId }, 'connected');
    registerCallHandlers(socket, member, {
      calls: c.calls,
      router,
      drain: c.drain,
      history: c.history,
      presence: c.presence,
      mediaLimits: c.mediaLimits,
      log,
    });
    registerPushHandlers(socket, member, { ...c.push, log });
    const relayHost = hostOnly(c.view.host(socket.request));
    // Before the welcome: a page that was in a call and is welcomed without its resync knows the
    // call is over. A call held by another node sends its resync through this node, so the welcome
    // waits for it (the handlers above already serve the socket meanwhile).
    const late = { socketId: socket.id, emit: socket.emit.bind(socket) as Member['emit'] };
    c.calls.connected(member, late);
    const welcome = () => {
      if (!socket.connected) return;
      socket.emit('session:welcome', {
        self: member.peer,
        noAnswerTimeoutMs: c.noAnswerTimeoutMs,
        reconnectGraceMs: c.calls.reconnectGraceMs,
        unreadMissed: arrival.unreadMissed,
        iceServers: c.ice.servers(member.peer.id, relayHost),
      });
    };
    // One node holds every call: nothing to wait for, the welcome goes at once as it always has.
    if (c.cluster.clustered && member.socketIds().size === 1)
      void router.deviceConnected(asker, late).then(welcome);
    else welcome();
    // Credentials live a while; fresh ones go out at half their life, so a page always has some
    // with hours left for its next transport or ICE restart.
    const refresh = setInterval(
      () => socket.emit('session:ice-servers', { iceServers: c.ice.servers(member.peer.id, relayHost) }),
      c.ice.refreshMs,
    );
    socket.on('disconnect', (why) => {
      clearInterval(refresh);
      // The device (an iPhone's page and shell share one) is away from its call with its last
      // socket gone; the call keeps its place for the reconnect grace, unless the session ended.
      const left = c.presence.disconnect(member, socket);
      log.info({ user: member.peer.id, device: member.deviceId, why, deviceLeft: left }, 'disconnected');
      if (left && socket.data.sessionEnded) c.calls.sessionEnded(member);
      else if (left) c.calls.disconnected(member);
      if (left) router.deviceLeft(asker, socket.data.sessionEnded === true);
    });
  });
  return { httpServer, io, router };
}
