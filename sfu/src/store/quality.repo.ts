/**
 * The quality record of each ended call (issue 21): one row per call, written once when it ends,
 * read back by call id, and pruned after the retention period (`QUALITY_RETENTION_DAYS`).
 */
import type { DirectionFigures, PartyRecord, QualityRecord } from '../protocol/index.ts';
import type { Db } from './db.ts';
import type { CallQualityTable } from './schema.ts';

export interface QualityRepo {
  /** Writes the call's record; a second write for the same call (a retried end) changes nothing. */
  save(record: QualityRecord): Promise<void>;
  byCall(callId: string): Promise<QualityRecord | undefined>;
  /** Deletes the records of calls that ended before `before`; returns how many. */
  prune(before: number): Promise<number>;
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
    if (!row) return undefined;
    // Written only from QualityRecord values (save), under the columns' CHECKs.
    return {
      callId: row['call_id'] as string,
      endedAt: row['ended_at'] as number,
      outcome: row['outcome'] as QualityRecord['outcome'],
      endReason: row['end_reason'] as string,
      caller: partyOf(row, 'caller'),
      callee: partyOf(row, 'callee'),
      c2e: directionOf(row, 'c2e'),
      e2c: directionOf(row, 'e2c'),
      verdict: row['verdict'] as QualityRecord['verdict'],
    };
  }

  async prune(before: number): Promise<number> {
    const res = await this.db.deleteFrom('call_quality').where('ended_at', '<', before).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
