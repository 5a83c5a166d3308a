/**
 * The field's call-quality rates (issue 21): `GET /api/quality`, `GET /api/quality/recent-one-way`
 * and `npm run quality`, one contract for the server, the operator page and the CLI.
 */
import { z } from 'zod/mini';

/** What a rate can be broken down by. Per-party dimensions count a call once per distinct value of its two parties. */
export const QUALITY_DIMENSIONS = [
  'ios-version',
  'app-version',
  'engine',
  'path',
  'platform',
  'day',
] as const;
export const QualityDimensionSchema = z.enum(QUALITY_DIMENSIONS);
export type QualityDimension = z.infer<typeof QualityDimensionSchema>;

export const QUALITY_VERDICTS = [
  'two-way',
  'one-way-c2e-silent',
  'one-way-e2c-silent',
  'no-audio',
  'not-answered',
] as const;
export type QualityVerdict = (typeof QUALITY_VERDICTS)[number];

/** `since`: epoch ms, or a span back from now in days or hours (`7d`, `12h`). */
export const SinceSchema = z
  .string()
  .check(z.regex(/^(\d{1,15}|\d{1,5}[dh])$/, 'epoch milliseconds, or a span such as 7d or 12h'));

/** `compare`: two keys of the dimension, `a,b`. */
export const CompareSchema = z
  .string()
  .check(z.regex(/^[^,]{1,64},[^,]{1,64}$/, 'two values of the dimension, as a,b'));

/** The query of `GET /api/quality` and the options of `npm run quality` (strings: a URL's or argv's). */
export const QualityQuerySchema = z.strictObject({
  by: QualityDimensionSchema,
  since: z._default(SinceSchema, '7d'),
  compare: z.optional(CompareSchema),
});
export type QualityQuery = z.infer<typeof QualityQuerySchema>;

/** The epoch ms a `since` names, `now` being the time of the query. */
export function sinceMs(since: string, now: number): number {
  const span = /^(\d+)([dh])$/.exec(since);
  if (!span) return Number(since);
  return now - Number(span[1]) * (span[2] === 'd' ? 86_400_000 : 3_600_000);
}

export const RangeSchema = z.strictObject({ lo: z.number(), hi: z.number() });

export const QualityRowSchema = z.strictObject({
  /** The dimension's value (`YYYY-MM-DD`, UTC, for `day`; `unknown` where a party did not say). */
  key: z.string(),
  calls: z.int(),
  twoWay: z.int(),
  /** One-way with the caller → callee direction silent. */
  oneWayC2e: z.int(),
  oneWayE2c: z.int(),
  noAudio: z.int(),
  /** Calls whose outcome was `failed` (never connected: no audio verdict to take). */
  failed: z.int(),
  /** One-way calls / calls that carried audio at all (two-way + one-way), as in the farm's report. */
  oneWayRate: z.number(),
  /** Wilson 95 % interval of `oneWayRate`; [0, 1] when no call carried audio. */
  wilson: RangeSchema,
  /** With no one-way call among n ≥ 1 that carried audio: the 95 % upper bound 1 − 0.05^(1/n); else null. */
  zeroFailureUpper: z.nullable(z.number()),
});
export type QualityRow = z.infer<typeof QualityRowSchema>;

export const QualityComparisonSchema = z.strictObject({
  a: z.string(),
  b: z.string(),
  /** One-way rate of `a` − that of `b`. */
  difference: z.number(),
  /** Newcombe's hybrid score 95 % interval of the difference. */
  interval: RangeSchema,
  /** The interval leaves out 0. */
  significant: z.boolean(),
});
export type QualityComparison = z.infer<typeof QualityComparisonSchema>;

export const QualityReportSchema = z.strictObject({
  by: QualityDimensionSchema,
  /** The epoch ms the rows start at. */
  since: z.number(),
  rows: z.array(QualityRowSchema),
  comparison: z.optional(QualityComparisonSchema),
});
export type QualityReport = z.infer<typeof QualityReportSchema>;

export const QualityPartySchema = z.strictObject({
  platform: z.enum(['browser', 'ios-shell']),
  os: z.string(),
  osVersion: z.string(),
  model: z.nullable(z.string()),
  appVersion: z.string(),
  engine: z.enum(['native', 'page', 'browser']),
  path: z.nullable(z.string()),
  /** Answer → CallKit's didActivate, ms; null when it never came (or the party is not an iPhone). */
  didActivateMs: z.nullable(z.number()),
  activationFailed: z.boolean(),
  watchdog: z.nullable(z.string()),
  pageFrozen: z.boolean(),
});
export type QualityParty = z.infer<typeof QualityPartySchema>;

export const QualityDirectionSchema = z.strictObject({
  firstRtpMs: z.nullable(z.number()),
  packets: z.number(),
  stalls: z.int(),
  heard: z.boolean(),
});

export const OneWayCallSchema = z.strictObject({
  callId: z.string(),
  endedAt: z.number(),
  verdict: z.enum(['one-way-c2e-silent', 'one-way-e2c-silent']),
  endReason: z.string(),
  caller: QualityPartySchema,
  callee: QualityPartySchema,
  c2e: QualityDirectionSchema,
  e2c: QualityDirectionSchema,
  /** For a call with an iPhone: what its shell's record points at (didActivate missing, …); else null. */
  hint: z.nullable(z.string()),
});
export type OneWayCall = z.infer<typeof OneWayCallSchema>;

export const RecentOneWayReplySchema = z.strictObject({ calls: z.array(OneWayCallSchema) });
export type RecentOneWayReply = z.infer<typeof RecentOneWayReplySchema>;
