/**
 * The quality record of each ended call (issue 21): one row per call, written once when it ends,
 * read back by call id, pruned after the retention period (`QUALITY_RETENTION_DAYS`), and counted
 * per value of a dimension for the rates from its daily rollup (quality-daily.ts).
 */
import { sql } from 'kysely';
import {
  QUALITY_DIMENSIONS,
  type DirectionFigures,
  type PartyRecord,
  type QualityDimension,
  type QualityRecord,
} from '../protocol/index.ts';
import type { Db } from './db.ts';
import {
  addToDaily,
  DAY_MS,
  NO_CALLS,
  ROLLUP_COLUMNS,
  rollUp,
  VERDICT_COUNTS,
  type RollupSource,
  type VerdictCounts,
} from './quality-daily.ts';
import type { CallQualityDailyTable, CallQualityTable } from './schema.ts';

/** The verdict counts of the calls that share one value of a dimension (a day: days since the epoch, UTC). */
export interface QualityCounts extends VerdictCounts {
  key: string | number;
}

export interface QualityRepo {
  /** Writes the call's record; a second write for the same call (a retried end) changes nothing. */
  save(record: QualityRecord): Promise<void>;
  /** {@link save} for many records in one transaction (bench:quality fills through it). */
  saveAll(records: readonly QualityRecord[]): Promise<void>;
  byCall(callId: string): Promise<QualityRecord | undefined>;
  /** Deletes the records of calls that ended before `before`, and takes them out of the daily rollup; returns how many. */
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

/** A stored row back as the record it was written from (save), under the columns' CHECKs. */
export function recordOf(row: Cols): QualityRecord {
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

/** The record as its row (save). */
function rowOf(r: QualityRecord): Row {
  return {
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
}

// A record binds 35 values; SQLite binds at most 32 766 a statement.
const INSERT_BATCH = 900;

export class SqlQualityRepo implements QualityRepo {
  constructor(private readonly db: Db) {}

  async save(r: QualityRecord): Promise<void> {
    await this.saveAll([r]);
  }

  async saveAll(records: readonly QualityRecord[]): Promise<void> {
    // One row per call even when the same call comes twice in one batch.
    const rows = [...new Map(records.map((r) => [r.callId, rowOf(r)])).values()];
    await this.db.transaction().execute(async (t) => {
      const inserted: Row[] = [];
      for (let from = 0; from < rows.length; from += INSERT_BATCH) {
        const batch = rows.slice(from, from + INSERT_BATCH);
        // Only the rows this transaction inserted are added to the rollup: a call already saved
        // (here, or by another node at the same moment: the insert waits for its commit) is not.
        const ids = await t
          .insertInto('call_quality')
          .values(batch)
          .onConflict((c) => c.column('call_id').doNothing())
          .returning('call_id')
          .execute();
        const fresh = new Set(ids.map((i) => i.call_id));
        inserted.push(...batch.filter((row) => fresh.has(row.call_id)));
      }
      await addToDaily(t, rollUp(inserted));
    });
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
    const cut = Math.floor(before / DAY_MS);
    return this.db.transaction().execute(async (t) => {
      // Whole days go from both tables; the day `before` falls in loses only its calls before it,
      // taken away from its rollup rows as they are deleted (RETURNING: only the rows this prune
      // deleted, when two nodes prune at once).
      const whole = await t
        .deleteFrom('call_quality')
        .where('ended_at', '<', cut * DAY_MS)
        .executeTakeFirst();
      await t.deleteFrom('call_quality_daily').where('day', '<', cut).execute();
      const partial = (await t
        .deleteFrom('call_quality')
        .where('ended_at', '>=', cut * DAY_MS)
        .where('ended_at', '<', before)
        .returning(ROLLUP_COLUMNS)
        .execute()) as RollupSource[];
      await addToDaily(t, rollUp(partial, QUALITY_DIMENSIONS, -1));
      await t.deleteFrom('call_quality_daily').where('day', '=', cut).where('calls', '=', 0).execute();
      return Number(whole.numDeletedRows) + partial.length;
    });
  }

  async counts(by: QualityDimension, since: number): Promise<QualityCounts[]> {
    // Whole days from the rollup, and the day `since` falls in corrected from the records of the
    // shorter part of it (at most half a day's, through the ended_at index): its records from `since`
    // on added, or the whole day taken from the rollup less its records before `since`.
    const day = Math.floor(since / DAY_MS);
    const midnight = day * DAY_MS;
    const subtract = since - midnight < DAY_MS / 2;
    const firstDay = subtract ? day : day + 1;
    const [from, to] = subtract ? [midnight, since] : [since, midnight + DAY_MS];
    const edge = (await this.db
      .selectFrom('call_quality')
      .select(ROLLUP_COLUMNS)
      .where('ended_at', '>=', from)
      .where('ended_at', '<', to)
      .execute()) as RollupSource[];
    const sum = (c: keyof CallQualityDailyTable) => sql<number>`SUM(${sql.ref(c)})`;
    const key = by === 'day' ? 'day' : 'key';
    const days = await this.db
      .selectFrom('call_quality_daily')
      .select([
        sql.ref<string | number>(key).as('key'),
        sum('calls').as('calls'),
        sum('two_way').as('twoWay'),
        sum('one_way_c2e').as('oneWayC2e'),
        sum('one_way_e2c').as('oneWayE2c'),
        sum('no_audio').as('noAudio'),
        sum('failed').as('failed'),
      ])
      .where('dimension', '=', by)
      .where('day', '>=', firstDay)
      .groupBy(key)
      .execute();
    const counts = new Map<string | number, QualityCounts>();
    const add = (key: string | number, d: VerdictCounts) => {
      const c = counts.get(key) ?? { key, ...NO_CALLS };
      // Number(): PostgreSQL's SUM of integers is a bigint, which only the store's pool reads as a number.
      for (const f of VERDICT_COUNTS) c[f] += Number(d[f]);
      counts.set(key, c);
    };
    for (const d of days) add(d.key, d);
    for (const d of rollUp(edge, [by], subtract ? -1 : 1)) add(by === 'day' ? d.day : d.key, d);
    return [...counts.values()].filter((c) => c.calls > 0);
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
