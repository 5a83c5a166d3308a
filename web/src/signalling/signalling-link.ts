/**
 * The page's one way to the server, stable across sign-ins and reconnections: controllers register
 * their event listeners once, and each new {@link SignallingTransport} the session opens gets them.
 * Requests made while no connection is open fail like any refused request, so callers have one
 * path for "it didn't work".
 */
import {
  ErrorCode,
  type Ack,
  type RequestName,
  type RequestPayload,
  type RequestResult,
  type ServerEventName,
} from '@softphone/sfu/protocol';
import type { ServerEventListener, SignallingTransport } from './signalling-client.ts';

type Attach = (transport: SignallingTransport) => void;

export class SignallingLink {
  private transport: SignallingTransport | null = null;
  private readonly attachers: Attach[] = [];

  /** A connection is open (it may still be connecting or reconnecting). */
  get isOpen(): boolean {
    return this.transport !== null;
  }

  /** The connection is up now: a request goes out at once rather than waiting for a reconnect. */
  get isConnected(): boolean {
    return this.transport?.connected ?? false;
  }

  on<K extends ServerEventName>(event: K, listener: ServerEventListener<K>): void {
    const attach: Attach = (t) => t.on(event, listener);
    this.attachers.push(attach);
    if (this.transport) attach(this.transport);
  }

  request<K extends RequestName>(event: K, payload: RequestPayload<K>): Promise<Ack<RequestResult<K>>> {
    if (!this.transport) {
      return Promise.resolve({
        ok: false,
        error: { code: ErrorCode.Unauthenticated, message: 'not connected to the server' },
      });
    }
    return this.transport.request(event, payload);
  }

  /** Makes `transport` the connection (closing any previous one) and connects it. */
  open(transport: SignallingTransport): void {
    this.close();
    this.transport = transport;
    for (const attach of this.attachers) attach(transport);
    transport.connect();
  }

  close(): void {
    this.transport?.close();
    this.transport = null;
  }

  /** True if `transport` is the current connection (events from a closed one are stale). */
  isCurrent(transport: SignallingTransport): boolean {
    return this.transport === transport;
  }
}
