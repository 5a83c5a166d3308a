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

/** What the page's session needs from the accounts API (sign-in state lives in the cookie). */
export interface AccountClient {
  me(): Promise<AccountResult>;
  signUp(req: SignUpRequest): Promise<AccountResult>;
  signIn(req: SignInRequest): Promise<AccountResult>;
  signOut(): Promise<void>;
}

export interface AccountClientOptions {
  /** Where the API is: empty for the page's own origin. */
  baseUrl?: string;
  /** The browser's fetch sends the session cookie itself; in Node, one that keeps a cookie jar. */
  fetch?: typeof fetch;
}

export function createAccountClient({
  baseUrl = '',
  fetch: send = (...args) => fetch(...args),
}: AccountClientOptions = {}): AccountClient {
  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<AccountResult> {
    let res: Response;
    try {
      res = await send(baseUrl + path, {
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
  return {
    me: () => call('GET', '/api/me'),
    signUp: (req) => call('POST', '/api/signup', req),
    signIn: (req) => call('POST', '/api/signin', req),
    async signOut() {
      await send(baseUrl + '/api/signout', { method: 'POST', credentials: 'same-origin' }).catch(
        () => undefined,
      );
    },
  };
}
