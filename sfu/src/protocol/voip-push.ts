/**
 * The VoIP push payload (APNs `apns-push-type: voip`), as the server sends it (issue 5) and the iOS
 * shell's PushKit delegate decodes it (`ios-shell/Shell/Push/VoIPPushPayload.swift`). Fixtures in
 * `fixtures/voip-push/*.json` pin both sides to it. Everything the shell needs to report the call
 * to CallKit is in here: the push path touches neither the network nor the web view.
 */
import { z } from 'zod/mini';
import { CallIdSchema } from './call.ts';

export const VOIP_PUSH_VERSION = 1;

/** APNs refuses VoIP payloads over 5 KB. */
export const VOIP_PUSH_MAX_BYTES = 5_120;

export const VoipPushPayloadSchema = z.strictObject({
  v: z.literal(VOIP_PUSH_VERSION),
  /** The server's call id, reused as the CallKit UUID (a duplicate push can't ring twice). */
  callId: CallIdSchema,
  caller: z.strictObject({
    /** What CallKit shows as the handle and puts in Recents. */
    handle: z.string().check(z.minLength(1), z.maxLength(64)),
    displayName: z.string().check(z.minLength(1), z.maxLength(80)),
  }),
  /** Epoch ms when the server sent the push. */
  sentAt: z.int().check(z.positive()),
  /** Epoch ms after which the call can no longer be answered: a later push is stale. */
  expiresAt: z.int().check(z.positive()),
});
export type VoipPushPayload = z.infer<typeof VoipPushPayloadSchema>;
