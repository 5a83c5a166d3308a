/**
 * An incoming-call Web Push, from the push event to the app: decoding it (with the schema the
 * server encodes it with), the notification it shows, and how the user's choice reaches the page
 * (a message to an open tab, or the URL of a new one). Pure, so the service worker and the page
 * both import it and unit tests run it in Node.
 */
import {
  CallIdSchema,
  VoipPushPayloadSchema,
  WebPushMessageSchema,
  type CallId,
  type VoipPushPayload,
  type WebPushMessage,
} from '@softphone/sfu/protocol';
import { z } from 'zod/mini';

const LaunchActionSchema = z.enum(['answer', 'decline', 'show']);
export type LaunchAction = z.infer<typeof LaunchActionSchema>;

export interface Launch {
  callId: CallId;
  action: LaunchAction;
}

/** A Web Push's message, or null for anything else (a malformed push is dropped, never shown). */
export function parseWebPush(text: string): WebPushMessage | null {
  try {
    const r = WebPushMessageSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** The call a notification was shown for (its `data`), or null. */
export function callOfNotification(data: unknown): VoipPushPayload | null {
  const r = VoipPushPayloadSchema.safeParse(data);
  return r.success ? r.data : null;
}

export interface CallNotification {
  title: string;
  options: NotificationOptions & {
    actions?: { action: string; title: string }[];
    requireInteraction?: boolean;
  };
}

/**
 * A live call rings with answer / decline and stays until acted on; one that expired before the
 * push arrived shows as missed. The call id is the tag, so a repeated push replaces, never stacks.
 */
export function notificationFor(push: VoipPushPayload, now: number): CallNotification {
  const { displayName, handle } = push.caller;
  const common = { tag: push.callId, data: push, icon: '/icons/icon-192.png', badge: '/icons/badge-96.png' };
  if (now >= push.expiresAt) {
    return { title: `Missed call from ${displayName}`, options: { ...common, body: `@${handle}` } };
  }
  return {
    title: `${displayName} is calling`,
    options: {
      ...common,
      body: `@${handle} · Softphone`,
      requireInteraction: true,
      actions: [
        { action: 'answer', title: 'Answer' },
        { action: 'decline', title: 'Decline' },
      ],
    },
  };
}

export function launchUrl(origin: string, callId: CallId, action: LaunchAction): string {
  const url = new URL('/', origin);
  url.searchParams.set('call', callId);
  url.searchParams.set('action', action);
  return url.href;
}

const LaunchMessageSchema = z.strictObject({
  type: z.literal('incoming-call-launch'),
  callId: CallIdSchema,
  action: LaunchActionSchema,
});
type LaunchMessage = z.infer<typeof LaunchMessageSchema>;

export function launchMessage(callId: CallId, action: LaunchAction): LaunchMessage {
  return { type: 'incoming-call-launch', callId, action };
}

/** The launch a service-worker message carries, or null for any other message. */
export function launchFromMessage(data: unknown): Launch | null {
  const r = LaunchMessageSchema.safeParse(data);
  return r.success ? { callId: r.data.callId, action: r.data.action } : null;
}

/** The launch a URL carries (`/?call=…&action=…`), or null. */
export function launchFromUrl(href: string): Launch | null {
  const params = new URL(href).searchParams;
  const callId = CallIdSchema.safeParse(params.get('call'));
  const action = LaunchActionSchema.safeParse(params.get('action') ?? 'show');
  return callId.success && action.success ? { callId: callId.data, action: action.data } : null;
}
