/**
 * The typed socket.io connection to the server. Requests go through {@link SignallingClient.request}
 * (ack with timeout → `Ack<T>`); server events are validated against the shared schemas before
 * anyone sees them.
 */
import { io, type Socket } from 'socket.io-client';
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

type Listener<K extends ServerEventName> = (payload: ServerEventPayload<K>) => void;

export interface ConnectionEvents {
  connected: () => void;
  /** The server refused the handshake (bad name) or the connection dropped for good. */
  refused: (error: HandshakeErrorData) => void;
  disconnected: (reason: string) => void;
}

export class SignallingClient {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;

  constructor(url: string, auth: HandshakeAuth, events: ConnectionEvents) {
    this.socket = io(url, { auth, transports: ['websocket'], autoConnect: false, withCredentials: true });
    this.socket.on('connect', events.connected);
    this.socket.on('disconnect', (reason) => events.disconnected(reason));
    this.socket.on('connect_error', (err: Error & { data?: HandshakeErrorData }) => {
      if (err.data?.code) events.refused(err.data);
    });
  }

  connect(): void {
    this.socket.connect();
  }

  close(): void {
    this.socket.disconnect();
  }

  /** Listens to a server event (validated); returns the function that stops listening. */
  on<K extends ServerEventName>(event: K, listener: Listener<K>): () => void {
    const schema = serverEvents[event];
    const socket = this.socket as unknown as {
      on(ev: string, fn: (raw: unknown) => void): void;
      off(ev: string, fn: (raw: unknown) => void): void;
    };
    const handler = (raw: unknown) => {
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        console.warn(`dropped malformed ${event}`, parsed.error.issues);
        return;
      }
      listener(parsed.data as ServerEventPayload<K>);
    };
    socket.on(event, handler);
    return () => socket.off(event, handler);
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
