/**
 * Admits a socket.io connection only with a live session cookie (set by `/api/signin`) and a device
 * id. A refused connection gets `connect_error` with `err.data = { code, message }`.
 */
import { parse as parseCookie } from 'cookie';
import type { AccountService } from '../accounts/account-service.ts';
import {
  ErrorCode,
  HandshakeAuthSchema,
  SESSION_COOKIE,
  type HandshakeErrorData,
} from '../protocol/index.ts';
import type { DevicesRepo } from '../store/devices.repo.ts';
import type { AppSocket } from './types.ts';

function refuse(next: (err?: Error) => void, message: string): void {
  const err = new Error('unauthenticated') as Error & { data: HandshakeErrorData };
  err.data = { code: ErrorCode.Unauthenticated, message };
  next(err);
}

export function createAuthMiddleware(accounts: AccountService, devices: DevicesRepo) {
  return async (socket: AppSocket, next: (err?: Error) => void): Promise<void> => {
    const token = parseCookie(socket.request.headers.cookie ?? '')[SESSION_COOKIE];
    const session = await accounts.session(token);
    if (!session) return refuse(next, 'not signed in');
    const { account } = session;
    const auth = HandshakeAuthSchema.safeParse(socket.handshake.auth);
    if (!auth.success) {
      const fields = [...new Set(auth.error.issues.map((i) => i.path.join('.') || 'auth'))].join(', ');
      return refuse(next, `a device id (UUID) and a device label are required; unusable: ${fields}`);
    }
    if (
      !(await devices.seen(
        { id: auth.data.deviceId, userId: account.id, label: auth.data.deviceLabel },
        Date.now(),
      ))
    ) {
      return refuse(next, 'that device belongs to another account');
    }
    socket.data.user = { id: account.id, displayName: account.displayName };
    socket.data.deviceId = auth.data.deviceId;
    socket.data.session = session.tokenHash;
    next();
  };
}
