/** A real server on port 0 with real mediasoup workers, and real socket.io clients, for integration tests. */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  Peer,
  ServerEventName,
  ServerEventPayload,
  ServerToClientEvents,
} from '../../src/protocol/index.ts';
import { startTestServer, type TestServer, type TestServerOptions } from '../support/test-server.ts';

export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

export type Harness = TestServer;

export function startHarness(opts: TestServerOptions = {}): Promise<Harness> {
  return startTestServer(opts);
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

/**
 * Connects one device of a signed-in user and resolves once the server has welcomed it. `listen`
 * gets the socket first, for what the server sends before its welcome (a call's resync).
 */
export async function connectDevice(
  url: string,
  user: User,
  deviceId: string = crypto.randomUUID(),
  listen?: (socket: Client) => void,
): Promise<{ socket: Client; self: Peer; deviceId: string; unreadMissed: number }> {
  const socket: Client = io(url, {
    auth: { deviceId, deviceLabel: 'test device' },
    extraHeaders: { cookie: user.cookie },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  listen?.(socket);
  const welcome = await next(socket, 'session:welcome');
  return { socket, self: welcome.self, deviceId, unreadMissed: welcome.unreadMissed };
}

/** A new account with one connected device. */
export async function connect(url: string, displayName: string) {
  const user = await signUp(url, displayName);
  return { user, ...(await connectDevice(url, user)) };
}

/** A native engine's audio offer: enough for the SFU's SDP edge to answer. No ICE agent stands behind it. */
/**
 * Two new accounts, Ann calling Bob, answered: their sockets and the call's id. `sockets` collects
 * the sockets for the suite to close.
 */
export async function answeredCall(url: string, sockets: Client[]) {
  const a = await connect(url, 'Ann');
  const b = await connect(url, 'Bob');
  sockets.push(a.socket, b.socket);
  const res = await a.socket.emitWithAck('call:invite', { to: b.self.id });
  assert.ok(res.ok, JSON.stringify(res));
  const callId = res.data.callId;
  assert.ok((await b.socket.emitWithAck('call:answer', { callId })).ok);
  return { a, b, callId };
}

export function audioOffer(): string {
  return [
    'v=0',
    `o=- ${crypto.randomInt(1e9)} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 0.0.0.0',
    `a=ice-ufrag:${crypto.randomBytes(4).toString('hex')}`,
    `a=ice-pwd:${crypto.randomBytes(12).toString('hex')}`,
    'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${[...crypto.randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')}`,
    'a=setup:actpass',
    'a=mid:0',
    'a=sendrecv',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    // The SDP edge needs the upstream's SSRC to route it (the native engine's offers carry it).
    `a=ssrc:${crypto.randomInt(1, 2 ** 31)} cname:phone`,
    '',
  ].join('\r\n');
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

/** Resolves once the server has processed a device's disconnect (the device is then not connected). */
export async function gone(server: Harness, deviceId: string): Promise<void> {
  const connected = () =>
    [...server.server.io.sockets.sockets.values()].some((s) => s.data.deviceId === deviceId);
  while (connected()) await new Promise((r) => setTimeout(r, 5));
}
