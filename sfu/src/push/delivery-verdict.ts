/**
 * Pure maps from a push service's answer to what the sender does next, and the retry delay. Kept
 * apart from the I/O so every documented status has a table test.
 *
 * APNs statuses and reasons: Apple, "Handling error responses from APNs" (summarised in
 * shared/docs/voip-log-signatures.md §4.3). Web Push: RFC 8030 §5–§8 and RFC 8292.
 */

export type Verdict =
  | { action: 'accepted' }
  /** Transient (429, 5xx, a lost connection): try again after a backoff. */
  | { action: 'retry' }
  /** The provider token is stale: refresh it (if the 20-minute rule allows) and try again at once. */
  | { action: 'refresh-token' }
  /** The device address is dead: delete the registration, never send to it again. */
  | { action: 'drop-address' }
  /** A refusal that retrying cannot fix (our request, topic or key is wrong). */
  | { action: 'give-up' };

export function apnsVerdict(status: number, reason: string | undefined): Verdict {
  if (status === 200) return { action: 'accepted' };
  if (status === 410) return { action: 'drop-address' };
  // The environment is the one the device itself reported with the token, so BadDeviceToken
  // means the token is dead, not that our host is wrong.
  if (status === 400 && (reason === 'BadDeviceToken' || reason === 'DeviceTokenNotForTopic')) {
    return { action: 'drop-address' };
  }
  if (status === 403 && reason === 'ExpiredProviderToken') return { action: 'refresh-token' };
  if (status === 429 || status >= 500) return { action: 'retry' };
  return { action: 'give-up' };
}

export function webPushVerdict(status: number): Verdict {
  if (status >= 200 && status < 300) return { action: 'accepted' };
  // RFC 8030 §7.3: the subscription expired or was removed.
  if (status === 404 || status === 410) return { action: 'drop-address' };
  if (status === 429 || status >= 500) return { action: 'retry' };
  return { action: 'give-up' };
}

/**
 * Exponential backoff with "equal jitter" (uniform in [cap/2, cap]): it always waits, and a burst of
 * retries after a 503 does not come back as one burst. `attempt` counts from 1 (the first retry).
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const cap = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(cap / 2 + (cap / 2) * random());
}
