/**
 * The field's rates (issue 21): a dimension's counts from the store turned into the contract's rows —
 * the one-way rate with its Wilson interval and zero-failure bound, a Newcombe comparison of two
 * groups — and the recent one-way calls with what an iPhone's record points at.
 */
import {
  sinceMs,
  type OneWayCall,
  type PartyRecord,
  type QualityParty,
  type QualityQuery,
  type QualityReport,
  type QualityRow,
} from '../protocol/index.ts';
import { NO_CALLS } from '../store/quality-daily.ts';
import type { QualityCounts, QualityRepo } from '../store/quality.repo.ts';
import { newcombeDifference, wilson, zeroFailureUpperBound } from './stats.ts';

const DAY_MS = 86_400_000;

export function qualityRow(c: QualityCounts, key: string): QualityRow {
  const oneWay = c.oneWayC2e + c.oneWayE2c;
  const carriedAudio = c.twoWay + oneWay;
  const w = wilson(oneWay, carriedAudio);
  return {
    key,
    calls: c.calls,
    twoWay: c.twoWay,
    oneWayC2e: c.oneWayC2e,
    oneWayE2c: c.oneWayE2c,
    noAudio: c.noAudio,
    failed: c.failed,
    oneWayRate: w.rate,
    wilson: { lo: w.lower, hi: w.upper },
    zeroFailureUpper: oneWay === 0 && carriedAudio > 0 ? zeroFailureUpperBound(carriedAudio) : null,
  };
}

const noCalls = (key: string): QualityCounts => ({ key, ...NO_CALLS });

export async function qualityReport(repo: QualityRepo, q: QualityQuery, now: number): Promise<QualityReport> {
  const since = sinceMs(q.since, now);
  const counts = await repo.counts(q.by, since);
  const keyOf = (c: QualityCounts): string =>
    q.by === 'day' ? new Date(Number(c.key) * DAY_MS).toISOString().slice(0, 10) : String(c.key);
  const keyed = new Map(counts.map((c) => [keyOf(c), c]));
  const rows = [...keyed]
    .map(([key, c]) => qualityRow(c, key))
    .sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }));
  const report: QualityReport = { by: q.by, since, rows };
  if (q.compare) {
    const [a = '', b = ''] = q.compare.split(',');
    // A group with no calls compares as 0 of 0: Wilson's [0, 1], so never significant.
    const ca = keyed.get(a) ?? noCalls(a);
    const cb = keyed.get(b) ?? noCalls(b);
    const oneWay = (c: QualityCounts) => c.oneWayC2e + c.oneWayE2c;
    const d = newcombeDifference(oneWay(ca), ca.twoWay + oneWay(ca), oneWay(cb), cb.twoWay + oneWay(cb));
    report.comparison = {
      a,
      b,
      difference: d.rate,
      interval: { lo: d.lower, hi: d.upper },
      significant: d.lower > 0 || d.upper < 0,
    };
  }
  return report;
}

function party({ report: d, activationFailed }: PartyRecord): QualityParty {
  return {
    platform: d?.platform ?? null,
    os: d?.os ?? null,
    osVersion: d?.osVersion ?? null,
    model: d?.model ?? null,
    appVersion: d?.appVersion ?? null,
    engine: d?.engine ?? null,
    path: d?.path ?? null,
    didActivateMs: d?.didActivateMs ?? null,
    activationFailed,
    watchdog: d?.watchdog ?? null,
    pageFrozen: d?.pageFrozen ?? false,
  };
}

/**
 * What an iPhone party's record says went wrong on its side, named once for the party
 * (`callee (…): didActivate missing (…), activation-failed, watchdog fired`), or nothing.
 */
function iphoneFindings(who: string, p: QualityParty): string[] {
  if (p.platform !== 'ios-shell') return [];
  const found: string[] = [];
  if (p.didActivateMs === null) found.push('didActivate missing (CallKit never activated the audio session)');
  if (p.activationFailed) found.push('activation-failed');
  if (p.watchdog) found.push(`watchdog ${p.watchdog}`);
  if (p.pageFrozen) found.push('page frozen');
  return found.length ? [`${who}: ${found.join(', ')}`] : [];
}

/**
 * For calls with an iPhone: the findings of the party whose sending direction was silent first (its
 * microphone is where the audio stopped), then the other's; null when neither is an iPhone.
 */
export function diagnosisHint(call: Pick<OneWayCall, 'verdict' | 'caller' | 'callee'>): string | null {
  if (call.caller.platform !== 'ios-shell' && call.callee.platform !== 'ios-shell') return null;
  const silentSender = call.verdict === 'one-way-c2e-silent' ? 'caller' : 'callee';
  const other = silentSender === 'caller' ? 'callee' : 'caller';
  const found = [
    ...iphoneFindings(`${silentSender} (sending the silent direction)`, call[silentSender]),
    ...iphoneFindings(other, call[other]),
  ];
  return found.length ? found.join('; ') : 'iPhone reported nothing unusual: see the SFU stalls';
}

export async function recentOneWay(repo: QualityRepo, limit = 50): Promise<OneWayCall[]> {
  const records = await repo.recentOneWay(limit);
  return records.map((r) => {
    const call = {
      callId: r.callId,
      endedAt: r.endedAt,
      verdict: r.verdict as OneWayCall['verdict'],
      endReason: r.endReason,
      caller: party(r.caller),
      callee: party(r.callee),
      c2e: r.c2e,
      e2c: r.e2c,
    };
    return { ...call, hint: diagnosisHint(call) };
  });
}
