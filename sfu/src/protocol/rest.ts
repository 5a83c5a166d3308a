/** The REST contract for accounts (`/api/*`): request bodies validated on the server, replies typed. */
import { z } from 'zod/mini';
import { CallIdSchema, DisplayNameSchema, UserIdSchema } from './call.ts';
import type { ErrorCode } from './errors.ts';

export const UsernameSchema = z
  .string()
  .check(
    z.trim(),
    z.minLength(3, 'at least 3 characters'),
    z.maxLength(32, 'at most 32 characters'),
    z.regex(/^[a-zA-Z0-9._-]+$/, 'letters, digits, dot, dash and underscore only'),
  );

export const PasswordSchema = z
  .string()
  .check(z.minLength(8, 'at least 8 characters'), z.maxLength(200, 'at most 200 characters'));

export const SignUpRequestSchema = z.strictObject({
  username: UsernameSchema,
  password: PasswordSchema,
  displayName: DisplayNameSchema,
});
export type SignUpRequest = z.infer<typeof SignUpRequestSchema>;

export const SignInRequestSchema = z.strictObject({
  username: z.string().check(z.trim(), z.minLength(1), z.maxLength(64)),
  password: z.string().check(z.minLength(1), z.maxLength(200)),
});
export type SignInRequest = z.infer<typeof SignInRequestSchema>;

/** `POST /api/password`: ends every other session of the account. */
export const ChangePasswordRequestSchema = z.strictObject({
  currentPassword: z.string().check(z.minLength(1), z.maxLength(200)),
  newPassword: PasswordSchema,
});
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequestSchema>;

export const AccountSchema = z.object({ id: UserIdSchema, username: z.string(), displayName: z.string() });
export type Account = z.infer<typeof AccountSchema>;

/** 200 reply of sign-up, sign-in and `GET /api/me`. */
export const AccountReplySchema = z.object({ account: AccountSchema });
export type AccountReply = z.infer<typeof AccountReplySchema>;

/**
 * `POST /api/calls/shown`: the service worker showed an incoming-call notification from a Web Push.
 * It is the browser's "the call is ringing on a device" (a shell's `call:reported`), sent without
 * a socket: the page may not be open.
 */
export const CallShownRequestSchema = z.strictObject({ callId: CallIdSchema });
export type CallShownRequest = z.infer<typeof CallShownRequestSchema>;

/** Every non-2xx reply. */
export interface ErrorReply {
  error: { code: ErrorCode; message: string };
}

/** The httpOnly cookie carrying the session token. */
export const SESSION_COOKIE = 'sp_session';
