/**
 * The one rule for a test that needs something of the machine (root for network namespaces, coturn,
 * nftables, a C compiler, a Debian -dev package): on a developer's machine without it the test is
 * skipped, saying why; in CI (`CI=true`, set by every CI service and by `.ci/run`'s callers) it fails
 * with the same reason, because a green CI run must mean every suite ran.
 */

/** Thrown in CI where a test would otherwise be skipped for want of something the machine lacks. */
export class MissingInCiError extends Error {
  override name = 'MissingInCiError';
}

export const inCi = (env: NodeJS.ProcessEnv = process.env): boolean => env.CI === 'true';

/**
 * For node:test's `skip` option (a suite's or a test's) or `t.skip(…)`: `reason` is why this machine
 * cannot run it, or null/undefined/false when it can. Returns false (run it) when nothing is missing;
 * outside CI the reason (skip, saying why); in CI it throws `MissingInCiError` with the reason, so the
 * file, suite or test fails instead of passing by being skipped.
 */
export function environmentSkip(
  reason: string | null | undefined | false,
  env: NodeJS.ProcessEnv = process.env,
): string | false {
  if (!reason) return false;
  if (inCi(env)) throw new MissingInCiError(`CI=true and this machine cannot run it: ${reason}`);
  return reason;
}
