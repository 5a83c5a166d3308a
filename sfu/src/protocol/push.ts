/**
 * How a device registers where it can be woken: a VoIP token for the iOS shell, a Web Push
 * subscription for the PWA. What a VoIP push carries is `voip-push.ts`; what a Web Push carries is
 * {@link WebPushMessageSchema} below.
 */
import { z } from 'zod/mini';
import { CallIdSchema } from './call.ts';
import { VoipPushPayloadSchema } from './voip-push.ts';

/** Which APNs the token belongs to: the shell's `aps-environment` entitlement (development = sandbox). */
export const ApsEnvironmentSchema = z.enum(['sandbox', 'production']);
export type ApsEnvironment = z.infer<typeof ApsEnvironmentSchema>;

/** PushKit's token, hex-encoded (32 bytes today; Apple says not to assume the length). */
export const VoipTokenSchema = z
  .string()
  .check(z.regex(/^[0-9a-fA-F]{64,200}$/, 'a hex device token'), z.toLowerCase());

/** Reverse-DNS bundle id of the app; the VoIP topic is `<bundleId>.voip`. */
export const BundleIdSchema = z
  .string()
  .check(z.maxLength(155), z.regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'a reverse-DNS bundle id'));

export const VoipRegistrationSchema = z.strictObject({
  token: VoipTokenSchema,
  environment: ApsEnvironmentSchema,
  bundleId: BundleIdSchema,
  appVersion: z.string().check(z.trim(), z.minLength(1), z.maxLength(32)),
});
export type VoipRegistration = z.infer<typeof VoipRegistrationSchema>;

/** base64url of exactly `bytes` bytes, padded or not (no Buffer: browsers import this file too). */
const base64url = (bytes: number) => {
  const chars = Math.ceil((bytes * 4) / 3);
  const pad = (4 - (chars % 4)) % 4;
  return z
    .string()
    .check(z.regex(new RegExp(`^[A-Za-z0-9_-]{${chars}}(={${pad}})?$`), `base64url of ${bytes} bytes`));
};

/**
 * `PushSubscription.toJSON()` as the browser gives it. Its shape only: whether the server will post
 * to the endpoint (a browser push service's https host; a tests' loopback stand-in, plain http
 * included, only when the server is told so) is the server's endpoint policy,
 * `sfu/src/push/push-endpoints.ts`, which needs DNS and so can't live in a schema browsers share.
 */
export const WebPushSubscriptionSchema = z.object({
  endpoint: z.url({ protocol: /^https?$/ }).check(z.maxLength(2_000)),
  expirationTime: z.optional(z.nullable(z.number())),
  keys: z.object({ p256dh: base64url(65), auth: base64url(16) }),
});
export type WebPushSubscription = z.infer<typeof WebPushSubscriptionSchema>;

const empty = z.strictObject({});

/** Client → server requests about push (acked like every request; see signalling.ts). */
export const pushRequests = /* @__PURE__ */ (() =>
  ({
    /** The iOS shell's VoIP token for this device (sent at every launch: tokens change). */
    'push:register-voip': { payload: VoipRegistrationSchema, result: empty },
    /** The PWA's Web Push subscription for this device. */
    'push:register-web': {
      payload: z.strictObject({ subscription: WebPushSubscriptionSchema }),
      result: empty,
    },
    /**
     * Without `token`: forget every push registration of this device (sign-out). With `token`: forget
     * the device's VoIP registration only while it still holds that token (PushKit invalidated it).
     * A token rotation races: the page registers the new token on its socket while the shell's own
     * socket says the old one is dead, and an unconditional delete would take the new one too.
     */
    'push:unregister': {
      payload: z.strictObject({ token: z.optional(VoipTokenSchema) }),
      result: empty,
    },
    /** The server's VAPID public key, for `pushManager.subscribe({ applicationServerKey })`. */
    'push:web-config': { payload: empty, result: z.strictObject({ vapidPublicKey: z.string() }) },
  }) as const)();

/**
 * What a Web Push carries (the service worker decodes it). Unlike a VoIP push, a Web Push may also
 * say that a call is over, so the notification can be closed.
 */
export const WebPushMessageSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('incoming-call'), call: VoipPushPayloadSchema }),
  z.strictObject({ kind: z.literal('call-ended'), callId: CallIdSchema }),
]);
export type WebPushMessage = z.infer<typeof WebPushMessageSchema>;
