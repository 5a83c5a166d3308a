/**
 * VoIP pushes to the iOS shell through Apple's HTTP/2 provider API, with token (JWT) auth.
 *
 * Why our own sender on `node:http2` rather than `@parse/node-apn` 7.x (the maintained fork):
 * - node-apn regenerates the JWT at once on every 403 ExpiredProviderToken (up to twice per
 *   request) with no floor, so a clock problem turns into 429 TooManyProviderTokenUpdates; Apple's
 *   rule is "no more than once every 20 minutes" (apns-token.ts enforces it).
 * - It retries nothing else: 429 and 5xx come back as results, a GOAWAY as an error
 *   (parse-community/node-apn#140), so we would wrap it in the same retry loop anyway.
 * - Its `address` option does reach a local stand-in, but it then derives `production` from the
 *   host name; we choose the environment per token, explicitly, on every push.
 * - What remains — one POST with seven headers over a pooled HTTP/2 session and an ES256
 *   signature from node:crypto — is small, and it has no dependency to keep patched.
 *
 * Per push: `apns-push-type: voip`, topic `<bundleId>.voip`, priority 10 (deliver now), a short
 * `apns-expiration` (the call's own expiry: a late VoIP push rings for a call that is gone), and
 * our own `apns-id` (a UUID) so that Apple can trace a push we name. 429 / 5xx / lost connections
 * are retried with backoff while the call still rings (the caller's `ringing` signal: a cancelled
 * call's retry would ring the phone for nothing); every request is written to the push log.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../log.ts';
import {
  VOIP_PUSH_MAX_BYTES,
  VOIP_PUSH_VERSION,
  type ApsEnvironment,
  type VoipPushPayload,
} from '../protocol/index.ts';
import type { ProviderToken } from './apns-token.ts';
import { apnsVerdict, backoffMs } from './delivery-verdict.ts';
import { TransportError, type Http2Pool } from './http2-pool.ts';
import { tokenSuffix, type PushLog } from './push-log.ts';
import { untilRetry, type IncomingCall, type PushResult, type PushSender } from './push-sender.ts';

export const APNS_ORIGINS: Record<ApsEnvironment, string> = {
  sandbox: 'https://api.sandbox.push.apple.com',
  production: 'https://api.push.apple.com',
};

export interface VoipTarget {
  token: string;
  environment: ApsEnvironment;
  bundleId: string;
}

export interface ApnsVoipOptions {
  /** Where each environment's APNs is (Apple's hosts, or the stand-in's in tests). */
  origins: Record<ApsEnvironment, string>;
  token: ProviderToken;
  pool: Http2Pool;
  pushLog: PushLog;
  log: Logger;
  /** Tries per push, the first included. */
  maxAttempts?: number;
  backoff?: { baseMs: number; maxMs: number };
  /** Called when a request has been handed to the connection (the bench measures up to here). */
  onRequestWritten?: (callId: string, attempt: number) => void;
  now?: () => number;
  random?: () => number;
}

const ErrorBody = z.object({ reason: z.string().optional(), timestamp: z.number().optional() });

function parseError(body: string): z.infer<typeof ErrorBody> {
  try {
    const parsed = ErrorBody.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

export class ApnsVoipSender implements PushSender<VoipTarget> {
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly maxAttempts: number;
  private readonly backoff: { baseMs: number; maxMs: number };

  constructor(private readonly o: ApnsVoipOptions) {
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
    this.maxAttempts = o.maxAttempts ?? 4;
    this.backoff = o.backoff ?? { baseMs: 250, maxMs: 2_000 };
  }

  async sendIncomingCall(target: VoipTarget, call: IncomingCall, ringing: AbortSignal): Promise<PushResult> {
    const id = crypto.randomUUID();
    // No `aps` dictionary: a VoIP push shows nothing by itself, the shell reports the call to CallKit.
    const payload: VoipPushPayload = {
      v: VOIP_PUSH_VERSION,
      callId: call.callId,
      caller: call.caller,
      sentAt: call.sentAt,
      expiresAt: call.expiresAt,
      ringTimeoutMs: call.ringTimeoutMs,
    };
    const body = JSON.stringify(payload);
    const log = this.o.log.child({ callId: call.callId, apnsId: id, env: target.environment });
    if (Buffer.byteLength(body) > VOIP_PUSH_MAX_BYTES) {
      log.error({ bytes: Buffer.byteLength(body) }, 'VoIP payload over 5 KB: not sent');
      return { outcome: 'failed', id, attempts: 0, reason: 'PayloadTooLarge' };
    }
    for (let attempt = 1; ; attempt++) {
      const jwt = this.o.token.current();
      const headers = {
        authorization: `bearer ${jwt}`,
        'apns-push-type': 'voip',
        'apns-topic': `${target.bundleId}.voip`,
        'apns-priority': '10',
        'apns-expiration': String(Math.floor(call.expiresAt / 1000)),
        'apns-id': id,
        'content-type': 'application/json',
      };
      const started = this.now();
      let sentAt = started;
      let status = 0;
      let reason: string | undefined;
      let unregisteredAt: number | undefined;
      try {
        const res = await this.o.pool.post(
          this.o.origins[target.environment],
          `/3/device/${target.token}`,
          headers,
          body,
          () => {
            sentAt = this.now();
            this.o.onRequestWritten?.(call.callId, attempt);
          },
        );
        status = res.status;
        if (status !== 200) ({ reason, timestamp: unregisteredAt } = parseError(res.body));
      } catch (err) {
        if (!(err instanceof TransportError)) throw err;
        reason = err.code;
      }
      this.o.pushLog.record({
        'apns-id': id,
        callId: call.callId,
        sentAt: new Date(sentAt).toISOString(),
        status,
        ...(reason ? { reason } : {}),
        env: target.environment,
        tokenSuffix: tokenSuffix(target.token),
        bundleId: target.bundleId,
        attempt,
        latencyMs: this.now() - started,
        ...(unregisteredAt !== undefined ? { unregisteredAt } : {}),
      });
      const verdict = status === 0 ? { action: 'retry' as const } : apnsVerdict(status, reason);
      log.info({ attempt, status, reason, action: verdict.action }, 'VoIP push answered');
      const failed = (why: string): PushResult => ({ outcome: 'failed', id, attempts: attempt, reason: why });
      switch (verdict.action) {
        case 'accepted':
          return { outcome: 'accepted', id, attempts: attempt };
        case 'drop-address':
          return {
            outcome: 'address-gone',
            id,
            attempts: attempt,
            reason: reason ?? String(status),
            ...(unregisteredAt !== undefined ? { since: unregisteredAt } : {}),
          };
        case 'give-up':
          return failed(reason ?? String(status));
        case 'refresh-token':
          if (attempt >= this.maxAttempts || !this.o.token.expired(jwt)) {
            log.error(
              'APNs calls our provider token expired, and it is under 20 minutes old: check the clock',
            );
            return failed(reason ?? 'ExpiredProviderToken');
          }
          if (ringing.aborted) return failed('call-over');
          continue;
        case 'retry': {
          const delay = backoffMs(attempt, this.backoff.baseMs, this.backoff.maxMs, this.random);
          if (attempt >= this.maxAttempts || this.now() + delay >= call.expiresAt) {
            return failed(reason ?? String(status));
          }
          if (!(await untilRetry(delay, ringing))) {
            log.info({ attempt }, 'the call stopped ringing: no retry');
            return failed('call-over');
          }
        }
      }
    }
  }
}
