/** A real server on port 0 with a real Janus, and real socket.io clients, for integration tests. */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { createApplication, type Application } from '../../src/app.ts';
import { CallService } from '../../src/call/call-service.ts';
import { JanusGateway } from '../../src/janus/janus-gateway.ts';
import { createLogger } from '../../src/log.ts';
import { Presence } from '../../src/presence/presence.ts';
import type {
  ClientToServerEvents,
  Peer,
  ServerEventName,
  ServerEventPayload,
  ServerToClientEvents,
} from '../../src/protocol/index.ts';

export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface Harness {
  url: string;
  gateway: JanusGateway;
  calls: CallService;
  app: Application;
  stop(): Promise<void>;
}

export async function startHarness(opts: { noAnswerTimeoutMs?: number } = {}): Promise<Harness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfu-it-'));
  const log = createLogger(process.env['LOG_LEVEL'] ?? 'silent');
  const gateway = new JanusGateway({
    dataDir,
    wsPort: 0,
    adminPort: 0,
    rtpPortRange: '41000-41199',
    iceInterface: '',
    log,
  });
  await gateway.start();
  const presence = new Presence();
  const noAnswerTimeoutMs = opts.noAnswerTimeoutMs ?? 30_000;
  const calls = new CallService({ presence, gateway, log, noAnswerTimeoutMs });
  const app = createApplication({
    presence,
    calls,
    gateway,
    log,
    webDir: path.join(dataDir, 'none'),
    noAnswerTimeoutMs,
  });
  await new Promise<void>((r) => app.httpServer.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(app.httpServer.address() as AddressInfo).port}`;
  return {
    url,
    gateway,
    calls,
    app,
    async stop() {
      await app.io.close();
      await gateway.stop();
    },
  };
}

/** Connects a client under a display name and resolves once the server has welcomed it. */
export async function connect(url: string, displayName: string): Promise<{ socket: Client; self: Peer }> {
  const socket: Client = io(url, {
    auth: { displayName },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  const welcome = await next(socket, 'session:welcome');
  return { socket, self: welcome.self };
}

/** The next occurrence of a server event (rejects after `ms`). */
export function next<K extends ServerEventName>(
  socket: Client,
  event: K,
  ms = 5_000,
): Promise<ServerEventPayload<K>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    (socket as unknown as { once(ev: string, fn: (p: ServerEventPayload<K>) => void): void }).once(
      event,
      (payload) => {
        clearTimeout(timer);
        resolve(payload);
      },
    );
  });
}
