/**
 * The operator's view of one-way audio in the field (issue 21): `GET /api/quality` (rates per
 * dimension, a comparison of two groups) and `GET /api/quality/recent-one-way`. Nothing here names a
 * person: a call is its id, a party its platform, versions, engine and network path.
 */
import { z } from 'zod/mini';

/** What the rates can be grouped by (`by=`). */
export const QualityDimensionSchema = z.enum([
  'ios-version',
  'app-version',
  'engine',
  'path',
  'platform',
  'day',
]);
export type QualityDimension = z.infer<typeof QualityDimensionSchema>;

/** A call's audio as the SFU saw it, per direction: c2e is caller → callee, e2c the reverse. */
export const QualityVerdictSchema = z.enum([
  'two-way',
  'one-way-c2e-silent',
  'one-way-e2c-silent',
  'no-audio',
  'not-answered',
]);
export type QualityVerdict = z.infer<typeof QualityVerdictSchema>;

/** The network path a party's media took to the SFU (ICE's selected pair; relays by their transport). */
export const QualityPathSchema = z.enum(['host', 'srflx', 'prflx', 'relay-udp', 'relay-tcp', 'relay-tls']);
export type QualityPath = z.infer<typeof QualityPathSchema>;

const proportion = z.number().check(z.gte(0), z.lte(1));
const count = z.int().check(z.gte(0));

/** A 95 % interval; a difference's runs over [−1, 1]. */
export const QualityIntervalSchema = z.strictObject({
  lo: z.number().check(z.gte(-1), z.lte(1)),
  hi: z.number().check(z.gte(-1), z.lte(1)),
});

export const QualityRowSchema = z.strictObject({
  /** The group's value of the dimension: `18.4.1`, `relay-tcp`, `2026-12-07` (UTC day) … */
  key: z.string(),
  calls: count,
  twoWay: count,
  oneWayC2e: count,
  oneWayE2c: count,
  noAudio: count,
  failed: count,
  /** One-way calls / calls that carried audio (two-way + one-way), as the farm counts it. */
  oneWayRate: proportion,
  wilson: z.strictObject({ lo: proportion, hi: proportion }),
  /** 1 − 0.05^(1/n) when no call of the group was one-way, else null. */
  zeroFailureUpper: z.nullable(proportion),
});
export type QualityRow = z.infer<typeof QualityRowSchema>;

/** One-way rate of group a − group b, Newcombe's hybrid score interval. */
export const QualityComparisonSchema = z.strictObject({
  a: z.string(),
  b: z.string(),
  difference: z.number().check(z.gte(-1), z.lte(1)),
  interval: QualityIntervalSchema,
  /** The interval leaves out 0. */
  significant: z.boolean(),
});
export type QualityComparison = z.infer<typeof QualityComparisonSchema>;

export const QualityReportSchema = z.strictObject({
  by: QualityDimensionSchema,
  rows: z.array(QualityRowSchema),
  comparison: z.optional(QualityComparisonSchema),
});
export type QualityReport = z.infer<typeof QualityReportSchema>;

/** The query: `since` is epoch ms or a span back from now (`7d`, `24h`); `compare` two keys `a,b`. */
export const QualityQuerySchema = z.strictObject({
  by: QualityDimensionSchema,
  since: z.optional(z.string().check(z.regex(/^(\d+|\d+[dh])$/))),
  compare: z.optional(z.string().check(z.regex(/^[^,]+,[^,]+$/))),
});
export type QualityQuery = z.infer<typeof QualityQuerySchema>;

export const QualityPartySchema = z.strictObject({
  platform: z.enum(['browser', 'ios-shell']),
  os: z.string(),
  osVersion: z.string(),
  model: z.nullable(z.string()),
  appVersion: z.string(),
  engine: z.enum(['native', 'page', 'browser']),
  path: z.nullable(QualityPathSchema),
  /** iPhone only (null elsewhere): answer → CallKit's didActivate, null when it never came. */
  didActivateMs: z.nullable(count),
  activationFailed: z.boolean(),
  /** The shell's audio watchdog's verdict, when it gave one. */
  watchdog: z.nullable(z.string()),
  pageFrozen: z.boolean(),
});
export type QualityParty = z.infer<typeof QualityPartySchema>;

/** One direction as the SFU counted it (`call_directions`), and whether its level signal heard it. */
export const QualityDirectionSchema = z.strictObject({
  /** Answer → first RTP packet at the SFU; null when none came. */
  firstRtpMs: z.nullable(count),
  packets: count,
  stalls: count,
  heard: z.boolean(),
});
export type QualityDirection = z.infer<typeof QualityDirectionSchema>;

export const RecentOneWayCallSchema = z.strictObject({
  callId: z.string(),
  endedAt: count,
  verdict: z.enum(['one-way-c2e-silent', 'one-way-e2c-silent']),
  endReason: z.string(),
  caller: QualityPartySchema,
  callee: QualityPartySchema,
  c2e: QualityDirectionSchema,
  e2c: QualityDirectionSchema,
  /** For a call with an iPhone: what its record points at (didActivate missing, SessionID 0x0 …); else null. */
  hint: z.nullable(z.string()),
});
export type RecentOneWayCall = z.infer<typeof RecentOneWayCallSchema>;

/** The last 50 one-way calls, newest first. */
export const RecentOneWaySchema = z.strictObject({ calls: z.array(RecentOneWayCallSchema) });
export type RecentOneWay = z.infer<typeof RecentOneWaySchema>;
