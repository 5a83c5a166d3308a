/** A real server on port 0 with real mediasoup workers, and real socket.io clients, for integration tests. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { createLogger } from '../../src/log.ts';
import type {
  ClientToServerEvents,
  Peer,
  ServerEventName,
  ServerEventPayload,
  ServerToClientEvents,
} from '../../src/protocol/index.ts';
import { startServer, type PushOptions, type Server } from '../../src/server.ts';

export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface Harness {
  url: string;
  server: Server;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startHarness(
  opts: { noAnswerTimeoutMs?: number; dataDir?: string; push?: PushOptions } = {},
): Promise<Harness> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sfu-it-'));
  const server = await startServer({
    dataDir,
    webDir: path.join(dataDir, 'no-web'),
    noAnswerTimeoutMs: opts.noAnswerTimeoutMs ?? 30_000,
    media: { workers: 2, listen: { ip: '127.0.0.1', ports: { min: 41000, max: 41199 } } },
    ...(opts.push ? { push: opts.push } : {}),
    log: createLogger(process.env['LOG_LEVEL'] ?? 'silent'),
  });
  await new Promise<void>((r) => server.httpServer.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
  return { url, server, dataDir, stop: () => server.stop() };
}

export interface User {
  cookie: string;
  username: string;
  password: string;
}

/** Signs a new account up through the REST API; returns its session cookie. */
export async function signUp(url: string, displayName: string): Promise<User> {
  const username = `u${crypto.randomBytes(5).toString('hex')}`;
  const password = 'correct horse battery';
  const res = await fetch(`${url}/api/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password, displayName }),
  });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { cookie, username, password };
}

/** Connects one device of a signed-in user and resolves once the server has welcomed it. */
export async function connectDevice(
  url: string,
  user: User,
  deviceId: string = crypto.randomUUID(),
): Promise<{ socket: Client; self: Peer; deviceId: string; unreadMissed: number }> {
  const socket: Client = io(url, {
    auth: { deviceId, deviceLabel: 'test device' },
    extraHeaders: { cookie: user.cookie },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  const welcome = await next(socket, 'session:welcome');
  return { socket, self: welcome.self, deviceId, unreadMissed: welcome.unreadMissed };
}

/** A new account with one connected device. */
export async function connect(url: string, displayName: string) {
  const user = await signUp(url, displayName);
  return { user, ...(await connectDevice(url, user)) };
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
