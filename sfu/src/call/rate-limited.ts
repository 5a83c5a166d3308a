/**
 * The one place a `rate-limiter-flexible` refusal becomes the protocol's `rate-limited` error, with
 * when to retry (the invite and media limits both use it).
 */
import { RateLimiterRes } from 'rate-limiter-flexible';
import { ErrorCode } from '../protocol/index.ts';
import { CallError } from './call-error.ts';

/** Awaits the limiter's `consume`; its refusal (a RateLimiterRes) is thrown as `rate-limited`. */
export async function refuseWhenLimited(consuming: Promise<RateLimiterRes>, message: string): Promise<void> {
  try {
    await consuming;
  } catch (res) {
    if (!(res instanceof RateLimiterRes)) throw res;
    const retryAfterMs = Math.max(Math.ceil(res.msBeforeNext), 1);
    throw new CallError(
      ErrorCode.RateLimited,
      `${message}; try again in ${Math.ceil(retryAfterMs / 1000)} s`,
      retryAfterMs,
    );
  }
}
