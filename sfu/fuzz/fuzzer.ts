/**
 * Malformed, oversized, out-of-order and unauthorised traffic from many clients at once, against a
 * running server: socket.io messages (bad payloads, unknown events, requests about calls that don't
 * exist or aren't the sender's, wrong order on real calls between the fuzzing clients, frames the
 * parser can't read, messages over the size limit, handshakes without a session or from another
 * origin) and REST requests (bad bodies, oversized bodies, wrong content types, other origins, no
 * session, unknown routes, guessing passwords). Every message must be answered with one of the
 * protocol's error codes or by the server closing the connection; what isn't is counted as
 * unanswered or untyped, with examples.
 *
 * The server must trust X-Forwarded-For from loopback (TRUST_PROXY=loopback): each client claims an
 * address of its own, as a proxy in front of many clients would say, and prepends a spoofed one
 * that must not be believed.
 */
import crypto from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { ErrorCode, requests, type RequestName } from '../src/protocol/index.ts';

export interface FuzzOptions {
  url: string;
  /** How many messages (socket.io and REST) to send in all. */
  messages: number;
  /** Clients sending at once. */
  clients: number;
  /** Messages each client has in flight. */
  inFlight?: number;
  /** How long a message may go unanswered. */
  answerTimeoutMs?: number;
}

export interface FuzzReport {
  sent: number;
  socketMessages: number;
  restRequests: number;
  /** Answers by protocol error code, plus `ok` for requests that happened to be valid. */
  answers: Record<string, number>;
  /** Connections the server closed or refused (unreadable frames, oversized messages, other origins). */
  closed: number;
  unanswered: number;
  /** Answers that are no protocol error: a 5xx, a non-JSON body, an `internal` error. */
  untyped: number;
  /** The first few unanswered or untyped messages, for diagnosis. */
  examples: string[];
}

type Outcome =
  { kind: 'code'; code: string } | { kind: 'closed' } | { kind: 'unanswered' | 'untyped'; what: string };

const CODES = new Set<string>(Object.values(ErrorCode));
const NAMES = Object.keys(requests) as RequestName[];
const EVIL_ORIGINS = ['https://evil.example', 'null', 'http://127.0.0.1.evil.example', 'file://', '::'];
const RESERVED = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'request:error'];
/** Frames the socket.io parser must refuse (and so close the connection). */
const BAD_FRAMES = ['2[', '42["x"', '2{"a":1}', '2[]', '2[1,2]', '9', '2["disconnect"]', '2["connect"]', 'x'];

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;
const uuid = () => crypto.randomUUID();
const deep = (n: number): unknown => (n === 0 ? {} : { a: deep(n - 1) });

/** Payloads that no request accepts, or accepts only by chance (those are answered `ok`). */
function junk(): unknown {
  return pick<() => unknown>([
    () => null,
    () => 0,
    () => -1e308,
    () => true,
    () => '',
    () => 'x'.repeat(50_000),
    () => [],
    () => [uuid(), uuid()],
    () => ({}),
    () => ({ callId: 42 }),
    () => ({ callId: 'not-a-uuid' }),
    () => ({ callId: uuid(), extra: 1 }),
    () => ({ callId: uuid(), sdp: 'v=0\r\n'.repeat(8_000) }),
    () => ({ callId: uuid(), leg: 'sideways', candidate: { candidate: 1 } }),
    () => ({ callId: uuid(), summary: { rtt: 'fast' } }),
    () => ({ to: { $ne: null } }),
    () => JSON.parse('{"__proto__":{"polluted":true},"callId":"x"}') as unknown,
    () => ({ constructor: { prototype: { polluted: true } } }),
    () => deep(2_000),
    () => ({ limit: 10_000 }),
    () => ({ token: 'zz', environment: 'moon', bundleId: '' }),
    () => ({ subscription: { endpoint: 'javascript:alert(1)' } }),
  ])();
}

/** A payload the schema accepts, about a call that doesn't exist or isn't the sender's. */
function strangerCall(event: RequestName): unknown {
  const callId = uuid();
  const byEvent: Partial<Record<RequestName, unknown>> = {
    'call:invite': { to: uuid() },
    'call:hold': { callId, held: true },
    'call:activation-failed': { callId, why: 'failed' },
    'media:publish': { callId, sdp: 'v=0' },
    'media:subscribe-answer': { callId, sdp: 'v=0' },
    'media:publish-restart': { callId, sdp: 'v=0' },
    'media:transport-create': { callId, direction: 'send' },
    'media:transport-connect': {
      callId,
      transportId: uuid(),
      dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AB' }] },
    },
    'media:restart-ice': { callId, transportId: uuid() },
  };
  return byEvent[event] ?? { callId };
}

interface Member {
  cookie: string;
  id: string;
  deviceId: string;
  address: string;
  socket: Socket;
  /** Requests sent without an ack, waiting for their `request:error`, by event. */
  waiting: Map<string, ((code: string) => void)[]>;
}

export async function fuzz(o: FuzzOptions): Promise<FuzzReport> {
  const timeoutMs = o.answerTimeoutMs ?? 15_000;
  const report: FuzzReport = {
    sent: 0,
    socketMessages: 0,
    restRequests: 0,
    answers: {},
    closed: 0,
    unanswered: 0,
    untyped: 0,
    examples: [],
  };
  let budget = o.messages;
  const take = () => budget-- > 0;
  const record = (what: string, out: Outcome) => {
    if (out.kind === 'code') {
      if (out.code === ErrorCode.Internal) return record(what, { kind: 'untyped', what: 'internal' });
      report.answers[out.code] = (report.answers[out.code] ?? 0) + 1;
    } else if (out.kind === 'closed') report.closed++;
    else {
      report[out.kind]++;
      if (report.examples.length < 20) report.examples.push(`${out.kind}: ${what} (${out.what})`);
    }
  };

  const rest = async (
    address: string,
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string> } = {},
  ): Promise<Outcome> => {
    report.sent++;
    report.restRequests++;
    try {
      const res = await fetch(`${o.url}${path}`, {
        method,
        headers: {
          'x-forwarded-for': `203.0.113.${Math.floor(Math.random() * 250)}, ${address}`,
          ...init.headers,
        },
        ...(init.body !== undefined ? { body: init.body } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      if (res.ok) return { kind: 'code', code: 'ok' };
      try {
        const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
        if (typeof code === 'string' && CODES.has(code)) return { kind: 'code', code };
      } catch {
        // falls through: not a protocol error
      }
      return { kind: 'untyped', what: `${res.status} ${text.slice(0, 80)}` };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError') return { kind: 'unanswered', what: 'no reply' };
      return { kind: 'closed' };
    }
  };

  const signUp = async (address: string) => {
    const username = `f${crypto.randomBytes(6).toString('hex')}`;
    const res = await fetch(`${o.url}/api/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({ username, password: 'fuzz fuzz fuzz', displayName: username }),
    });
    if (res.status !== 201) throw new Error(`fuzz client sign-up failed: ${res.status} ${await res.text()}`);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const me = (await (await fetch(`${o.url}/api/me`, { headers: { cookie } })).json()) as {
      account: { id: string };
    };
    return { cookie, id: me.account.id };
  };

  const open = (headers: Record<string, string>, auth: unknown): Socket =>
    io(o.url, {
      auth: auth as Record<string, unknown>,
      extraHeaders: headers,
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      rejectUnauthorized: false,
    });

  /** Connects and resolves once welcomed; rejects with the handshake refusal. */
  const connected = (s: Socket) =>
    new Promise<void>((resolve, reject) => {
      s.once('session:welcome', () => resolve());
      s.once('connect_error', reject);
    });

  const members: Member[] = [];
  await Promise.all(
    Array.from({ length: o.clients }, async (_, i) => {
      const address = `198.51.100.${i % 250}`;
      const { cookie, id } = await signUp(address);
      const deviceId = uuid();
      const socket = open({ cookie }, { deviceId, deviceLabel: `fuzz ${i}` });
      const m: Member = { cookie, id, deviceId, address, socket, waiting: new Map() };
      socket.on('request:error', ({ event, error }: { event: string; error: { code: string } }) =>
        m.waiting.get(event)?.shift()?.(error.code),
      );
      await connected(socket);
      members.push(m);
    }),
  );

  /** One request on the member's socket, with an ack or (schema-invalid only) without. */
  const request = async (m: Member, event: string, payload: unknown, withAck: boolean): Promise<Outcome> => {
    report.sent++;
    report.socketMessages++;
    if (!withAck) {
      const answered = new Promise<Outcome>((resolve) => {
        const timer = setTimeout(() => resolve({ kind: 'unanswered', what: 'no request:error' }), timeoutMs);
        const queue = m.waiting.get(event) ?? [];
        queue.push((code) => {
          clearTimeout(timer);
          resolve({ kind: 'code', code });
        });
        m.waiting.set(event, queue);
      });
      m.socket.emit(event, payload);
      return answered;
    }
    try {
      const res = (await m.socket.timeout(timeoutMs).emitWithAck(event, payload)) as {
        ok: boolean;
        error?: { code?: string };
      };
      if (res.ok) return { kind: 'code', code: 'ok' };
      const code = res.error?.code;
      return code && CODES.has(code)
        ? { kind: 'code', code }
        : { kind: 'untyped', what: JSON.stringify(res) };
    } catch {
      return m.socket.connected ? { kind: 'unanswered', what: 'no ack' } : { kind: 'closed' };
    }
  };

  /** A throwaway connection of the member's that the server should close or refuse. */
  const disruptive = (
    m: Member,
    what: string,
    send: ((s: Socket) => void) | null,
    headers: Record<string, string> = { cookie: m.cookie },
    auth: unknown = { deviceId: m.deviceId, deviceLabel: 'fuzz disruptor' },
  ): Promise<Outcome> => {
    report.sent++;
    report.socketMessages++;
    const s = open(headers, auth);
    return new Promise<Outcome>((resolve) => {
      const done = (out: Outcome) => {
        clearTimeout(timer);
        s.removeAllListeners();
        s.disconnect();
        resolve(out);
      };
      const timer = setTimeout(() => done({ kind: 'unanswered', what }), timeoutMs);
      s.once('connect_error', (err: Error & { data?: { code?: string } }) =>
        done(
          err.data?.code && CODES.has(err.data.code)
            ? { kind: 'code', code: err.data.code }
            : { kind: 'closed' },
        ),
      );
      s.once('disconnect', () => done({ kind: 'closed' }));
      s.once('request:error', ({ error }: { error: { code: string } }) =>
        done({ kind: 'code', code: error.code }),
      );
      if (send) s.once('session:welcome', () => send(s));
    });
  };

  /** `m` invites another member, the answer recorded: the call's id, or null when none was made. */
  const realCall = async (m: Member): Promise<string | null> => {
    const callee = pick(members.filter((x) => x !== m));
    report.sent++;
    report.socketMessages++;
    const res = (await m.socket
      .timeout(timeoutMs)
      .emitWithAck('call:invite', { to: callee.id })
      .catch(() => null)) as { ok: boolean; data?: { callId: string }; error?: { code: string } } | null;
    if (!res) {
      record('call:invite', m.socket.connected ? { kind: 'unanswered', what: 'no ack' } : { kind: 'closed' });
      return null;
    }
    record('call:invite', { kind: 'code', code: res.ok ? 'ok' : (res.error?.code ?? 'none') });
    return res.data?.callId ?? null;
  };

  /** Out of order on a real call: the caller answers and holds its own ringing call, hangs up twice. */
  const wrongOrder = async (m: Member): Promise<void> => {
    const callId = await realCall(m);
    if (!callId) return;
    for (const [event, payload] of [
      ['call:answer', { callId }],
      ['call:ringing', { callId }],
      ['call:hold', { callId, held: true }],
      ['call:hangup', { callId }],
      ['call:hangup', { callId }],
      ['call:answer', { callId }],
    ] as const) {
      if (!take()) return;
      record(event, await request(m, event, payload, true));
    }
  };

  /**
   * A flood on a real call (review H4): more parallel transport requests than a connection may send
   * a minute. One is taken, the others refused while it is made (`media-unavailable`) or over the
   * limit (`rate-limited`); then the call is hung up.
   */
  const mediaFlood = async (m: Member): Promise<void> => {
    const callId = await realCall(m);
    if (!callId) return;
    const burst: Promise<void>[] = [];
    for (let i = 0; i < 70 && take(); i++)
      burst.push(
        request(m, 'media:transport-create', { callId, direction: 'send' }, true).then((out) =>
          record('media:transport-create', out),
        ),
      );
    await Promise.all(burst);
    if (take()) record('call:hangup', await request(m, 'call:hangup', { callId }, true));
  };

  const actions: [number, (m: Member) => Promise<void>][] = [
    // Bad payloads for every request, with and without an ack.
    [
      40,
      async (m) => {
        const event = pick(NAMES);
        const payload = junk();
        const valid = requests[event].payload.safeParse(payload).success;
        record(event, await request(m, event, payload, valid || Math.random() < 0.7));
      },
    ],
    // Events that aren't in the protocol.
    [
      12,
      async (m) => {
        const event =
          Math.random() < 0.5
            ? pick(RESERVED)
            : `x:${crypto.randomBytes(Math.ceil(Math.random() * 200)).toString('hex')}`;
        record(event, await request(m, event, junk(), Math.random() < 0.7));
      },
    ],
    // Well-formed requests about calls that don't exist.
    [
      20,
      async (m) => {
        const event = pick(NAMES.filter((n) => n.startsWith('call:') || n.startsWith('media:')));
        record(event, await request(m, event, strangerCall(event), true));
      },
    ],
    [2, wrongOrder],
    [0.3, mediaFlood],
    // REST.
    [
      20,
      async (m) => {
        const json = { 'content-type': 'application/json' };
        const evil = { ...json, origin: pick(EVIL_ORIGINS), cookie: m.cookie };
        const [method, path, init] = pick<
          [string, string, { body?: string; headers?: Record<string, string> }]
        >([
          ['POST', '/api/signup', { body: '{"username":', headers: json }],
          [
            'POST',
            '/api/signup',
            {
              body: 'username=a&password=b',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
            },
          ],
          ['POST', '/api/signup', { body: JSON.stringify({ username: 'a', password: 1 }), headers: json }],
          ['POST', '/api/signup', { body: JSON.stringify({ username: 'x'.repeat(30_000) }), headers: json }],
          [
            'POST',
            '/api/signup',
            {
              body: JSON.stringify({ username: 'ok_name', password: 'long enough', displayName: 'x' }),
              headers: evil,
            },
          ],
          [
            'POST',
            '/api/signin',
            {
              body: JSON.stringify({ username: `f${uuid().slice(0, 8)}`, password: 'guess guess' }),
              headers: json,
            },
          ],
          ['POST', '/api/signin', { body: JSON.stringify({ username: 'a', password: 'b' }), headers: evil }],
          ['POST', '/api/signout', { body: '{}', headers: evil }],
          ['POST', '/api/calls/shown', { body: JSON.stringify({ callId: uuid() }), headers: json }],
          [
            'POST',
            '/api/calls/shown',
            { body: JSON.stringify({ callId: uuid() }), headers: { ...json, cookie: m.cookie } },
          ],
          ['POST', '/api/calls/shown', { body: JSON.stringify({ callId: uuid() }), headers: evil }],
          ['POST', '/api/calls/shown', { body: '[]', headers: { ...json, cookie: m.cookie } }],
          [
            'GET',
            '/api/me',
            { headers: { cookie: `sp_session=${crypto.randomBytes(32).toString('base64url')}` } },
          ],
          ['GET', `/api/${crypto.randomBytes(8).toString('hex')}`, {}],
          ['DELETE', '/api/me', { headers: { cookie: m.cookie } }],
          ['PUT', '/api/signup', { body: '{}', headers: json }],
        ]);
        record(`${method} ${path}`, await rest(m.address, method, path, init));
      },
    ],
    // Connections the server must refuse: no session, a forged one, no device, another origin.
    [
      3,
      async (m) => {
        const bad = pick<[Record<string, string>, unknown]>([
          [{}, { deviceId: uuid(), deviceLabel: 'x' }],
          [
            { cookie: `sp_session=${crypto.randomBytes(32).toString('base64url')}` },
            { deviceId: uuid(), deviceLabel: 'x' },
          ],
          [{ cookie: m.cookie }, { deviceId: 'not-a-uuid', deviceLabel: '' }],
          [{ cookie: m.cookie }, 'not an object'],
          [
            { cookie: m.cookie, origin: pick(EVIL_ORIGINS) },
            { deviceId: m.deviceId, deviceLabel: 'x' },
          ],
        ]);
        record('handshake', await disruptive(m, 'handshake', null, ...bad));
      },
    ],
    // Frames the parser can't read, and a message over the size limit.
    [
      3,
      async (m) => {
        const frame = pick(BAD_FRAMES);
        record(`frame ${frame}`, await disruptive(m, `frame ${frame}`, (s) => s.io.engine.send(frame)));
      },
    ],
    [
      0.2,
      async (m) => {
        record(
          'oversized',
          await disruptive(m, 'oversized', (s) => s.emit('call:invite', { to: 'x'.repeat(1_100_000) })),
        );
      },
    ],
  ];
  const total = actions.reduce((sum, [w]) => sum + w, 0);
  const choose = () => {
    let r = Math.random() * total;
    for (const [w, act] of actions) if ((r -= w) < 0) return act;
    return actions.at(-1)?.[1] ?? wrongOrder;
  };

  await Promise.all(
    members.flatMap((m) =>
      Array.from({ length: o.inFlight ?? 4 }, async () => {
        while (take()) await choose()(m);
      }),
    ),
  );
  for (const m of members) m.socket.disconnect();
  return report;
}
