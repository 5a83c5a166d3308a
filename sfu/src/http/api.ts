/**
 * The REST edge (`/api/*`): JSON in, zod-validated, JSON out with the same error codes as the
 * socket. Only `application/json` bodies are accepted, which keeps cross-site forms out, and every
 * call that changes state passes the origin policy, which keeps other sites' scripts out.
 */
import type http from 'node:http';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';
import type { z } from 'zod/mini';
import '../validation-messages.ts';
import { AccountError, SESSION_TTL_MS, type AccountService } from '../accounts/account-service.ts';
import { CallError } from '../call/call-error.ts';
import type { CallService } from '../call/call-service.ts';
import type { Logger } from '../log.ts';
import { checkOrigin } from './origin-policy.ts';
import type { RequestView } from './proxy-trust.ts';
import { qualityReport, recentOneWay } from '../quality/report.ts';
import type { QualityRepo } from '../store/quality.repo.ts';
import {
  CallShownRequestSchema,
  ChangePasswordRequestSchema,
  ErrorCode,
  SESSION_COOKIE,
  SignInRequestSchema,
  QualityQuerySchema,
  SignUpRequestSchema,
  type Account,
  type AccountReply,
  type ErrorReply,
  type QualityReport,
  type RecentOneWayReply,
} from '../protocol/index.ts';

const MAX_BODY = 16 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.CallNotFound]: 404,
  [ErrorCode.NotParticipant]: 403,
  [ErrorCode.CallNoLongerAvailable]: 410,
  [ErrorCode.UsernameTaken]: 409,
  [ErrorCode.BadCredentials]: 401,
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.ForbiddenOrigin]: 403,
  [ErrorCode.NotOperator]: 403,
};

export interface QualityApiDeps {
  repo: QualityRepo;
  /** Usernames who may read the rates (compared as usernames are: ASCII case folded). */
  operators: string[];
}

/** How many one-way calls `GET /api/quality/recent-one-way` lists. */
const RECENT_ONE_WAY = 50;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function sessionTokenOf(req: http.IncomingMessage): string | undefined {
  return parseCookie(req.headers.cookie ?? '')[SESSION_COOKIE];
}

function sessionCookie(secure: boolean, token: string, maxAgeMs: number): string {
  return serializeCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: Math.floor(maxAgeMs / 1000),
  });
}

function readQuery<T>(req: http.IncomingMessage, schema: z.ZodMiniType<T>): T {
  const params = new URL(req.url ?? '', 'http://query').searchParams;
  return checked(Object.fromEntries(params), schema);
}

function checked<T>(body: unknown, schema: z.ZodMiniType<T>): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new HttpError(
      400,
      ErrorCode.InvalidPayload,
      first ? `${first.path.join('.') || 'body'}: ${first.message}` : 'invalid',
    );
  }
  return parsed.data;
}

async function readJson<T>(req: http.IncomingMessage, schema: z.ZodMiniType<T>): Promise<T> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new HttpError(415, ErrorCode.InvalidPayload, 'expected application/json');
  }
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, ErrorCode.InvalidPayload, 'request too large');
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, ErrorCode.InvalidPayload, 'malformed JSON');
  }
  return checked(body, schema);
}

function reply(
  res: http.ServerResponse,
  status: number,
  body: AccountReply | ErrorReply | QualityReport | RecentOneWayReply | Record<string, never>,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

export function createApi(
  accounts: AccountService,
  calls: CallService,
  quality: QualityApiDeps,
  view: RequestView,
  log: Logger,
) {
  const foldCase = (username: string) => username.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const operators = new Set(quality.operators.map(foldCase));
  /** The signed-in operator, or 401 signed out / 403 anyone else. */
  const operator = async (req: http.IncomingMessage): Promise<Account> => {
    const account = await accounts.accountForToken(sessionTokenOf(req));
    if (!account) throw new HttpError(401, ErrorCode.Unauthenticated, 'not signed in');
    if (!operators.has(foldCase(account.username)))
      throw new HttpError(
        403,
        ErrorCode.NotOperator,
        'the quality rates are for operators (QUALITY_OPERATORS)',
      );
    return account;
  };
  const sessionCookieFor = (req: http.IncomingMessage, token: string, maxAgeMs: number) =>
    sessionCookie(view.protocol(req) === 'https', token, maxAgeMs);
  const routes: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>> = {
    'POST /api/signup': async (req, res) => {
      const body = await readJson(req, SignUpRequestSchema);
      const signed = await accounts.signUp(body, view.clientAddress(req));
      log.info({ user: signed.account.id }, 'signed up');
      reply(
        res,
        201,
        { account: signed.account },
        { 'set-cookie': sessionCookieFor(req, signed.token, SESSION_TTL_MS) },
      );
    },
    'POST /api/signin': async (req, res) => {
      const body = await readJson(req, SignInRequestSchema);
      const signed = await accounts.signIn(body, view.clientAddress(req));
      log.info({ user: signed.account.id }, 'signed in');
      reply(
        res,
        200,
        { account: signed.account },
        { 'set-cookie': sessionCookieFor(req, signed.token, SESSION_TTL_MS) },
      );
    },
    'POST /api/signout': async (req, res) => {
      const token = sessionTokenOf(req);
      if (token) await accounts.signOut(token);
      reply(res, 200, {}, { 'set-cookie': sessionCookieFor(req, '', 0) });
    },
    'POST /api/password': async (req, res) => {
      const body = await readJson(req, ChangePasswordRequestSchema);
      await accounts.changePassword(sessionTokenOf(req), body);
      reply(res, 200, {});
    },
    'POST /api/calls/shown': async (req, res) => {
      const account = await accounts.accountForToken(sessionTokenOf(req));
      if (!account) throw new HttpError(401, ErrorCode.Unauthenticated, 'not signed in');
      const { callId } = await readJson(req, CallShownRequestSchema);
      try {
        await calls.notificationShown(account.id, callId);
      } catch (err) {
        if (err instanceof CallError) throw new HttpError(STATUS[err.code] ?? 409, err.code, err.message);
        throw err;
      }
      reply(res, 200, {});
    },
    'GET /api/quality': async (req, res) => {
      await operator(req);
      const query = readQuery(req, QualityQuerySchema);
      reply(res, 200, await qualityReport(quality.repo, query, Date.now()));
    },
    'GET /api/quality/recent-one-way': async (req, res) => {
      await operator(req);
      reply(res, 200, { calls: await recentOneWay(quality.repo, RECENT_ONE_WAY) });
    },
    'GET /api/me': async (req, res) => {
      const account = await accounts.accountForToken(sessionTokenOf(req));
      if (!account) throw new HttpError(401, ErrorCode.Unauthenticated, 'not signed in');
      reply(res, 200, { account });
    },
  };

  /** Handles `/api/*`; returns false for any other path. */
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (!path.startsWith('/api/')) return false;
    const route = routes[`${req.method} ${path}`];
    try {
      if (!route) throw new HttpError(404, ErrorCode.UnknownEvent, `no route ${req.method} ${path}`);
      if (!SAFE_METHODS.has(req.method ?? '')) {
        const origin = checkOrigin(req, view);
        if (!origin.ok) {
          log.warn(
            { path, ...origin },
            'request from another origin refused (behind a proxy? see TRUST_PROXY)',
          );
          throw new HttpError(403, ErrorCode.ForbiddenOrigin, 'requests from another site are not accepted');
        }
      }
      await route(req, res);
    } catch (err) {
      if (err instanceof HttpError)
        reply(res, err.status, { error: { code: err.code, message: err.message } });
      else if (err instanceof AccountError) {
        const headers: Record<string, string> = err.retryAfterSeconds
          ? { 'retry-after': String(err.retryAfterSeconds) }
          : {};
        if (err.code === ErrorCode.BadCredentials || err.code === ErrorCode.RateLimited)
          log.warn({ code: err.code, address: view.clientAddress(req), path }, 'refused');
        reply(res, STATUS[err.code] ?? 400, { error: { code: err.code, message: err.message } }, headers);
      } else {
        log.error({ err, path }, 'request failed');
        reply(res, 500, { error: { code: ErrorCode.Internal, message: 'an unexpected error occurred' } });
      }
    }
    return true;
  };
}
