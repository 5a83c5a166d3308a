/** The call-quality records (issue 21) as the rates see them: counts per value of a dimension, and the last one-way calls. */
import { sql, type Selectable, type RawBuilder } from 'kysely';
import type { QualityDimension } from '../protocol/index.ts';
import type { Db } from './db.ts';
import type { CallQualityTable } from './schema.ts';

export type QualityRecord = Selectable<CallQualityTable>;

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
  /** Counts per value of `by` over the calls that ended at or after `since` (epoch ms). */
  counts(by: QualityDimension, since: number): Promise<QualityCounts[]>;
  /** The last `limit` one-way calls, newest first. */
  recentOneWay(limit: number): Promise<QualityRecord[]>;
}

type Party = 'caller' | 'callee';
const UNKNOWN = sql.lit('unknown');

/** A party's value of a per-party dimension, and the condition for the party to have one. */
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
      return { key: col('app_version'), has: always };
    case 'engine':
      return { key: col('engine'), has: always };
    case 'platform':
      return { key: col('platform'), has: always };
    case 'path':
      return { key: sql`COALESCE(${col('path')}, ${UNKNOWN})`, has: always };
  }
}

export class SqlQualityRepo implements QualityRepo {
  constructor(private readonly db: Db) {}

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
    return this.db
      .selectFrom('call_quality')
      .selectAll()
      .where('verdict', 'in', ['one-way-c2e-silent', 'one-way-e2c-silent'])
      .orderBy('ended_at', 'desc')
      .limit(limit)
      .execute();
  }
}
