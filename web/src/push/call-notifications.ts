/**
 * Web Push for incoming calls, the page's half: asks for permission (only when the user turns it
 * on), subscribes with the server's VAPID key and hands the subscription to the server. The
 * service worker (`sw/service-worker.ts`) shows the pushes.
 */
import type { WebPushSubscription } from '@softphone/sfu/protocol';

/** Where call notifications stand on this device. */
export type CallNotificationsState = 'unsupported' | 'off' | 'on' | 'blocked';

export type SubscribeResult =
  | { ok: true; subscription: WebPushSubscription }
  | { ok: false; state: CallNotificationsState; message: string };

/** What the page's push registration needs from the platform (the browser's Push API here). */
export interface CallNotifications {
  current(): Promise<CallNotificationsState>;
  subscribe(vapidPublicKey: string): Promise<SubscribeResult>;
  unsubscribe(): Promise<void>;
}

export function supportsCallNotifications(): boolean {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** What the browser allows before we ask anything (permission and an existing subscription). */
export async function currentCallNotifications(): Promise<CallNotificationsState> {
  if (!supportsCallNotifications()) return 'unsupported';
  if (Notification.permission === 'denied') return 'blocked';
  if (Notification.permission !== 'granted') return 'off';
  const reg = await navigator.serviceWorker.getRegistration();
  return (await reg?.pushManager.getSubscription()) ? 'on' : 'off';
}

/** Asks for permission and subscribes; the subscription JSON, or the state that stopped it. */
export async function subscribeToCalls(vapidPublicKey: string): Promise<SubscribeResult> {
  if (!supportsCallNotifications())
    return { ok: false, state: 'unsupported', message: 'This browser cannot show call notifications.' };
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') {
    return {
      ok: false,
      state: permission === 'denied' ? 'blocked' : 'off',
      message:
        'Notifications are blocked for this site: allow them in the browser settings to get calls when Softphone is closed.',
    };
  }
  try {
    const reg = await navigator.serviceWorker.ready;
    const sub = await reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: vapidPublicKey,
    });
    return { ok: true, subscription: sub.toJSON() as WebPushSubscription };
  } catch (err) {
    return {
      ok: false,
      state: 'off',
      message: `The browser's push service refused the subscription (${err instanceof Error ? err.message : String(err)}).`,
    };
  }
}

/** Drops this browser's subscription (sign-out). */
export async function unsubscribeFromCalls(): Promise<void> {
  if (!supportsCallNotifications()) return;
  const reg = await navigator.serviceWorker.getRegistration();
  await (await reg?.pushManager.getSubscription())?.unsubscribe();
}

export const browserCallNotifications: CallNotifications = {
  current: currentCallNotifications,
  subscribe: subscribeToCalls,
  unsubscribe: unsubscribeFromCalls,
};
