import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, Peer, ServerToClientEvents } from '../protocol/index.ts';

export interface SocketData {
  user: Peer;
  deviceId: string;
  /** The SHA-256 of the session token it was admitted with: its sockets leave when the session ends. */
  session: string;
  /** Set when its session ended and the server is closing it. */
  sessionEnded?: boolean;
}

export type AppServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
