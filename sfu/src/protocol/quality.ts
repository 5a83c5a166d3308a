/**
 * Call quality in the field (issue 21). The record of a call: what each device says about itself (the
 * device report, sent on `call:device-report`) and the verdict the server draws from its own direction
 * records and level signal when the call ends, kept per call in `call_quality` without anybody's name.
 * The rates over those records: `GET /api/quality`, `GET /api/quality/recent-one-way` and
 * `npm run quality`, one contract for the server, the operator page and the CLI.
 */
import { z } from 'zod/mini';
import { CallIdSchema, EndReason } from './call.ts';
import type { MediaPath } from './history.ts';

export const PlatformSchema = z.enum(['browser', 'ios-shell']);
/** `native`: the shell's own WebRTC engine; `page`: the page's, inside the shell; `browser`: a browser's. */
export const MediaEngineSchema = z.enum(['native', 'page', 'browser']);
/** A party's network path to the SFU, from its selected candidate pair ({@link pathKind}). */
export const PathKindSchema = z.enum(['host', 'srflx', 'prflx', 'relay-udp', 'relay-tcp', 'relay-tls']);
export type PathKind = z.infer<typeof PathKindSchema>;

/** Free text from a device, bounded and printable: a version, a model identifier, an OS name. */
const label = (max: number) => z.string().check(z.minLength(1), z.maxLength(max), z.regex(/^[\x20-\x7e]+$/));

export const WatchdogVerdictSchema = z.enum(['activated', 'fired', 'late']);

export const DeviceReportSchema = z.strictObject({
  platform: PlatformSchema,
  /** `iOS`, or the browser's OS as the page sees it (`macOS`, `Android`, …). */
  os: label(40),
  osVersion: label(40),
  /**
   * The hardware model (`iPhone15,2`). A browser names no hardware: the page puts the browser and
   * its version here (`Chrome 131.0.6778.85`, web/src/app/device-description.ts); null if unknown.
   */
  model: z.nullable(label(60)),
  /** The app's version and build (`1.4.0 (212)`), or the page's build version. */
  appVersion: label(60),
  engine: MediaEngineSchema,
  /** Null until a candidate pair was selected. */
  path: z.nullable(PathKindSchema),
  /**
   * iPhone: answer → `didActivate`, ms as the shell measured it; null while it has not come.
   * Absent from a browser.
   */
  didActivateMs: z.optional(z.nullable(z.int().check(z.gte(0), z.lte(3_600_000)))),
  /**
   * iPhone: the activation watchdog's verdict after the answer (`CallQuality.swift`): didActivate
   * came in time, never came in time, or came after the watchdog fired; null before either.
   */
  watchdog: z.optional(z.nullable(WatchdogVerdictSchema)),
  /** The page was frozen by the system during the call (a shell's web view, a background tab). */
  pageFrozen: z.optional(z.boolean()),
});
export type DeviceReport = z.infer<typeof DeviceReportSchema>;

export const DeviceReportPayloadSchema = z.strictObject({ callId: CallIdSchema, report: DeviceReportSchema });

export const VerdictSchema = z.enum([
  'two-way',
  'one-way-c2e-silent',
  'one-way-e2c-silent',
  'no-audio',
  'not-answered',
]);
export type Verdict = z.infer<typeof VerdictSchema>;

export const OutcomeSchema = z.enum(['answered', 'missed', 'failed']);
export type Outcome = z.infer<typeof OutcomeSchema>;

/** What the SFU saw of one direction: packets forwarded to the listener, and whether it carried sound. */
export interface DirectionFigures {
  firstRtpMs: number | null;
  packets: number;
  stalls: number;
  /** The SFU's level signal found sound on the sender's upstream, and packets reached the listener. */
  heard: boolean;
}

/** One party as the record keeps it: its device report, and what the call saw of its activation. */
export interface PartyRecord {
  report: DeviceReport | null;
  /** The device said its audio-activation step failed (`call:activation-failed`). */
  activationFailed: boolean;
}

/** One row of `call_quality`. */
export interface QualityRecord {
  callId: string;
  endedAt: number;
  outcome: Outcome;
  endReason: string;
  caller: PartyRecord;
  callee: PartyRecord;
  /** caller → callee: what the callee heard. */
  c2e: DirectionFigures;
  /** callee → caller: what the caller heard. */
  e2c: DirectionFigures;
  verdict: Verdict;
}

/** A call's verdict: unanswered, or which direction (if any) carried no sound to its listener. */
export function verdictOf(answered: boolean, c2e: { heard: boolean }, e2c: { heard: boolean }): Verdict {
  if (!answered) return 'not-answered';
  if (c2e.heard && e2c.heard) return 'two-way';
  if (c2e.heard) return 'one-way-e2c-silent';
  if (e2c.heard) return 'one-way-c2e-silent';
  return 'no-audio';
}

/**
 * How a call ended for the record: answered; or, unanswered, failed when the system ended it (the
 * media, the answer step, a server or a connection gave out), else missed (nobody took it, or the
 * callee turned it down or was busy: people, not faults).
 */
export function outcomeOf(answered: boolean, reason: EndReason): Outcome {
  if (answered) return 'answered';
  return FAILED_END_REASONS.has(reason) ? 'failed' : 'missed';
}

const FAILED_END_REASONS: ReadonlySet<EndReason> = new Set([
  EndReason.Disconnected,
  EndReason.MediaServerRestarted,
  EndReason.MediaFailed,
  EndReason.MediaLost,
  EndReason.AnswerFailed,
  EndReason.ServerLost,
]);

/** The record's path from a selected candidate pair: the local side's type, a relay's by its protocol. */
export function pathKind(path: MediaPath): PathKind {
  if (path.local !== 'relay') return path.local;
  return `relay-${path.relayProtocol ?? 'udp'}`;
}

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

/** A party of a one-way call as the operator sees it; null where its device never sent a report. */
export const QualityPartySchema = z.strictObject({
  platform: z.nullable(PlatformSchema),
  os: z.nullable(z.string()),
  osVersion: z.nullable(z.string()),
  model: z.nullable(z.string()),
  appVersion: z.nullable(z.string()),
  engine: z.nullable(MediaEngineSchema),
  path: z.nullable(PathKindSchema),
  /** Answer → CallKit's didActivate, ms; null when it never came (or the party is not an iPhone). */
  didActivateMs: z.nullable(z.number()),
  activationFailed: z.boolean(),
  watchdog: z.nullable(WatchdogVerdictSchema),
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
