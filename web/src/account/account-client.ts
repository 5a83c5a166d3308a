/** The accounts REST API, typed by the shared schemas. The session itself is an httpOnly cookie. */
import {
  AccountReplySchema,
  ErrorCode,
  type Account,
  type ErrorReply,
  type SignInRequest,
  type SignUpRequest,
} from '@softphone/sfu/protocol';

/** `offline`: the server could not be reached at all (no network, or the server is down). */
export type AccountResult =
  { ok: true; account: Account } | { ok: false; code: ErrorCode | 'offline'; message: string };

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<AccountResult> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, code: 'offline', message: 'the server cannot be reached' };
  }
  const json: unknown = await res.json().catch(() => null);
  if (res.ok) {
    const parsed = AccountReplySchema.safeParse(json);
    if (parsed.success) return { ok: true, account: parsed.data.account };
  }
  const error = (json as ErrorReply | null)?.error;
  return {
    ok: false,
    code: error?.code ?? ErrorCode.Internal,
    message: error?.message ?? `server error ${res.status}`,
  };
}

export const accountClient = {
  me: () => call('GET', '/api/me'),
  signUp: (req: SignUpRequest) => call('POST', '/api/signup', req),
  signIn: (req: SignInRequest) => call('POST', '/api/signin', req),
  async signOut(): Promise<void> {
    await fetch('/api/signout', { method: 'POST', credentials: 'same-origin' }).catch(() => undefined);
  },
};
