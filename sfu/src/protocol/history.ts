/** Call history as the page sees it, and the per-call quality summary each page reports. */
import { z } from 'zod/mini';
import { CallIdSchema, EndReason, PeerSchema } from './call.ts';

/** What one party's media engine measured on its side of a call. */
/** An ICE candidate's type, as getStats names it. */
export const CandidateTypeSchema = z.enum(['host', 'srflx', 'prflx', 'relay']);

/**
 * The candidate pair the media went over (getStats' selected pair of the party's transport):
 * `relay` locally means through TURN, over `relayProtocol` between the party and the relay.
 */
export const MediaPathSchema = z.strictObject({
  local: CandidateTypeSchema,
  remote: CandidateTypeSchema,
  /** Between the party and its TURN server; null unless `local` is `relay`. */
  relayProtocol: z.nullable(z.enum(['udp', 'tcp', 'tls'])),
  /** The transport between the party's candidate and the SFU's. */
  protocol: z.enum(['udp', 'tcp']),
});
export type MediaPath = z.infer<typeof MediaPathSchema>;

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
  /** The path the received audio came over; absent when no pair was ever selected. */
  path: z.optional(MediaPathSchema),
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
  /** Incoming, and {@link isMissed}. */
  missed: z.boolean(),
  /** A missed call the user has not looked at yet (counts towards the badge). */
  unread: z.boolean(),
  quality: z.nullable(QualitySummarySchema),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/**
 * Whether a call is missed for its callee: it ended without being answered, and the callee did not
 * turn it down or try to answer it. The one definition: the history's `missed` flag, the unread
 * badge and the server's `history:changed` all follow it.
 */
export function isMissed(call: { answeredAt: number | null; endReason: EndReason | null }): boolean {
  return (
    call.answeredAt === null &&
    call.endReason !== null &&
    call.endReason !== EndReason.Declined &&
    call.endReason !== EndReason.AnswerFailed
  );
}

/** The end reasons that leave an unanswered call missed: {@link isMissed} for a database query. */
export const MISSED_END_REASONS: readonly EndReason[] = Object.values(EndReason).filter((endReason) =>
  isMissed({ answeredAt: null, endReason }),
);
