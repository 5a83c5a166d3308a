/// <reference lib="webworker" />
/**
 * The PWA's service worker: an offline shell (the built app precached, every navigation answered
 * with it), updates that wait for the user's go-ahead (a new worker never takes over mid-call), and
 * incoming-call Web Pushes shown as a notification with answer / decline that open the app into
 * the call.
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import type { CallId, VoipPushPayload } from '@softphone/sfu/protocol';
import {
  callOfNotification,
  launchMessage,
  launchUrl,
  notificationFor,
  parseWebPush,
  type LaunchAction,
} from '../push/incoming-call-launch.ts';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (string | { url: string; revision: string | null })[];
};

cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST);
// The server's own paths are never the app shell: the API, signalling and health answer live. Nor
// are the pages of their own: the QA shell simulator, which hosts the app in a frame, and the
// operators' `/quality`, which the server sends fresh (the list matches path and query).
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), {
    denylist: [
      /^\/api\//,
      /^\/socket\.io\//,
      /^\/healthz$/,
      /^\/shell-simulator\.html(\?|$)/,
      /^\/quality(\.html)?(\?|$)/,
    ],
  }),
);

self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

self.addEventListener('push', (event) => {
  const message = parseWebPush(event.data?.text() ?? '');
  if (!message) return;
  if (message.kind === 'incoming-call') {
    event.waitUntil(ring(message.call));
  } else {
    event.waitUntil(closeRinging(message.callId));
  }
});

self.addEventListener('notificationclick', (event) => {
  const call = callOfNotification(event.notification.data);
  event.notification.close();
  if (!call) return;
  const action: LaunchAction =
    event.action === 'answer' || event.action === 'decline' ? event.action : 'show';
  event.waitUntil(openInto(call.callId, action));
});

/**
 * Shows the call and tells the server it is ringing here, so it waits for the user rather than
 * ending the call as unreachable. A call that is already over is shown as missed.
 */
async function ring(call: VoipPushPayload): Promise<void> {
  const n = notificationFor(call, Date.now());
  await self.registration.showNotification(n.title, n.options);
  if (!n.options.actions) return;
  const res = await fetch('/api/calls/shown', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ callId: call.callId }),
  }).catch(() => null);
  if (res?.status === 410) {
    const missed = notificationFor(call, Number.POSITIVE_INFINITY);
    await self.registration.showNotification(missed.title, missed.options);
  }
}

/** The call stopped ringing (answered elsewhere, cancelled): its notification goes. */
async function closeRinging(callId: CallId): Promise<void> {
  for (const n of await self.registration.getNotifications({ tag: callId })) n.close();
}

/**
 * Hands the choice to an open tab (it keeps its connection and state) and focuses it, or opens the
 * app at a URL that carries the choice.
 */
async function openInto(callId: CallId, action: LaunchAction): Promise<void> {
  const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const tab = tabs[0];
  if (tab) {
    tab.postMessage(launchMessage(callId, action));
    await tab.focus();
    return;
  }
  await self.clients.openWindow(launchUrl(self.location.origin, callId, action));
}
