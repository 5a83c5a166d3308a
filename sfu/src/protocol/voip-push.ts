/**
 * The VoIP push payload (APNs `apns-push-type: voip`), as the server sends it (issue 5) and the iOS
 * shell's PushKit delegate decodes it (`ios-shell/Shell/Push/VoIPPushPayload.swift`). Fixtures in
 * `fixtures/voip-push/*.json` pin both sides to it. Everything the shell needs to report the call
 * to CallKit is in here: the push path touches neither the network nor the web view.
 */
import { z } from 'zod/mini';
import { CallIdSchema, UserIdSchema } from './call.ts';

export const VOIP_PUSH_VERSION = 1;

/** APNs refuses VoIP payloads over 5 KB. */
export const VOIP_PUSH_MAX_BYTES = 5_120;

export const VoipPushPayloadSchema = z.strictObject({
  v: z.literal(VOIP_PUSH_VERSION),
  /** The server's call id, reused as the CallKit UUID (a duplicate push can't ring twice). */
  callId: CallIdSchema,
  caller: z.strictObject({
    /**
     * The caller's user id: the `Peer.id` the page's schemas expect, and the CallKit handle, so that
     * Recents calls back with an id `call:invite` accepts (a username there is `invalid-payload`).
     */
    id: UserIdSchema,
    /** The caller's username: what a Web Push notification shows under the name. */
    handle: z.string().check(z.minLength(1), z.maxLength(64)),
    displayName: z.string().check(z.minLength(1), z.maxLength(80)),
  }),
  /** Epoch ms when the server sent the push. */
  sentAt: z.int().check(z.positive()),
  /**
   * Epoch ms by which a woken device must have reported the call (`PUSH_REPORT_TIMEOUT_MS` after
   * `sentAt`): a push that arrives later is stale. Once reported, the call rings on: see
   * `ringTimeoutMs`.
   */
  expiresAt: z.int().check(z.positive()),
  /**
   * How long the call rings at most (the server's `NO_ANSWER_TIMEOUT_MS`, the welcome's
   * `noAnswerTimeoutMs`). A shell cold-launched by this push has no welcome yet, and its own ring
   * timer must not end the call before the server's.
   */
  ringTimeoutMs: z.int().check(z.positive()),
});
export type VoipPushPayload = z.infer<typeof VoipPushPayloadSchema>;
