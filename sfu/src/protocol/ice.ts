/**
 * The ICE servers a signed-in client may use (STUN and TURN), the same list for a page's
 * mediasoup-client transports and for the iOS shell's native engine. TURN entries carry
 * short-lived TURN REST API credentials; STUN-only entries carry none (null, not absent: the
 * Swift side decodes one shape).
 */
import { z } from 'zod/mini';

export const IceServerSchema = z.strictObject({
  urls: z
    .array(z.string().check(z.regex(/^(stun|stuns|turn|turns):/), z.maxLength(300)))
    .check(z.minLength(1)),
  username: z.nullable(z.string().check(z.maxLength(300))),
  credential: z.nullable(z.string().check(z.maxLength(300))),
});
export type IceServer = z.infer<typeof IceServerSchema>;

export const IceServersSchema = z.array(IceServerSchema).check(z.maxLength(8));
