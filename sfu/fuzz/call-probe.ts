/**
 * Two ordinary clients placing calls one after another while the fuzz runs: invite → incoming →
 * ringing → answered → hung up → ended on both sides, each step waited for. At signalling level
 * only: media goes through the SFU, which is being replaced (issue 11 leaves the media half of this
 * check to the mediasoup work).
 */
import crypto from 'node:crypto';
import { setTimeout as pause } from 'node:timers/promises';
import { io, type Socket } from 'socket.io-client';

export interface ProbeReport {
  calls: number;
  failures: string[];
  /** Invite sent → ended seen by both, per call. */
  durationsMs: number[];
  /** Invites refused as `rate-limited` (the server's per-caller limit); the probe waits as told. */
  rateLimited: number;
}

/** An invite refused by the server's invite limits: not a failure; retry after this long. */
class RateLimited extends Error {
  constructor(readonly retryAfterMs: number) {
    super('rate-limited');
  }
}

async function party(url: string, name: string): Promise<{ socket: Socket; id: string }> {
  const username = `p${crypto.randomBytes(6).toString('hex')}`;
  const res = await fetch(`${url}/api/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `192.0.2.${name.length}` },
    body: JSON.stringify({ username, password: 'probe probe probe', displayName: name }),
  });
  if (res.status !== 201) throw new Error(`probe sign-up failed: ${res.status}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const socket = io(url, {
    auth: { deviceId: crypto.randomUUID(), deviceLabel: name },
    extraHeaders: { cookie },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    rejectUnauthorized: false,
  });
  const id = await new Promise<string>((resolve, reject) => {
    socket.once('session:welcome', (w: { self: { id: string } }) => resolve(w.self.id));
    socket.once('connect_error', reject);
  });
  return { socket, id };
}

const next = <T>(s: Socket, event: string, ms: number, match: (p: T) => boolean = () => true): Promise<T> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.off(event, on);
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    const on = (p: T) => {
      if (!match(p)) return;
      clearTimeout(timer);
      s.off(event, on);
      resolve(p);
    };
    s.on(event, on);
  });

export interface CallProbe {
  /** Stops after the call in progress and reports. */
  stop(): Promise<ProbeReport>;
}

export async function startCallProbe(url: string, stepTimeoutMs = 5_000): Promise<CallProbe> {
  const [a, b] = await Promise.all([party(url, 'Probe caller'), party(url, 'Probe callee')]);
  const report: ProbeReport = { calls: 0, failures: [], durationsMs: [], rateLimited: 0 };
  let running = true;
  const stopping = new AbortController();
  const one = async () => {
    const started = performance.now();
    const ack = async (s: Socket, event: string, payload: unknown) => {
      const res = (await s.timeout(stepTimeoutMs).emitWithAck(event, payload)) as {
        ok: boolean;
        data?: { callId?: string };
        error?: { code?: string; retryAfterMs?: number };
      };
      if (!res.ok && res.error?.code === 'rate-limited')
        throw new RateLimited(res.error.retryAfterMs ?? 1_000);
      if (!res.ok) throw new Error(`${event} refused: ${JSON.stringify(res.error)}`);
      return res.data;
    };
    const incoming = next<{ callId: string }>(b.socket, 'call:incoming', stepTimeoutMs);
    // A refused invite leaves it waiting in vain: its timeout is then nobody's failure.
    incoming.catch(() => undefined);
    const callId = (await ack(a.socket, 'call:invite', { to: b.id }))?.callId ?? '';
    await incoming;
    const state = (want: string) =>
      next<{ callId: string; state: string }>(
        a.socket,
        'call:state',
        stepTimeoutMs,
        (p) => p.callId === callId && p.state === want,
      );
    const ringing = state('ringing');
    await ack(b.socket, 'call:ringing', { callId });
    await ringing;
    const answered = state('answered');
    await ack(b.socket, 'call:answer', { callId });
    await answered;
    const ended = (s: Socket) =>
      next<{ callId: string }>(s, 'call:ended', stepTimeoutMs, (p) => p.callId === callId);
    const endedBoth = Promise.all([ended(a.socket), ended(b.socket)]);
    await ack(a.socket, 'call:hangup', { callId });
    await endedBoth;
    report.durationsMs.push(performance.now() - started);
  };
  const loop = (async () => {
    while (running) {
      report.calls++;
      try {
        await one();
      } catch (err) {
        if (err instanceof RateLimited) {
          report.rateLimited++;
          report.calls--;
          // As a client should: wait as told (or until stopped) and call again.
          await pause(err.retryAfterMs, undefined, { signal: stopping.signal }).catch(() => undefined);
          continue;
        }
        report.failures.push(`call ${report.calls}: ${(err as Error).message}`);
      }
      // Pacing, not waiting for anything: the probe is a caller, not a load of its own.
      await pause(100);
    }
  })();
  return {
    async stop() {
      running = false;
      stopping.abort();
      await loop;
      a.socket.disconnect();
      b.socket.disconnect();
      return report;
    },
  };
}
