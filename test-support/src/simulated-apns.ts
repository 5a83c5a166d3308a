/**
 * The device side of the APNs stand-in (`apns-stand-in.ts`): what it hands a
 * simulated iPhone for every accepted push, as one Server-Sent Event on
 * `GET <deviceOrigin>/devices/<token>/pushes` (`id: <apns-id>`, `data: <SimulatedDelivery JSON>`).
 * Real APNs has no such endpoint; the iOS simulator subscribes to it in place of PushKit.
 */
import { z } from 'zod';

export const SimulatedDeliverySchema = z.strictObject({
  /** The `apns-id` the provider sent (or APNs assigned). */
  apnsId: z.string().min(1),
  /** `<bundleId>.voip`. */
  topic: z.string().min(1),
  pushType: z.literal('voip'),
  /** The raw JSON body, unvalidated: the simulator checks it the way the Swift shell does. */
  payload: z.unknown(),
  /** Epoch ms when the stand-in delivered it. */
  deliveredAt: z.number().int().positive(),
});
export type SimulatedDelivery = z.infer<typeof SimulatedDeliverySchema>;

/** The device-side path for one token's SSE stream. */
export const simulatedPushesPath = (token: string): string => `/devices/${encodeURIComponent(token)}/pushes`;
