/** Call history as the page sees it, and the per-call quality summary each page reports. */
import { z } from 'zod/mini';
import { CallIdSchema, EndReason, PeerSchema } from './call.ts';

/** What one party's media engine measured on its side of a call. */
export const QualitySummarySchema = z.strictObject({
  /** Did this party hear the other one (the receiving direction, as the rig judges it)? */
  heard: z.boolean(),
  /** Answer → first heard audio, ms. */
  timeToFirstAudioMs: z.nullable(z.int().check(z.gte(0), z.lte(3_600_000))),
  packetsReceived: z.int().check(z.gte(0)),
  packetsLost: z.int().check(z.gte(0)),
  /** Jitter of the received stream, ms. */
  jitterMs: z.number().check(z.gte(0), z.lte(60_000)),
  roundTripMs: z.nullable(z.number().check(z.gte(0), z.lte(60_000))),
  /**
   * The audio-activation step failed during the call: `not-activated` when the system never
   * activated the audio session (iOS: no `didActivate` in time), `failed` for any other reason.
   */
  activationFailure: z.optional(z.enum(['not-activated', 'failed'])),
});
export type QualitySummary = z.infer<typeof QualitySummarySchema>;

export const HistoryEntrySchema = z.object({
  callId: CallIdSchema,
  direction: z.enum(['outgoing', 'incoming']),
  peer: PeerSchema,
  startedAt: z.number(),
  answeredAt: z.nullable(z.number()),
  endedAt: z.nullable(z.number()),
  endReason: z.nullable(z.enum(EndReason)),
  durationMs: z.nullable(z.number()),
  /** Incoming, never answered and not declined. */
  missed: z.boolean(),
  /** A missed call the user has not looked at yet (counts towards the badge). */
  unread: z.boolean(),
  quality: z.nullable(QualitySummarySchema),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;
