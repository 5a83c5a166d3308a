/**
 * `npm run bench:push -- [--pushes N] [--concurrency C] [--connections K] [--calls M] [--pairs P]`
 *
 * 1. Sustained VoIP pushes per second through the APNs sender over one HTTP/2 connection pool
 *    (K connections, default 2) to the APNs stand-in, C requests in flight (default 200), N pushes
 *    (default 20000), each written to the JSON-lines push log like in production.
 * 2. Latency from "call placed" (a caller's `call:invite` leaves its socket.io client) to "push
 *    request written" (the sender's HTTP/2 stream has taken the request), through the real server
 *    and real mediasoup workers: M calls (default 200) from P caller/callee pairs (default 10) at once, each
 *    callee an iPhone that is asleep. Every call is then cancelled.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { createLogger } from '../src/log.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../src/protocol/index.ts';
import { ProviderToken } from '../src/push/apns-token.ts';
import { ApnsVoipSender } from '../src/push/apns-voip.ts';
import { Http2Pool } from '../src/push/http2-pool.ts';
import { FilePushLog } from '../src/push/push-log.ts';
import { startServer } from '../src/server.ts';
import { percentile } from './percentile.ts';
import { ApnsStandIn, createTestProviderKey } from '@softphone/test-support/apns';

const BUNDLE = 'com.example.softphone';
const log = createLogger('silent');
/** The bench's calls never end while their push is sent. */
const ringing = new AbortController().signal;

const { values: args } = parseArgs({
  options: {
    pushes: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '200' },
    connections: { type: 'string', default: '2' },
    calls: { type: 'string', default: '200' },
    pairs: { type: 'string', default: '10' },
  },
});
const num = (name: keyof typeof args): number => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer`);
    process.exit(2);
  }
  return n;
};

const ms = (x: number) => `${x.toFixed(2)} ms`;

async function throughput(standIn: ApnsStandIn, key: ReturnType<typeof createTestProviderKey>, dir: string) {
  const pushes = num('pushes');
  const concurrency = num('concurrency');
  const pool = new Http2Pool({
    size: num('connections'),
    requestTimeoutMs: 10_000,
    tls: { ca: standIn.ca },
    log,
  });
  const pushLog = new FilePushLog(path.join(dir, 'bench-pushes.jsonl'));
  const sender = new ApnsVoipSender({
    origins: standIn.origins,
    token: new ProviderToken({ teamId: key.teamId, keyId: key.keyId, privateKey: key.privateKeyPem }),
    pool,
    pushLog,
    log,
  });
  const token = crypto.randomBytes(32).toString('hex');
  standIn.register({ token, environment: 'sandbox', bundleId: BUNDLE });
  const target = { token, environment: 'sandbox', bundleId: BUNDLE } as const;
  const call = () => ({
    callId: crypto.randomUUID(),
    caller: { id: crypto.randomUUID(), handle: 'bench', displayName: 'Bench Caller' },
    sentAt: Date.now(),
    expiresAt: Date.now() + 30_000,
    ringTimeoutMs: 30_000,
  });
  // Warm-up: connections open and the provider token is minted before the clock starts.
  await Promise.all(
    Array.from({ length: num('connections') * 2 }, () => sender.sendIncomingCall(target, call(), ringing)),
  );
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < pushes) {
        next++;
        const t0 = performance.now();
        const r = await sender.sendIncomingCall(target, call(), ringing);
        latencies.push(performance.now() - t0);
        if (r.outcome !== 'accepted') failed++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  await pushLog.close();
  latencies.sort((a, b) => a - b);
  return {
    pushes,
    failed,
    seconds,
    rate: pushes / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
  };
}

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

async function placedToWritten(
  standIn: ApnsStandIn,
  key: ReturnType<typeof createTestProviderKey>,
  dir: string,
) {
  const calls = num('calls');
  const pairs = num('pairs');
  const written = new Map<string, number>();
  const waiting = new Map<string, () => void>();
  const server = await startServer({
    dataDir: dir,
    webDir: path.join(dir, 'no-web'),
    noAnswerTimeoutMs: 30_000,
    media: { workers: 1, listen: { ip: '127.0.0.1', ports: { min: 42000, max: 42999 } } },
    push: {
      reportTimeoutMs: 8_000,
      apns: {
        teamId: key.teamId,
        keyId: key.keyId,
        privateKey: key.privateKeyPem,
        origins: standIn.origins,
        ca: standIn.ca,
        onRequestWritten: (callId, attempt) => {
          if (attempt !== 1) return;
          written.set(callId, performance.now());
          waiting.get(callId)?.();
        },
      },
    },
    log,
  });
  await new Promise<void>((r) => server.httpServer.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
  const connect = async (cookie: string, deviceId = crypto.randomUUID()) => {
    const socket: Client = io(url, {
      auth: { deviceId, deviceLabel: 'bench' },
      extraHeaders: { cookie },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    const self = await new Promise<string>((r) => socket.once('session:welcome', (w) => r(w.self.id)));
    return { socket, self };
  };
  const signUp = async (name: string) => {
    const res = await fetch(`${url}/api/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username: `b${crypto.randomBytes(5).toString('hex')}`,
        password: 'correct horse battery',
        displayName: name,
      }),
    });
    return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  };
  const latencies: number[] = [];
  try {
    const teams = await Promise.all(
      Array.from({ length: pairs }, async (_, i) => {
        const caller = await connect(await signUp(`Caller ${i}`));
        const phone = await connect(await signUp(`Callee ${i}`));
        const token = crypto.randomBytes(32).toString('hex');
        standIn.register({ token, environment: 'sandbox', bundleId: BUNDLE });
        await phone.socket.emitWithAck('push:register-voip', {
          token,
          environment: 'sandbox',
          bundleId: BUNDLE,
          appVersion: 'bench',
        });
        phone.socket.disconnect();
        return { caller: caller.socket, callee: phone.self };
      }),
    );
    let placed = 0;
    await Promise.all(
      teams.map(async ({ caller, callee }) => {
        while (placed < calls) {
          placed++;
          const t0 = performance.now();
          const res = await caller.emitWithAck('call:invite', { to: callee });
          if (!res.ok) throw new Error(`invite refused: ${res.error.message}`);
          const { callId } = res.data;
          if (!written.has(callId)) await new Promise<void>((r) => waiting.set(callId, r));
          latencies.push((written.get(callId) ?? NaN) - t0);
          const ended = new Promise<void>((r) => caller.once('call:ended', () => r()));
          await caller.emitWithAck('call:hangup', { callId });
          await ended;
        }
      }),
    );
    for (const t of teams) t.caller.disconnect();
  } finally {
    await server.stop();
  }
  latencies.sort((a, b) => a - b);
  return {
    calls: latencies.length,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? NaN,
  };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-push-'));
  const key = createTestProviderKey();
  const standIn = await ApnsStandIn.start({ keys: [{ key, bundleIds: [BUNDLE] }] });
  try {
    console.error(
      `bench:push: ${args.pushes} pushes, ${args.concurrency} in flight, ${args.connections} connections…`,
    );
    const t = await throughput(standIn, key, dir);
    console.error(`bench:push: ${args.calls} calls from ${args.pairs} pairs through the server and its SFU…`);
    const c = await placedToWritten(standIn, key, fs.mkdtempSync(path.join(dir, 'server-')));
    console.log(`\nbench:push — APNs stand-in on loopback (HTTP/2 + TLS), ${os.cpus().length} cores`);
    console.log(
      `sustained: ${t.rate.toFixed(0)} pushes/s over ${args.connections} connection(s), ${args.concurrency} in flight ` +
        `(${t.pushes} pushes in ${t.seconds.toFixed(2)} s, ${t.failed} failed); request → 200 p50 ${ms(t.p50)}, p99 ${ms(t.p99)}`,
    );
    console.log(
      `call placed → push request written: p50 ${ms(c.p50)}, p99 ${ms(c.p99)}, max ${ms(c.max)} (${c.calls} calls, ${args.pairs} at a time)`,
    );
  } finally {
    await standIn.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:push failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
