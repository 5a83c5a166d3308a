/**
 * The typed socket.io connection to the server. Requests go through {@link SignallingClient.request}
 * (ack with timeout → `Ack<T>`); server events are validated against the shared schemas before
 * anyone sees them. The page's controllers see it only as a {@link SignallingTransport}, so they
 * run in Node with the same client (given the session cookie as a header, which a browser sends itself).
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import {
  ErrorCode,
  serverEvents,
  type Ack,
  type ClientToServerEvents,
  type HandshakeAuth,
  type HandshakeErrorData,
  type RequestName,
  type RequestPayload,
  type RequestResult,
  type ServerEventName,
  type ServerEventPayload,
  type ServerToClientEvents,
} from '@softphone/sfu/protocol';

const REQUEST_TIMEOUT_MS = 10_000;

export type ServerEventListener<K extends ServerEventName> = (payload: ServerEventPayload<K>) => void;

export interface ConnectionEvents {
  connected: () => void;
  /** The server refused the handshake (bad name) or the connection dropped for good. */
  refused: (error: HandshakeErrorData) => void;
  disconnected: (reason: string) => void;
}

/** One connection to the server, as the page's controllers use it. */
export interface SignallingTransport {
  /** The socket is connected now. */
  readonly connected: boolean;
  connect(): void;
  close(): void;
  on<K extends ServerEventName>(event: K, listener: ServerEventListener<K>): void;
  request<K extends RequestName>(event: K, payload: RequestPayload<K>): Promise<Ack<RequestResult<K>>>;
}

/** Opens a new connection that reports to `events` (one per sign-in). */
export type OpenSignalling = (events: ConnectionEvents) => SignallingTransport;

export class SignallingClient implements SignallingTransport {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;

  constructor(
    url: string,
    auth: HandshakeAuth,
    events: ConnectionEvents,
    /** Node only: the session cookie a browser would send by itself (`extraHeaders`). */
    extra: Partial<ManagerOptions & SocketOptions> = {},
  ) {
    this.socket = io(url, {
      auth,
      transports: ['websocket'],
      autoConnect: false,
      withCredentials: true,
      ...extra,
    });
    this.socket.on('connect', events.connected);
    this.socket.on('disconnect', (reason) => events.disconnected(reason));
    this.socket.on('connect_error', (err: Error & { data?: HandshakeErrorData }) => {
      if (err.data?.code) events.refused(err.data);
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  connect(): void {
    this.socket.connect();
  }

  close(): void {
    this.socket.disconnect();
  }

  on<K extends ServerEventName>(event: K, listener: ServerEventListener<K>): void {
    const schema = serverEvents[event];
    (this.socket as unknown as { on(ev: string, fn: (raw: unknown) => void): void }).on(event, (raw) => {
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        console.warn(`dropped malformed ${event}`, parsed.error.issues);
        return;
      }
      listener(parsed.data as ServerEventPayload<K>);
    });
  }

  async request<K extends RequestName>(event: K, payload: RequestPayload<K>): Promise<Ack<RequestResult<K>>> {
    try {
      const emit = this.socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck as unknown as (
        ev: K,
        p: RequestPayload<K>,
      ) => Promise<Ack<RequestResult<K>>>;
      return await emit.call(this.socket.timeout(REQUEST_TIMEOUT_MS), event, payload);
    } catch {
      return { ok: false, error: { code: ErrorCode.Internal, message: 'the server did not answer in time' } };
    }
  }
}
