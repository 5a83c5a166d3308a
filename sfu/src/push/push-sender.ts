/**
 * What the call side needs from a push channel: "wake this device, a call is coming". Two channels
 * implement it: APNs VoIP pushes for the iOS shell (`apns-voip.ts`) and Web Push for the PWA
 * (`web-push-sender.ts`). Neither knows about storage: a result that says the address is dead lets the
 * caller delete it (`incoming-call-pusher.ts`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { VoipPushPayload } from '../protocol/index.ts';

/** The facts a woken device needs to show the call before it reaches the server: the VoIP payload's. */
export type IncomingCall = Omit<VoipPushPayload, 'v'>;

export type PushResult =
  /** The push service accepted it (not the same as the device having it: see the field notes §2). */
  | { outcome: 'accepted'; id: string; attempts: number }
  /**
   * The address is dead (APNs 410 / BadDeviceToken, Web Push 404 / 410): the registration should be
   * deleted. `since` is when the service learnt it (APNs 410 timestamp), when it says.
   */
  | { outcome: 'address-gone'; id: string; attempts: number; reason: string; since?: number }
  /** Refused or unreachable after the retries the call's lifetime allows. */
  | { outcome: 'failed'; id: string; attempts: number; reason: string };

export interface PushSender<Target> {
  /**
   * `ringing` is aborted once the call is answered or over: no try starts after that (review M8,
   * a cancelled call's retried VoIP push rang the phone).
   */
  sendIncomingCall(target: Target, call: IncomingCall, ringing: AbortSignal): Promise<PushResult>;
}

/**
 * Waits `ms` before a retry; false when `ringing` is aborted first (or already was): the call is
 * answered or over, and a late incoming-call push would ring for nothing.
 */
export async function untilRetry(ms: number, ringing: AbortSignal | undefined): Promise<boolean> {
  if (ringing?.aborted) return false;
  try {
    await sleep(ms, undefined, ringing ? { signal: ringing } : {});
    return true;
  } catch (err) {
    if ((err as Error).name === 'AbortError') return false;
    throw err;
  }
}
