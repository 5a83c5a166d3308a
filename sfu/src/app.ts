/**
 * Composition of the running server: HTTP (the built PWA + a health endpoint) and socket.io
 * signalling, given the components it needs. `main.ts` builds the components; tests build their own.
 */
import fs from 'node:fs';
import http from 'node:http';
import { Server } from 'socket.io';
import sirv from 'sirv';
import type { CallService } from './call/call-service.ts';
import type { JanusGateway } from './janus/janus-gateway.ts';
import type { Logger } from './log.ts';
import type { Presence } from './presence/presence.ts';
import { authMiddleware } from './signalling/auth.middleware.ts';
import { registerCallHandlers } from './signalling/call.handlers.ts';
import type { AppServer } from './signalling/types.ts';

export interface AppComponents {
  presence: Presence;
  calls: CallService;
  gateway: JanusGateway;
  log: Logger;
  webDir: string;
  noAnswerTimeoutMs: number;
}

export interface Application {
  httpServer: http.Server;
  io: AppServer;
}

export function createApplication(c: AppComponents): Application {
  const serveWeb = fs.existsSync(c.webDir)
    ? sirv(c.webDir, { single: true, dev: false, gzip: true, etag: true })
    : (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('The web app is not built: run `npm run build`.\n');
      };
  const httpServer = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(c.gateway.isReady ? 200 : 503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          janus: { ready: c.gateway.isReady, pid: c.gateway.pid ?? null },
          calls: c.calls.activeCalls,
        }),
      );
      return;
    }
    serveWeb(req, res);
  });
  const io: AppServer = new Server(httpServer, { serveClient: false });
  const log = c.log.child({ module: 'signalling' });
  io.use(authMiddleware);
  io.on('connection', (socket) => {
    const member = { peer: socket.data.user, socket };
    log.info({ user: member.peer.id, name: member.peer.displayName }, 'connected');
    registerCallHandlers(member, c.calls, log);
    socket.emit('session:welcome', { self: member.peer, noAnswerTimeoutMs: c.noAnswerTimeoutMs });
    c.presence.add(member);
    socket.on('disconnect', (why) => {
      log.info({ user: member.peer.id, why }, 'disconnected');
      c.calls.disconnected(member.peer.id);
      c.presence.remove(member.peer.id);
    });
  });
  return { httpServer, io };
}
