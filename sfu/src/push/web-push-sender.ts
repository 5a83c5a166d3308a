/**
 * Web Push (RFC 8030, VAPID RFC 8292, payload encryption RFC 8291) to the PWA's service worker.
 * The `web-push` library builds each request (VAPID JWT, aes128gcm body); we send it ourselves
 * because every connection must go through the endpoint policy's address check
 * (`push-endpoints.ts`), and a tests' loopback push-service stand-in is plain http. The VAPID key pair is generated once and kept in SQLite (or given
 * in the environment), so subscriptions survive restarts: a new key would orphan every one of them.
 *
 * An incoming-call push is retried only while the call still rings: the caller's `ringing` signal
 * is aborted when the call is answered or ends, and that stops the backoff and every later try.
 *
 * Unlike a VoIP push, a Web Push may also say "that call is over": it goes under the same `Topic` as
 * the incoming-call message, so a push service still holding that one replaces it.
 */
import http from 'node:http';
import https from 'node:https';
import webpush from 'web-push';
import type { Logger } from '../log.ts';
import { VOIP_PUSH_VERSION, type CallId, type WebPushMessage } from '../protocol/index.ts';
import type { PushRepo, WebPushDevice } from '../store/push.repo.ts';
import { backoffMs, webPushVerdict } from './delivery-verdict.ts';
import { PushEndpointRefused, type PushEndpointPolicy } from './push-endpoints.ts';
import { untilRetry, type IncomingCall, type PushResult, type PushSender } from './push-sender.ts';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** The configured key pair, else the one stored on first start. */
export async function loadVapidKeys(repo: PushRepo, configured: VapidKeys | null): Promise<VapidKeys> {
  if (configured) return configured;
  const stored = await repo.serverKey('vapid', () => JSON.stringify(webpush.generateVAPIDKeys()), Date.now());
  return JSON.parse(stored) as VapidKeys;
}

export interface WebPushSenderOptions {
  vapid: VapidKeys;
  /** `mailto:` or `https:` contact the push service may use (RFC 8292 `sub`). */
  subject: string;
  /** Which endpoints may be pushed to, and the address check every connection goes through. */
  endpoints: PushEndpointPolicy;
  /** Extra CA (PEM) to trust, for a test's push-service stand-in. */
  ca?: string;
  log: Logger;
  maxAttempts?: number;
  backoff?: { baseMs: number; maxMs: number };
  requestTimeoutMs?: number;
}

export class WebPushSender implements PushSender<WebPushDevice> {
  /** `checked` connects only to public addresses; `standIn` reaches the tests' loopback origins. */
  private readonly agents: { checked: https.Agent; standIn: { https: https.Agent; http: http.Agent } };

  constructor(private readonly o: WebPushSenderOptions) {
    this.agents = {
      checked: new https.Agent({ keepAlive: true, lookup: o.endpoints.lookup }),
      standIn: {
        https: new https.Agent({ keepAlive: true, ...(o.ca ? { ca: o.ca } : {}) }),
        http: new http.Agent({ keepAlive: true }),
      },
    };
  }

  get publicKey(): string {
    return this.o.vapid.publicKey;
  }

  sendIncomingCall(target: WebPushDevice, call: IncomingCall, ringing: AbortSignal): Promise<PushResult> {
    const message: WebPushMessage = { kind: 'incoming-call', call: { v: VOIP_PUSH_VERSION, ...call } };
    return this.send(target, call.callId, message, call.expiresAt, ringing);
  }

  sendCallEnded(target: WebPushDevice, callId: CallId, expiresAt: number): Promise<PushResult> {
    return this.send(target, callId, { kind: 'call-ended', callId }, expiresAt);
  }

  close(): void {
    this.agents.checked.destroy();
    this.agents.standIn.https.destroy();
    this.agents.standIn.http.destroy();
  }

  /** One POST to the push service; resolves with its status, rejects on a transport failure. */
  private post(details: webpush.RequestDetails): Promise<number> {
    const url = new URL(details.endpoint);
    const secure = url.protocol === 'https:';
    // Only a tests' stand-in origin skips the checked agent (and may be plain http).
    const standIn = this.o.endpoints.isTestOrigin(url) ? this.agents.standIn : null;
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        url,
        {
          method: details.method,
          headers: details.headers,
          agent: standIn ? (secure ? standIn.https : standIn.http) : this.agents.checked,
          timeout: this.o.requestTimeoutMs ?? 5_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer from the push service')));
      req.on('error', reject);
      req.end(details.body ?? undefined);
    });
  }

  private async send(
    target: WebPushDevice,
    callId: CallId,
    message: WebPushMessage,
    expiresAt: number,
    ringing?: AbortSignal,
  ): Promise<PushResult> {
    const id = `${callId}/${message.kind}`;
    const maxAttempts = this.o.maxAttempts ?? 3;
    const backoff = this.o.backoff ?? { baseMs: 250, maxMs: 2_000 };
    const log = this.o.log.child({ callId, kind: message.kind, device: target.deviceId });
    // Checked before every send, not only at registration: a subscription stored before the policy
    // (or under a looser one) is dropped, never posted to.
    const refused = await this.o.endpoints.refusal(target.subscription.endpoint);
    if (refused) {
      log.warn({ refused }, 'Web Push endpoint refused: subscription dropped');
      return { outcome: 'address-gone', id, attempts: 0, reason: `endpoint refused: ${refused}` };
    }
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let error: string | undefined;
      try {
        status = await this.post(
          webpush.generateRequestDetails(target.subscription, JSON.stringify(message), {
            vapidDetails: { subject: this.o.subject, ...this.o.vapid },
            TTL: Math.max(0, Math.floor((expiresAt - Date.now()) / 1000)),
            urgency: 'high',
            // RFC 8030 §5.4: at most 32 base64url characters; the undashed call id is exactly that.
            topic: callId.replaceAll('-', ''),
          }),
        );
      } catch (err) {
        // The name now resolves somewhere it must not (DNS rebinding): never try it again.
        if (err instanceof PushEndpointRefused) {
          log.warn({ refused: err.message }, 'Web Push endpoint refused at connect: subscription dropped');
          return {
            outcome: 'address-gone',
            id,
            attempts: attempt,
            reason: `endpoint refused: ${err.message}`,
          };
        }
        error = err instanceof Error ? err.message : String(err);
      }
      const verdict = status === 0 ? { action: 'retry' as const } : webPushVerdict(status);
      log.info({ attempt, status, error, action: verdict.action }, 'Web Push answered');
      switch (verdict.action) {
        case 'accepted':
          return { outcome: 'accepted', id, attempts: attempt } as const;
        case 'drop-address':
          return { outcome: 'address-gone', id, attempts: attempt, reason: String(status) } as const;
        case 'refresh-token':
        case 'give-up':
          return { outcome: 'failed', id, attempts: attempt, reason: error ?? String(status) } as const;
        case 'retry': {
          const delay = backoffMs(attempt, backoff.baseMs, backoff.maxMs, Math.random);
          if (attempt >= maxAttempts || Date.now() + delay >= expiresAt) {
            return { outcome: 'failed', id, attempts: attempt, reason: error ?? String(status) } as const;
          }
          if (!(await untilRetry(delay, ringing))) {
            log.info({ attempt }, 'the call stopped ringing: no retry');
            return { outcome: 'failed', id, attempts: attempt, reason: 'call-over' } as const;
          }
        }
      }
    }
  }
}
