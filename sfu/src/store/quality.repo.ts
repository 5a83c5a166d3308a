/**
 * The quality record of each ended call (issue 21): one row per call, written once when it ends,
 * read back by call id, pruned after the retention period (`QUALITY_RETENTION_DAYS`), and counted
 * per value of a dimension for the rates.
 */
import { sql, type RawBuilder } from 'kysely';
import type { DirectionFigures, PartyRecord, QualityDimension, QualityRecord } from '../protocol/index.ts';
import type { Db } from './db.ts';
import type { CallQualityTable } from './schema.ts';

/** The verdict counts of the calls that share one value of a dimension (a day: days since the epoch, UTC). */
export interface QualityCounts {
  key: string | number;
  calls: number;
  twoWay: number;
  oneWayC2e: number;
  oneWayE2c: number;
  noAudio: number;
  failed: number;
}

export interface QualityRepo {
  /** Writes the call's record; a second write for the same call (a retried end) changes nothing. */
  save(record: QualityRecord): Promise<void>;
  byCall(callId: string): Promise<QualityRecord | undefined>;
  /** Deletes the records of calls that ended before `before`; returns how many. */
  prune(before: number): Promise<number>;
  /** Counts per value of `by` over the calls that ended at or after `since` (epoch ms). */
  counts(by: QualityDimension, since: number): Promise<QualityCounts[]>;
  /** The last `limit` one-way calls, newest first. */
  recentOneWay(limit: number): Promise<QualityRecord[]>;
}

const bit = (b: boolean): number => (b ? 1 : 0);

function partyColumns<P extends 'caller' | 'callee'>(p: P, r: PartyRecord) {
  const d = r.report;
  return {
    [`${p}_platform`]: d?.platform ?? null,
    [`${p}_os`]: d?.os ?? null,
    [`${p}_os_version`]: d?.osVersion ?? null,
    [`${p}_model`]: d?.model ?? null,
    [`${p}_app_version`]: d?.appVersion ?? null,
    [`${p}_engine`]: d?.engine ?? null,
    [`${p}_path`]: d?.path ?? null,
    [`${p}_did_activate_ms`]: d?.didActivateMs ?? null,
    [`${p}_activation_failed`]: bit(r.activationFailed),
    [`${p}_watchdog`]: d?.watchdog ?? null,
    [`${p}_page_frozen`]: bit(d?.pageFrozen ?? false),
  };
}

function directionColumns<D extends 'c2e' | 'e2c'>(d: D, f: DirectionFigures) {
  return {
    [`${d}_first_rtp_ms`]: f.firstRtpMs,
    [`${d}_packets`]: f.packets,
    [`${d}_stalls`]: f.stalls,
    [`${d}_heard`]: bit(f.heard),
  };
}

type Row = CallQualityTable;
type Cols = Record<string, unknown>;

/** A party as stored: no report when the device never sent one (its platform column is null). */
function partyOf(row: Cols, p: 'caller' | 'callee'): PartyRecord {
  const c = (k: string) => row[`${p}_${k}`];
  const activationFailed = c('activation_failed') === 1;
  if (c('platform') === null) return { report: null, activationFailed };
  // The columns' CHECKs admit only the report's enums; the rest was validated when it came in.
  const report = {
    platform: c('platform'),
    os: c('os'),
    osVersion: c('os_version'),
    model: c('model'),
    appVersion: c('app_version'),
    engine: c('engine'),
    path: c('path'),
    ...(c('platform') === 'ios-shell'
      ? { didActivateMs: c('did_activate_ms'), watchdog: c('watchdog'), pageFrozen: c('page_frozen') === 1 }
      : c('page_frozen') === 1
        ? { pageFrozen: true }
        : {}),
  } as PartyRecord['report'];
  return { report, activationFailed };
}

function directionOf(row: Cols, d: 'c2e' | 'e2c'): DirectionFigures {
  return {
    firstRtpMs: row[`${d}_first_rtp_ms`] as number | null,
    packets: row[`${d}_packets`] as number,
    stalls: row[`${d}_stalls`] as number,
    heard: row[`${d}_heard`] === 1,
  };
}

type Party = 'caller' | 'callee';
const UNKNOWN = sql.lit('unknown');

/** A party's value of a per-party dimension (`unknown` where its device never said), and the condition for the party to have one. */
function partyKey(
  by: Exclude<QualityDimension, 'day'>,
  p: Party,
): { key: RawBuilder<unknown>; has: RawBuilder<unknown> } {
  const col = (name: string) => sql.ref(`${p}_${name}`);
  const always = sql`1 = 1`;
  switch (by) {
    case 'ios-version':
      return { key: col('os_version'), has: sql`${col('platform')} = 'ios-shell'` };
    case 'app-version':
      return { key: sql`COALESCE(${col('app_version')}, ${UNKNOWN})`, has: always };
    case 'engine':
      return { key: sql`COALESCE(${col('engine')}, ${UNKNOWN})`, has: always };
    case 'platform':
      return { key: sql`COALESCE(${col('platform')}, ${UNKNOWN})`, has: always };
    case 'path':
      return { key: sql`COALESCE(${col('path')}, ${UNKNOWN})`, has: always };
  }
}

/** A stored row back as the record it was written from (save), under the columns' CHECKs. */
function recordOf(row: Cols): QualityRecord {
  return {
    callId: row['call_id'] as string,
    endedAt: Number(row['ended_at']),
    outcome: row['outcome'] as QualityRecord['outcome'],
    endReason: row['end_reason'] as string,
    caller: partyOf(row, 'caller'),
    callee: partyOf(row, 'callee'),
    c2e: directionOf(row, 'c2e'),
    e2c: directionOf(row, 'e2c'),
    verdict: row['verdict'] as QualityRecord['verdict'],
  };
}

export class SqlQualityRepo implements QualityRepo {
  constructor(private readonly db: Db) {}

  async save(r: QualityRecord): Promise<void> {
    const row = {
      call_id: r.callId,
      ended_at: r.endedAt,
      outcome: r.outcome,
      end_reason: r.endReason,
      verdict: r.verdict,
      ...partyColumns('caller', r.caller),
      ...partyColumns('callee', r.callee),
      ...directionColumns('c2e', r.c2e),
      ...directionColumns('e2c', r.e2c),
    } as Row;
    await this.db
      .insertInto('call_quality')
      .values(row)
      .onConflict((c) => c.column('call_id').doNothing())
      .execute();
  }

  async byCall(callId: string): Promise<QualityRecord | undefined> {
    const row = (await this.db
      .selectFrom('call_quality')
      .selectAll()
      .where('call_id', '=', callId)
      .executeTakeFirst()) as Cols | undefined;
    return row && recordOf(row);
  }

  async prune(before: number): Promise<number> {
    const res = await this.db.deleteFrom('call_quality').where('ended_at', '<', before).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async counts(by: QualityDimension, since: number): Promise<QualityCounts[]> {
    const recent = sql`ended_at >= ${since}`;
    let keyed: RawBuilder<unknown>;
    if (by === 'day') {
      // Integer division on both engines (BIGINT / integer): whole days since the epoch, UTC.
      keyed = sql`SELECT ended_at / 86400000 AS k, verdict, outcome FROM call_quality WHERE ${recent}`;
    } else {
      // A call counts once under each distinct value its two parties have: under both iOS versions
      // of a call between two iPhones, once when both run the same one.
      const caller = partyKey(by, 'caller');
      const callee = partyKey(by, 'callee');
      keyed = sql`SELECT ${caller.key} AS k, verdict, outcome FROM call_quality WHERE ${recent} AND ${caller.has}
        UNION ALL
        SELECT ${callee.key} AS k, verdict, outcome FROM call_quality WHERE ${recent} AND ${callee.has}
          AND NOT (${caller.has} AND ${caller.key} = ${callee.key})`;
    }
    const count = (condition: RawBuilder<unknown>) => sql`SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;
    const { rows } = await sql<QualityCounts>`
      SELECT k AS "key", COUNT(*) AS "calls",
        ${count(sql`verdict = 'two-way'`)} AS "twoWay",
        ${count(sql`verdict = 'one-way-c2e-silent'`)} AS "oneWayC2e",
        ${count(sql`verdict = 'one-way-e2c-silent'`)} AS "oneWayE2c",
        ${count(sql`verdict = 'no-audio'`)} AS "noAudio",
        ${count(sql`outcome = 'failed'`)} AS "failed"
      FROM (${keyed}) AS keyed GROUP BY k`.execute(this.db);
    return rows;
  }

  async recentOneWay(limit: number): Promise<QualityRecord[]> {
    const rows = (await this.db
      .selectFrom('call_quality')
      .selectAll()
      .where('verdict', 'in', ['one-way-c2e-silent', 'one-way-e2c-silent'])
      .orderBy('ended_at', 'desc')
      .limit(limit)
      .execute()) as Cols[];
    return rows.map(recordOf);
  }
}
