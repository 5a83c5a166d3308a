/** Call history as the page sees it, and the per-call quality summary each page reports. */
import { z } from 'zod';
import { CallIdSchema, EndReason, PeerSchema } from './call.ts';

/** What one party's media engine measured on its side of a call. */
export const QualitySummarySchema = z.strictObject({
  /** Did this party hear the other one (the receiving direction, as the rig judges it)? */
  heard: z.boolean(),
  /** Answer → first heard audio, ms. */
  timeToFirstAudioMs: z.number().int().min(0).max(3_600_000).nullable(),
  packetsReceived: z.number().int().min(0),
  packetsLost: z.number().int().min(0),
  /** Jitter of the received stream, ms. */
  jitterMs: z.number().min(0).max(60_000),
  roundTripMs: z.number().min(0).max(60_000).nullable(),
  /**
   * The audio-activation step failed during the call: `not-activated` when the system never
   * activated the audio session (iOS: no `didActivate` in time), `failed` for any other reason.
   */
  activationFailure: z.enum(['not-activated', 'failed']).optional(),
});
export type QualitySummary = z.infer<typeof QualitySummarySchema>;

export const HistoryEntrySchema = z.object({
  callId: CallIdSchema,
  direction: z.enum(['outgoing', 'incoming']),
  peer: PeerSchema,
  startedAt: z.number(),
  answeredAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  endReason: z.enum(EndReason).nullable(),
  durationMs: z.number().nullable(),
  /** Incoming, and {@link isMissed}. */
  missed: z.boolean(),
  /** A missed call the user has not looked at yet (counts towards the badge). */
  unread: z.boolean(),
  quality: QualitySummarySchema.nullable(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/**
 * Whether a call is missed for its callee: it ended without being answered, and the callee did not
 * turn it down. The one definition: the history's `missed` flag, the unread badge and the server's
 * `history:changed` all follow it.
 */
export function isMissed(call: { answeredAt: number | null; endReason: EndReason | null }): boolean {
  return call.answeredAt === null && call.endReason !== null && call.endReason !== EndReason.Declined;
}

/** The end reasons that leave an unanswered call missed: {@link isMissed} for a database query. */
export const MISSED_END_REASONS: readonly EndReason[] = Object.values(EndReason).filter((endReason) =>
  isMissed({ answeredAt: null, endReason }),
);
