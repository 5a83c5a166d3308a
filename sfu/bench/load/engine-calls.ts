/**
 * Calls through the real server: per call two accounts signed up over REST, two socket.io devices,
 * `call:invite` / `call:incoming` / `call:answer`, and each party's `media:*` requests the way the
 * page's engine makes them (capabilities, send transport, connect, produce, recv transport, connect,
 * then the partner's `media:consumer`). The transports behind them are plain-legs.ts's, so the
 * media is the generator's.
 */
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { types as ms } from 'mediasoup';
import { io, type Socket } from 'socket.io-client';
import type {
  CallId,
  ClientToServerEvents,
  RtpParametersWire,
  ServerToClientEvents,
} from '../../src/protocol/index.ts';
import type { Generator } from './generator.ts';

export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What a party says of its DTLS: nothing real, its legs have none (plain-legs.ts). */
const NO_DTLS = { role: 'client' as const, fingerprints: [{ algorithm: 'sha-256', value: 'SDES-SRTP' }] };
const TIMEOUT_MS = 20_000;

export function within<T>(what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** One request acknowledged `ok`, or an error saying which and why. */
export async function ask<T>(
  what: string,
  ack: Promise<{ ok: true; data: T } | { ok: false; error: unknown }>,
) {
  const res = await within(what, ack);
  if (!res.ok) throw new Error(`${what}: ${JSON.stringify(res.error)}`);
  return res.data;
}

export class EngineCalls {
  private readonly sockets = new Set<Client>();
  private readonly live = new Map<CallId, Client>();
  private readonly hungUp = new Set<CallId>();
  /** Calls the server ended while the bench held them. */
  dropped = 0;

  constructor(
    private readonly url: string,
    private readonly generator: Generator,
    private readonly farEnd: (transportId: string) => ms.PlainTransport,
  ) {}

  get calls(): number {
    return this.live.size;
  }

  /** Places one call and brings its audio up both ways; resolves with its setup time in ms. */
  async place(): Promise<number> {
    const [caller, callee] = await Promise.all([this.device(), this.device()]);
    const incoming = within(
      'call:incoming',
      new Promise<CallId>((resolve) => callee.socket.once('call:incoming', (p) => resolve(p.callId))),
    );
    const t0 = performance.now();
    const { callId } = await ask('call:invite', caller.socket.emitWithAck('call:invite', { to: callee.id }));
    for (const s of [caller.socket, callee.socket])
      s.on('call:ended', (p) => {
        if (p.callId === callId && !this.hungUp.has(callId)) this.dropped += 1;
      });
    const callerMedia = this.media(caller.socket, callId);
    await incoming;
    await ask('call:answer', callee.socket.emitWithAck('call:answer', { callId }));
    await Promise.all([callerMedia, this.media(callee.socket, callId)]);
    this.live.set(callId, caller.socket);
    return performance.now() - t0;
  }

  /** Hangs every call up and closes every device. */
  async hangUpAll(): Promise<void> {
    await Promise.all(
      [...this.live].map(async ([callId, socket]) => {
        this.hungUp.add(callId);
        await socket.emitWithAck('call:hangup', { callId }).catch(() => undefined);
      }),
    );
    this.live.clear();
    for (const s of this.sockets) s.close();
    this.sockets.clear();
  }

  private async media(socket: Client, callId: CallId): Promise<void> {
    const delivered = within(
      'media:consumer',
      new Promise<RtpParametersWire>((resolve) =>
        socket.on('media:consumer', (p) => p.callId === callId && resolve(p.consumer.rtpParameters)),
      ),
    );
    const { rtpCapabilities } = await ask(
      'media:capabilities',
      socket.emitWithAck('media:capabilities', { callId }),
    );
    const send = await this.transport(socket, callId, { direction: 'send' });
    const rtpParameters = await this.generator.feed(this.farEnd(send));
    await ask(
      'media:produce',
      socket.emitWithAck('media:produce', {
        callId,
        transportId: send,
        kind: 'audio',
        rtpParameters: rtpParameters as RtpParametersWire,
      }),
    );
    const recv = await this.transport(socket, callId, { direction: 'recv', rtpCapabilities });
    await this.generator.listen(this.farEnd(recv), (await delivered) as ms.RtpParameters);
  }

  private async transport(
    socket: Client,
    callId: CallId,
    leg: { direction: 'send' } | { direction: 'recv'; rtpCapabilities: unknown },
  ): Promise<string> {
    const { transport } = await ask(
      'media:transport-create',
      socket.emitWithAck('media:transport-create', { callId, ...leg } as never),
    );
    await ask(
      'media:transport-connect',
      socket.emitWithAck('media:transport-connect', {
        callId,
        transportId: transport.id,
        dtlsParameters: NO_DTLS,
      }),
    );
    return transport.id;
  }

  private async device(): Promise<{ socket: Client; id: string }> {
    const d = await newDevice(this.url);
    this.sockets.add(d.socket);
    return d;
  }
}

/** A new account's device, connected and welcomed. */
export async function newDevice(url: string): Promise<{ socket: Client; id: string }> {
  const username = `load${crypto.randomBytes(6).toString('hex')}`;
  const res = await fetch(`${url}/api/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'load bench password', displayName: username }),
  });
  if (res.status !== 201) throw new Error(`sign-up: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const socket: Client = io(url, {
    auth: { deviceId: crypto.randomUUID(), deviceLabel: 'load bench' },
    extraHeaders: { cookie },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  const welcome = await within(
    'session:welcome',
    new Promise<{ self: { id: string } }>((resolve) => socket.once('session:welcome', resolve)),
  );
  return { socket, id: welcome.self.id };
}
