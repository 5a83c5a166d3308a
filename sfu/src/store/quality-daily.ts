/**
 * The daily rollup of the quality records (issue 21, migration 016): per UTC day, dimension and key,
 * the verdict counts of the calls that ended that day. The rates over 90 days of a million calls
 * then read a few thousand rollup rows instead of every record twice (bench:quality).
 *
 * The keys of a record are computed here, once, for the rollup's writes (save, prune, the
 * migration's backfill) and for the part of a day `counts` reads from the records, so the rule
 * "a call counts once under each distinct value of its two parties" has one implementation.
 */
import { sql, type Kysely } from 'kysely';
import { QUALITY_DIMENSIONS, type QualityDimension } from '../protocol/index.ts';
import type { CallQualityTable } from './schema.ts';

export const DAY_MS = 86_400_000;

/** The columns of a record its keys and counts come from. */
export const ROLLUP_COLUMNS = [
  'ended_at',
  'verdict',
  'outcome',
  ...(['caller', 'callee'] as const).flatMap(
    (p) => [`${p}_platform`, `${p}_os_version`, `${p}_app_version`, `${p}_engine`, `${p}_path`] as const,
  ),
] as const;
export type RollupSource = Pick<CallQualityTable, (typeof ROLLUP_COLUMNS)[number]>;

export interface VerdictCounts {
  calls: number;
  twoWay: number;
  oneWayC2e: number;
  oneWayE2c: number;
  noAudio: number;
  failed: number;
}

/** No calls: where every count starts. */
export const NO_CALLS: Readonly<VerdictCounts> = {
  calls: 0,
  twoWay: 0,
  oneWayC2e: 0,
  oneWayE2c: 0,
  noAudio: 0,
  failed: 0,
};

/** One rollup row's worth: `day` in days since the epoch (UTC); `key` is '' for the `day` dimension. */
export interface DailyDelta extends VerdictCounts {
  day: number;
  dimension: QualityDimension;
  key: string;
}

const PARTY_COLUMN = {
  'app-version': 'app_version',
  engine: 'engine',
  platform: 'platform',
  path: 'path',
} as const;

/** The distinct values of `by` among the record's parties (`unknown` where its device never said). */
export function keysOf(r: RollupSource, by: Exclude<QualityDimension, 'day'>): string[] {
  const keys = new Set<string>();
  for (const p of ['caller', 'callee'] as const) {
    if (by === 'ios-version') {
      // Only an iPhone has an iOS version worth a row; its report always carries one.
      if (r[`${p}_platform`] === 'ios-shell') keys.add(r[`${p}_os_version`] ?? 'unknown');
      continue;
    }
    keys.add(r[`${p}_${PARTY_COLUMN[by]}`] ?? 'unknown');
  }
  return [...keys];
}

function countsOf(r: RollupSource): VerdictCounts {
  return {
    calls: 1,
    twoWay: r.verdict === 'two-way' ? 1 : 0,
    oneWayC2e: r.verdict === 'one-way-c2e-silent' ? 1 : 0,
    oneWayE2c: r.verdict === 'one-way-e2c-silent' ? 1 : 0,
    noAudio: r.verdict === 'no-audio' ? 1 : 0,
    failed: r.outcome === 'failed' ? 1 : 0,
  };
}

export const VERDICT_COUNTS = ['calls', 'twoWay', 'oneWayC2e', 'oneWayE2c', 'noAudio', 'failed'] as const;

/**
 * The records summed per day, dimension and key (`sign` -1 to take them away), in the rollup's key
 * order: concurrent transactions upserting the same rows lock them in the same order (no deadlock).
 */
export function rollUp(
  records: readonly RollupSource[],
  dimensions: readonly QualityDimension[] = QUALITY_DIMENSIONS,
  sign: 1 | -1 = 1,
): DailyDelta[] {
  const sums = new Map<string, DailyDelta>();
  for (const r of records) {
    const day = Math.floor(Number(r.ended_at) / DAY_MS);
    const counts = countsOf(r);
    for (const dimension of dimensions) {
      for (const key of dimension === 'day' ? [''] : keysOf(r, dimension)) {
        const id = `${day}\u0000${dimension}\u0000${key}`;
        let sum = sums.get(id);
        if (!sum) {
          sum = { day, dimension, key, ...NO_CALLS };
          sums.set(id, sum);
        }
        for (const c of VERDICT_COUNTS) sum[c] += sign * counts[c];
      }
    }
  }
  return [...sums.values()].sort(
    (a, b) =>
      a.dimension.localeCompare(b.dimension) || a.day - b.day || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}

// Each row binds 9 values; SQLite binds at most 32 766 a statement.
const UPSERT_BATCH = 3000;

/**
 * Adds the deltas to the rollup, atomically per row on both engines (`x = x + excluded.x`), so two
 * nodes saving calls of the same day on one PostgreSQL both count. Run it in the transaction that
 * writes or deletes the records the deltas come from.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migration's backfill calls it with its untyped view
export async function addToDaily(db: Kysely<any>, deltas: readonly DailyDelta[]): Promise<void> {
  for (let from = 0; from < deltas.length; from += UPSERT_BATCH) {
    const rows = deltas.slice(from, from + UPSERT_BATCH).map((d) => ({
      day: d.day,
      dimension: d.dimension,
      key: d.key,
      calls: d.calls,
      two_way: d.twoWay,
      one_way_c2e: d.oneWayC2e,
      one_way_e2c: d.oneWayE2c,
      no_audio: d.noAudio,
      failed: d.failed,
    }));
    const add = (c: string) => sql`${sql.ref(`call_quality_daily.${c}`)} + ${sql.ref(`excluded.${c}`)}`;
    await db
      .insertInto('call_quality_daily')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['dimension', 'day', 'key']).doUpdateSet({
          calls: add('calls'),
          two_way: add('two_way'),
          one_way_c2e: add('one_way_c2e'),
          one_way_e2c: add('one_way_e2c'),
          no_audio: add('no_audio'),
          failed: add('failed'),
        }),
      )
      .execute();
  }
}
