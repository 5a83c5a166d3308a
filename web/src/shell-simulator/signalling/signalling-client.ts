/**
 * Models `ios-shell/Shell/Signalling/SignallingClient.swift`: the shell's own socket.io connection,
 * speaking as socket.io-client-swift 16.1.1 over Starscream 4.0.8 do, so that what the server does
 * with the real client happens here too.
 *
 * - The handshake: a page can't write `Origin` or any other handshake header, so the socket goes
 *   through the rig's Swift socket stand-in (`@softphone/test-support/starscream-handshake`), which
 *   re-issues the upgrade with Starscream's headers: its default `Origin: ws(s)://<host>`, or the
 *   page origin the Swift sets with `.extraHeaders` (asked for with `swiftExtraOrigin`, as here).
 *   Without a stand-in (a network topology run, where it can't be reached) the socket connects
 *   directly and the browser's own handshake is what the server sees.
 * - The transport: `.forceWebsockets(true)`, no polling.
 * - Reconnects: socket.io-client-swift's own loop, not socket.io-client's: a first attempt at once,
 *   then each after {@link reconnectInterval} (SocketManager.swift:485-533), for ever
 *   (`reconnectAttempts` -1), and again after a refused handshake.
 * - Requests: made while not connected they wait for the connection, each until its deadline
 *   (`SHELL_POLICY.queuedDeadlineMs`, then `offline`); a sent one whose ack does not come in
 *   `SHELL_POLICY.requestTimeoutMs` (or its own timeout) is `no-ack` (`timingOut(after:)`'s "NO ACK").
 */
import { io, type Socket } from 'socket.io-client';
import {
  serverEvents,
  type Ack,
  type ClientToServerEvents,
  type HandshakeErrorData,
  type RequestName,
  type RequestPayload,
  type RequestResult,
  type ServerEventName,
  type ServerEventPayload,
  type ServerToClientEvents,
} from '@softphone/sfu/protocol';
import { SHELL_POLICY } from '../shell-policy.ts';
import type { DeviceIdentity } from './session-credentials.ts';

/**
 * socket.io-client-swift's `randomizationFactor`, left at the library's default by the Swift
 * (SocketManager.swift:107); the waits themselves are the policy table's.
 */
const RANDOMIZATION_FACTOR = 0.5;

/** The query key the Swift socket stand-in reads for `.extraHeaders`' Origin (its EXTRA_ORIGIN_PARAM). */
const EXTRA_ORIGIN_PARAM = 'swiftExtraOrigin';

/**
 * socket.io-client-swift v16.1.1 `SocketManager.reconnectInterval(attempts:)` (SocketManager.swift:523-533),
 * in ms: `wait × 1.5^attempts`, plus up to `randomizationFactor` of that, clamped to [wait, waitMax].
 */
export function reconnectInterval(
  attempts: number,
  o: { waitMs: number; waitMaxMs: number; randomizationFactor: number } = {
    waitMs: SHELL_POLICY.reconnectWaitMs.value,
    waitMaxMs: SHELL_POLICY.reconnectWaitMaxMs.value,
    randomizationFactor: RANDOMIZATION_FACTOR,
  },
  rand: number = Math.random(),
): number {
  const interval = o.waitMs * 1.5 ** attempts;
  const combined = interval + rand * o.randomizationFactor * interval;
  return Math.max(o.waitMs, Math.min(combined, o.waitMaxMs));
}

/** What a shell request settles with: the server's Ack, or the shell's own two failures. */
export type ShellAck<T> = Ack<T> | { ok: false; error: { code: 'offline' | 'no-ack'; message: string } };

export interface SignallingClientDelegate {
  connected(): void;
  disconnected(why: string): void;
  /** The server refused the connection (`connect_error` with its typed data). */
  refused(error: HandshakeErrorData): void;
}

/** Where the socket connects: the stand-in (or the server), and the page's origin for `.extraHeaders`. */
export interface ShellSocketRoute {
  url: string;
  pageOrigin: string;
}

interface Waiting {
  send(): void;
  fail(): void;
  deadline: ReturnType<typeof setTimeout>;
}

export class SignallingClient {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private waiting: Waiting[] = [];
  private reconnectAttempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(
    route: ShellSocketRoute,
    identity: DeviceIdentity,
    private readonly delegate: SignallingClientDelegate,
  ) {
    this.socket = io(route.url, {
      auth: { deviceId: identity.deviceId, deviceLabel: identity.deviceLabel },
      transports: ['websocket'],
      query: { [EXTRA_ORIGIN_PARAM]: route.pageOrigin },
      withCredentials: true,
      autoConnect: false,
      reconnection: false,
      forceNew: true,
    });
    this.socket.on('connect', () => {
      this.reconnectAttempt = 0;
      if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
      const ready = this.waiting;
      this.waiting = [];
      for (const w of ready) {
        clearTimeout(w.deadline);
        w.send();
      }
      delegate.connected();
    });
    this.socket.on('disconnect', (why) => {
      delegate.disconnected(why);
      if (why !== 'io client disconnect') this.tryReconnect();
    });
    this.socket.on('connect_error', (err: Error & { data?: HandshakeErrorData }) => {
      if (err.data?.code) {
        this.close();
        delegate.refused(err.data);
        return;
      }
      this.tryReconnect();
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  connect(): void {
    this.socket.connect();
  }

  /** Closes the socket; requests still waiting fail as offline. */
  close(): void {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.socket.disconnect();
    const abandoned = this.waiting;
    this.waiting = [];
    for (const w of abandoned) {
      clearTimeout(w.deadline);
      w.fail();
    }
  }

  on<K extends ServerEventName>(event: K, listener: (payload: ServerEventPayload<K>) => void): void {
    const schema = serverEvents[event];
    (this.socket as unknown as { on(ev: string, fn: (raw: unknown) => void): void }).on(event, (raw) => {
      const parsed = schema.safeParse(raw);
      if (parsed.success) listener(parsed.data as ServerEventPayload<K>);
    });
  }

  request<K extends RequestName>(
    event: K,
    payload: RequestPayload<K>,
    timeoutMs: number = SHELL_POLICY.requestTimeoutMs.value,
  ): Promise<ShellAck<RequestResult<K>>> {
    return new Promise((resolve) => {
      const send = () => {
        const timed = this.socket.timeout(timeoutMs) as unknown as {
          emit(
            ev: K,
            p: RequestPayload<K>,
            ack: (err: Error | null, res: Ack<RequestResult<K>>) => void,
          ): void;
        };
        timed.emit(event, payload, (err, res) =>
          resolve(
            err
              ? { ok: false, error: { code: 'no-ack', message: 'the server did not answer in time' } }
              : res,
          ),
        );
      };
      if (this.socket.connected) {
        send();
        return;
      }
      const fail = () =>
        resolve({ ok: false, error: { code: 'offline', message: 'the shell could not reach the server' } });
      const waiting: Waiting = {
        send,
        fail,
        deadline: setTimeout(() => {
          this.waiting = this.waiting.filter((w) => w !== waiting);
          fail();
        }, SHELL_POLICY.queuedDeadlineMs.value),
      };
      this.waiting.push(waiting);
    });
  }

  /**
   * `SocketManager._tryReconnect` (SocketManager.swift:500-521): connect now, and try again after
   * the backoff unless connected by then.
   */
  private tryReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const attempt = () => {
      this.reconnectTimer = null;
      if (this.closed || this.socket.connected) return;
      this.reconnectAttempt += 1;
      this.socket.connect();
      this.reconnectTimer = setTimeout(attempt, reconnectInterval(this.reconnectAttempt));
    };
    attempt();
  }
}
