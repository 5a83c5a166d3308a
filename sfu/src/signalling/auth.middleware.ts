/**
 * Admits a connection once it has introduced itself with a valid display name (accounts come with
 * issue 3). A refused connection gets `connect_error` with `err.data = { code, message }`.
 */
import crypto from 'node:crypto';
import { ErrorCode, HandshakeAuthSchema, type HandshakeErrorData } from '../protocol/index.ts';
import type { AppSocket } from './types.ts';

export function authMiddleware(socket: AppSocket, next: (err?: Error) => void): void {
  const parsed = HandshakeAuthSchema.safeParse(socket.handshake.auth);
  if (!parsed.success) {
    const err = new Error('unauthenticated') as Error & { data: HandshakeErrorData };
    err.data = {
      code: ErrorCode.Unauthenticated,
      message: parsed.error.issues[0]?.message ?? 'a display name is required',
    };
    next(err);
    return;
  }
  socket.data.user = { id: crypto.randomUUID(), displayName: parsed.data.displayName };
  next();
}
