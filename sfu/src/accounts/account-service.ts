/**
 * Sign-up, sign-in and sessions. A session token is 32 random bytes handed to the browser once
 * (in an httpOnly cookie); only its SHA-256 is stored. Sign-in failures are rate limited per
 * address and username, per username from any address (a guesser spread over many addresses), and
 * attempts per address, so guessing is slow and slow for everyone else; sign-ups per address, so
 * one client can't fill the database (or burn CPU on scrypt). The per-username limit is the
 * trade-off every lockout makes: someone who knows a username can keep its owner out of signing in
 * for up to its window (15 minutes), which is what makes guessing from a botnet hopeless.
 */
import crypto from 'node:crypto';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { memoryLimiter, type MakeLimiter } from '../call/rate-limiters.ts';
import {
  ErrorCode,
  SessionEndReason,
  type Account,
  type ChangePasswordRequest,
  type SignInRequest,
  type SignUpRequest,
} from '../protocol/index.ts';
import type { SessionsRepo } from '../store/sessions.repo.ts';
import type { UserRow, UsersRepo } from '../store/users.repo.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
/** Failed sign-ins one username takes from all addresses together in 15 minutes. */
export const USER_FAILURES_PER_15_MIN = 20;

export class AccountError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface SignedIn {
  account: Account;
  token: string;
}

const toAccount = (u: UserRow): Account => ({ id: u.id, username: u.username, displayName: u.displayName });
const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/** A live session: whose, and the hash its sockets are grouped by (never the token itself). */
export interface Session {
  account: Account;
  tokenHash: string;
  expiresAt: number;
}

/** Told when a session ends while it may have live connections. */
export type SessionEndedListener = (tokenHash: string, reason: SessionEndReason) => void;

export interface AccountLimits {
  /** Accounts one address may create per hour. */
  signUpsPerHour: number;
}

export class AccountService {
  /** Failed sign-ins per address and username. */
  private readonly failures: RateLimiterAbstract;
  /** Failed sign-ins per username, from any address; not cleared by a success (a guesser's tries stay counted). */
  private readonly userFailures: RateLimiterAbstract;
  /** Every sign-in attempt per address. */
  private readonly attempts: RateLimiterAbstract;
  /** Sign-ups per address. */
  private readonly signUps: RateLimiterAbstract;
  /** A hash to verify against when the username doesn't exist, so timing doesn't reveal it. */
  private readonly decoyHash = hashPassword(crypto.randomBytes(16).toString('hex'));
  private readonly endedListeners: SessionEndedListener[] = [];

  constructor(
    private readonly users: UsersRepo,
    private readonly sessions: SessionsRepo,
    limits: AccountLimits = { signUpsPerHour: 20 },
    /** The clock sessions expire by (tests move it). */
    private readonly now: () => number = Date.now,
    /** Where the limits count (in Redis across several nodes, so a guesser can't spread over them). */
    limiter: MakeLimiter = memoryLimiter,
  ) {
    this.failures = limiter('sign-in-failures', 5, 15 * 60);
    this.userFailures = limiter('sign-in-user-failures', USER_FAILURES_PER_15_MIN, 15 * 60);
    this.attempts = limiter('sign-in-attempts', 30, 15 * 60);
    this.signUps = limiter('sign-ups', limits.signUpsPerHour, 3600);
  }

  async signUp(req: SignUpRequest, address: string): Promise<SignedIn> {
    await this.consume(this.signUps, address);
    const user: UserRow = {
      id: crypto.randomUUID(),
      username: req.username,
      displayName: req.displayName,
      passwordHash: await hashPassword(req.password),
      createdAt: Date.now(),
    };
    if (!(await this.users.create(user)))
      throw new AccountError(ErrorCode.UsernameTaken, 'that username is taken');
    return { account: toAccount(user), token: await this.newSession(user.id) };
  }

  async signIn(req: SignInRequest, address: string): Promise<SignedIn> {
    const username = req.username.toLowerCase();
    const failureKey = `${address}|${username}`;
    await this.consume(this.attempts, address);
    for (const [limiter, key] of [
      [this.failures, failureKey],
      [this.userFailures, username],
    ] as const) {
      const previous = await limiter.get(key);
      if (previous && previous.remainingPoints <= 0) throw this.limited(previous);
    }

    const user = await this.users.byUsername(req.username);
    const ok = await verifyPassword(req.password, user?.passwordHash ?? (await this.decoyHash));
    if (!user || !ok) {
      await this.userFailures.penalty(username);
      await this.consume(this.failures, failureKey);
      throw new AccountError(ErrorCode.BadCredentials, 'wrong username or password');
    }
    await this.failures.delete(failureKey);
    return { account: toAccount(user), token: await this.newSession(user.id) };
  }

  /** Whoever holds a session's connections (the signalling server) disconnects them when it ends. */
  onSessionEnded(listener: SessionEndedListener): void {
    this.endedListeners.push(listener);
  }

  async signOut(token: string): Promise<void> {
    const tokenHash = hashToken(token);
    if (await this.sessions.delete(tokenHash)) this.ended([tokenHash], SessionEndReason.SignedOut);
  }

  /**
   * The periodic sweep: deletes expired sessions (nothing else ever would) and ends their live
   * connections, which were admitted while the session was valid. Returns how many ended.
   */
  async purgeExpired(): Promise<number> {
    const gone = await this.sessions.deleteExpired(this.now());
    this.ended(gone, SessionEndReason.Expired);
    return gone.length;
  }

  /**
   * A new password ends every other session of the account (a thief's included); the one that
   * changed it stays signed in.
   */
  async changePassword(token: string | undefined, req: ChangePasswordRequest): Promise<void> {
    const session = await this.session(token);
    if (!session) throw new AccountError(ErrorCode.Unauthenticated, 'not signed in');
    const failureKey = `password|${session.account.id}`;
    const previous = await this.failures.get(failureKey);
    if (previous && previous.remainingPoints <= 0) throw this.limited(previous);
    const user = await this.users.byId(session.account.id);
    if (!user || !(await verifyPassword(req.currentPassword, user.passwordHash))) {
      await this.consume(this.failures, failureKey);
      throw new AccountError(ErrorCode.BadCredentials, 'the current password is wrong');
    }
    await this.users.setPasswordHash(user.id, await hashPassword(req.newPassword));
    this.ended(
      await this.sessions.deleteOthers(user.id, session.tokenHash),
      SessionEndReason.PasswordChanged,
    );
  }

  async session(token: string | undefined): Promise<Session | undefined> {
    if (!token) return undefined;
    const tokenHash = hashToken(token);
    const row = await this.sessions.find(tokenHash, this.now());
    const user = row ? await this.users.byId(row.userId) : undefined;
    return row && user ? { account: toAccount(user), tokenHash, expiresAt: row.expiresAt } : undefined;
  }

  async accountForToken(token: string | undefined): Promise<Account | undefined> {
    return (await this.session(token))?.account;
  }

  private ended(tokenHashes: string[], reason: SessionEndReason): void {
    for (const h of tokenHashes) for (const listener of this.endedListeners) listener(h, reason);
  }

  private async newSession(userId: string): Promise<string> {
    const token = crypto.randomBytes(32).toString('base64url');
    await this.sessions.create(hashToken(token), userId, this.now() + SESSION_TTL_MS);
    return token;
  }

  private async consume(limiter: RateLimiterAbstract, key: string): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (res) {
      if (res instanceof RateLimiterRes) throw this.limited(res);
      throw res;
    }
  }

  private limited(res: RateLimiterRes): AccountError {
    const seconds = Math.ceil(res.msBeforeNext / 1000);
    return new AccountError(ErrorCode.RateLimited, `too many attempts; try again in ${seconds} s`, seconds);
  }
}
