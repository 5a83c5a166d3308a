/**
 * Composition of the running server: HTTP (accounts API, the built PWA, a health endpoint) and
 * socket.io signalling, given the components it needs. `main.ts` builds the components; tests
 * build their own.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Server } from 'socket.io';
import sirv from 'sirv';
import type { AccountService } from './accounts/account-service.ts';
import type { CallService } from './call/call-service.ts';
import { createApi } from './http/api.ts';
import { checkOrigin } from './http/origin-policy.ts';
import type { RequestView } from './http/proxy-trust.ts';
import { securityHeaders } from './http/security-headers.ts';
import type { MediaLimits } from './call/media-limits.ts';
import type { MediaServer } from './media/media-server.ts';
import type { Logger } from './log.ts';
import type { Member, Presence } from './presence/presence.ts';
import type { IceServer } from './protocol/index.ts';
import { createAuthMiddleware } from './signalling/auth.middleware.ts';
import { registerCallHandlers } from './signalling/call.handlers.ts';
import { registerPushHandlers, type PushHandlerDeps } from './signalling/push.handlers.ts';
import type { AppServer } from './signalling/types.ts';
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
  ice: IceServerSource;
  /** The embedded TURN relay, when there is one (its state is in /healthz). */
  relay: CoturnRelay | null;
}

/** The ICE servers a signed-in user gets, and how often to send fresh credentials. */
export interface IceServerSource {
  /** `host`: the name the client reached this server by (the embedded relay is there too). */
  servers(userId: string, host: string): IceServer[];
  refreshMs: number;
}

/** `host:port`, `[v6]:port` or a bare name → the host part. */
function hostOnly(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  const v6 = /^\[([^\]]+)\]/.exec(hostHeader);
  return v6?.[1] ?? hostHeader.replace(/:\d+$/, '');
}

export interface Application {
  httpServer: http.Server;
  io: AppServer;
}

export function createApplication(c: AppComponents): Application {
  const serveWeb = fs.existsSync(c.webDir)
    ? sirv(c.webDir, {
        single: true,
        dev: false,
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
  const api = createApi(c.accounts, c.calls, c.view, c.log.child({ module: 'api' }));
  const handle: http.RequestListener = (req, res) => {
    for (const [name, value] of Object.entries(securityHeaders(req, c.view))) res.setHeader(name, value);
    if (req.url === '/healthz') {
      res.writeHead(c.media.isReady ? 200 : 503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          media: { ready: c.media.isReady, workers: c.media.workers },
          turn: c.relay ? { ready: c.relay.isReady, pid: c.relay.pid ?? null } : null,
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
  const log = c.log.child({ module: 'signalling' });
  const io: AppServer = new Server(httpServer, {
    serveClient: false,
    ...(c.ping ? { pingInterval: c.ping.intervalMs, pingTimeout: c.ping.timeoutMs } : {}),
    allowRequest: (req, cb) => {
      const origin = checkOrigin(req, c.view);
      if (!origin.ok)
        log.warn(origin, 'connection from another origin refused (behind a proxy? see TRUST_PROXY)');
      cb(null, origin.ok);
    },
  });
  io.engine.on('headers', (headers: Record<string, string>, req: http.IncomingMessage) =>
    Object.assign(headers, securityHeaders(req, c.view)),
  );
  io.use(createAuthMiddleware(c.accounts, c.devices));
  io.on('connection', (socket) => {
    const member = c.presence.connect(socket, c.calls.awayDevice(socket.data.user.id, socket.data.deviceId));
    log.info({ user: member.peer.id, device: member.deviceId }, 'connected');
    registerCallHandlers(socket, member, {
      calls: c.calls,
      history: c.history,
      presence: c.presence,
      mediaLimits: c.mediaLimits,
      log,
    });
    registerPushHandlers(socket, member, { ...c.push, log });
    const relayHost = hostOnly(c.view.host(socket.request));
    // Before the welcome: a page that was in a call and is welcomed without its resync knows the
    // call is over.
    c.calls.connected(member, { socketId: socket.id, emit: socket.emit.bind(socket) as Member['emit'] });
    socket.emit('session:welcome', {
      self: member.peer,
      noAnswerTimeoutMs: c.noAnswerTimeoutMs,
      reconnectGraceMs: c.calls.reconnectGraceMs,
      unreadMissed: c.history.unreadMissed(member.peer.id),
      iceServers: c.ice.servers(member.peer.id, relayHost),
    });
    // Credentials live a while; fresh ones go out at half their life, so a page always has some
    // with hours left for its next transport or ICE restart.
    const refresh = setInterval(
      () => socket.emit('session:ice-servers', { iceServers: c.ice.servers(member.peer.id, relayHost) }),
      c.ice.refreshMs,
    );
    socket.on('disconnect', (why) => {
      clearInterval(refresh);
      // The device (an iPhone's page and shell share one) is away from its call with its last
      // socket gone; the call keeps its place for the reconnect grace.
      const left = c.presence.disconnect(member, socket);
      log.info({ user: member.peer.id, device: member.deviceId, why, deviceLeft: left }, 'disconnected');
      if (left) c.calls.disconnected(member);
    });
  });
  return { httpServer, io };
}
