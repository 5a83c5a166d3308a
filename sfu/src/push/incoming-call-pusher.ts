/**
 * Wakes a callee's devices: a VoIP push to each registered iPhone, connected or not, and a Web Push
 * to each subscribed browser that is not connected. An iPhone's page may be connected and frozen
 * (WebKit suspends it in the background; its socket lingers until the ping timeout), and only
 * PushKit reaches the shell then; a shell whose page is awake reports the call once either way
 * (push row P2, `callkit.report-incoming`). Sends run in the background (the call does not wait for APNs);
 * an address the push service calls dead is deleted at once, so it is never pushed to again.
 *
 * A push is retried only while its call rings: answering it or its end aborts the call's signal,
 * which stops every sender's backoff and later tries (review M8).
 *
 * When a call ends unanswered, browsers that were woken get a "call ended" Web Push (closing the
 * notification). iPhones get nothing: a VoIP push must ring, so the shell learns the end through
 * signalling when it reports the call (`call-no-longer-available`).
 */
import type { InviteLimits } from '../call/invite-limits.ts';
import type { Logger } from '../log.ts';
import type { CallId, UserId } from '../protocol/index.ts';
import type { PushRepo, VoipDevice, WebPushDevice } from '../store/push.repo.ts';
import type { ApnsVoipSender } from './apns-voip.ts';
import type { IncomingCall, PushResult } from './push-sender.ts';
import type { WebPushSender } from './web-push-sender.ts';

/** Where a user's devices can be woken. */
export interface WakeTargets {
  voip: VoipDevice[];
  web: WebPushDevice[];
}

/** What the call side needs: wake the callee's disconnected devices, and tidy up after the call. */
export interface CallWaker {
  /**
   * Read from the store before the call is made, so that making it does not wait: the caller's
   * checks and the call's creation run in one go (see CallService.invite).
   */
  targets(userId: UserId): Promise<WakeTargets>;
  /** Pushes to every registered iPhone of the targets, and every browser not in `connected`; returns how many pushes started. */
  wake(targets: WakeTargets, call: IncomingCall, connected: ReadonlySet<string>): number;
  /** The call was answered: it no longer rings, so no push for it is tried again. */
  answered(callId: CallId): void;
  /** The call is over: no push for it is tried again; withdraw what can be withdrawn (Web Push notifications only). */
  ended(callId: CallId, answered: boolean): void;
}

export interface IncomingCallPusherDeps {
  repo: PushRepo;
  /** Null when no APNs key is configured: VoIP registrations are kept but nobody is woken. */
  voip: ApnsVoipSender | null;
  web: WebPushSender;
  /** Pushes per device: one over it is not sent (the call then waits for a report as for a lost push). */
  limits: InviteLimits;
  log: Logger;
}

export class IncomingCallPusher implements CallWaker {
  private readonly log: Logger;
  /** Browsers woken per live call, with the call's expiry (for the "call ended" push). */
  private readonly woken = new Map<CallId, { devices: WebPushDevice[]; expiresAt: number }>();
  /** Per call still ringing with pushes sent: aborted when it stops ringing. */
  private readonly ringing = new Map<CallId, AbortController>();
  /** Sends still running (tests and shutdown wait for them). */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly d: IncomingCallPusherDeps) {
    this.log = d.log.child({ module: 'push' });
  }

  async targets(userId: UserId): Promise<WakeTargets> {
    const [voip, web] = await Promise.all([
      this.d.voip ? this.d.repo.voipTargets(userId) : [],
      this.d.repo.webTargets(userId),
    ]);
    return { voip, web };
  }

  wake(targets: WakeTargets, call: IncomingCall, connected: ReadonlySet<string>): number {
    const { voip } = targets;
    const web = targets.web.filter((t) => !connected.has(t.deviceId));
    if (web.length) this.woken.set(call.callId, { devices: web, expiresAt: call.expiresAt });
    if (voip.length + web.length === 0) return 0;
    const ringing = new AbortController();
    this.ringing.set(call.callId, ringing);
    for (const t of voip) {
      this.track(
        t.deviceId,
        this.limited(t.deviceId, () => this.d.voip?.sendIncomingCall(t, call, ringing.signal)),
        () => this.d.repo.deleteVoipToken(t.token),
      );
    }
    for (const t of web) {
      this.track(
        t.deviceId,
        this.limited(t.deviceId, () => this.d.web.sendIncomingCall(t, call, ringing.signal)),
        () => this.d.repo.deleteWebEndpoint(t.subscription.endpoint),
      );
    }
    this.log.info({ callId: call.callId, voip: voip.length, web: web.length }, 'waking the callee');
    return voip.length + web.length;
  }

  answered(callId: CallId): void {
    this.stopRinging(callId);
  }

  ended(callId: CallId, answered: boolean): void {
    this.stopRinging(callId);
    const woken = this.woken.get(callId);
    this.woken.delete(callId);
    if (!woken || answered) return;
    for (const t of woken.devices) {
      this.track(t.deviceId, this.d.web.sendCallEnded(t, callId, woken.expiresAt), () =>
        this.d.repo.deleteWebEndpoint(t.subscription.endpoint),
      );
    }
  }

  private stopRinging(callId: CallId): void {
    this.ringing.get(callId)?.abort();
    this.ringing.delete(callId);
  }

  /** Resolves once every send started so far has finished. */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.all(this.inFlight);
  }

  /** Sends only if the device's push allowance has room; undefined when it had none. */
  private async limited(
    device: string,
    send: () => Promise<PushResult> | undefined,
  ): Promise<PushResult | undefined> {
    if (await this.d.limits.admitPush(device)) return send();
    this.log.warn({ device }, 'push not sent: this device was pushed to too often');
    return undefined;
  }

  private track(
    device: string,
    sending: Promise<PushResult | undefined> | undefined,
    forget: () => Promise<boolean>,
  ): void {
    if (!sending) return;
    const done = sending.then(
      async (r) => {
        if (!r) return;
        if (r.outcome === 'address-gone' && (await forget())) {
          this.log.info(
            { device, reason: r.reason, since: r.outcome === 'address-gone' ? r.since : undefined },
            'push address is dead: registration deleted',
          );
        } else if (r.outcome === 'failed') {
          this.log.warn({ device, reason: r.reason, attempts: r.attempts }, 'push not delivered');
        }
      },
      (err: unknown) => this.log.error({ device, err }, 'push failed'),
    );
    const entry = done.finally(() => this.inFlight.delete(entry));
    this.inFlight.add(entry);
  }
}
