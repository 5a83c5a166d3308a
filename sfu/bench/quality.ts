/**
 * `npm run bench:quality -- [--rows N] [--engine sqlite|postgres|both]`
 *
 * The field's rates over N stored calls (default 1 000 000) spread over 90 days: each dimension's
 * aggregate (`GET /api/quality?by=…`) timed over the last 7 days, over 7 days from 1 ms before a
 * midday (the most `counts` reads from the records) and over all 90, on SQLite (a
 * fresh file) and on PostgreSQL (a throwaway cluster). The calls are stored through the repo's own
 * write path (`saveAll`, 5000 a transaction: records and daily rollup), so the rollup is the one the
 * server keeps. Each figure is the median of 3 runs after one warm-up. The target (issue 21): under 1 s.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { startPostgres } from '@softphone/test-support/engines/postgres';
import { QUALITY_DIMENSIONS } from '../src/protocol/index.ts';
import { qualityReport } from '../src/quality/report.ts';
import { openPostgres, openSqlite, type Store } from '../src/store/db.ts';
import { recordOf, SqlQualityRepo } from '../src/store/quality.repo.ts';
import { IPHONE, qualityRecord, type QualityRecordRow } from '../test/support/quality-records.ts';
import { percentile } from './percentile.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    engine: { type: 'string', default: 'both' },
  },
});
const ROWS = Number(values.rows);
const DAY = 86_400_000;
const NOW = Date.now();
const FILL_BATCH = 5000;
/**
 * `counts` reads whole days from the rollup and corrects the day `since` falls in from the records of
 * its shorter part: a `since` 1 ms before a midday makes that part almost half a day (≈ 5 500 records here).
 */
const WORST_EDGE = String(Math.floor(NOW / DAY) * DAY - 7 * DAY + DAY / 2 - 1);

const IOS = ['17.6.1', '18.3.2', '18.4.1', '18.5', '26.0'];
const APPS = ['1.3.0', '1.4.0', '1.5.0'];
const PATHS = ['host', 'srflx', 'relay-udp', 'relay-tcp', 'relay-tls', null];
const VERDICTS = [
  'two-way',
  'two-way',
  'two-way',
  'two-way',
  'two-way',
  'two-way',
  'one-way-c2e-silent',
  'one-way-e2c-silent',
  'no-audio',
  'not-answered',
];

/** A deterministic mix: row i's values from i, so both engines hold the same calls. */
function row(i: number): QualityRecordRow {
  const hash = (salt: number): number => {
    let h = Math.imul(i ^ Math.imul(salt, 0x9e3779b9), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  const pick = <T>(xs: readonly T[], salt: number): T => xs[hash(salt) % xs.length] as T;
  const verdict = hash(1) % 97 === 0 ? pick(VERDICTS, 3) : 'two-way';
  const iphone = (salt: number) => ({
    ...IPHONE(pick(IOS, salt), pick(APPS, salt + 1)),
    path: pick(PATHS, salt + 2),
  });
  const side = hash(2) % 3;
  return qualityRecord(`bench-${i}`, NOW - (hash(4) % 90) * DAY - (hash(6) % DAY), {
    verdict,
    ...(verdict === 'not-answered' ? { outcome: 'failed' } : {}),
    ...(side === 0 ? { callee: iphone(5) } : side === 1 ? { caller: iphone(11), callee: iphone(17) } : {}),
  });
}

/** Through the repo's write path (`saveAll`: the records and their daily rollup in one transaction). */
async function fill(store: Store): Promise<number> {
  const repo = new SqlQualityRepo(store.db);
  const started = performance.now();
  for (let from = 0; from < ROWS; from += FILL_BATCH) {
    const rows = Array.from({ length: Math.min(FILL_BATCH, ROWS - from) }, (_, k) => row(from + k));
    await repo.saveAll(rows.map(recordOf));
  }
  return performance.now() - started;
}

async function time(store: Store, label: string): Promise<void> {
  const repo = new SqlQualityRepo(store.db);
  console.log(`\n${label}: ${ROWS} calls over 90 days; median of 3 runs, ms`);
  console.log(
    `${'by'.padEnd(12)} ${'since 7d'.padStart(9)} ${'7d+edge'.padStart(9)} ${'since 90d'.padStart(10)}  groups`,
  );
  for (const by of QUALITY_DIMENSIONS) {
    const figures: string[] = [];
    let groups = 0;
    for (const since of ['7d', WORST_EDGE, '91d']) {
      await qualityReport(repo, { by, since }, NOW);
      const runs: number[] = [];
      for (let k = 0; k < 3; k++) {
        const t = performance.now();
        groups = (await qualityReport(repo, { by, since }, NOW)).rows.length;
        runs.push(performance.now() - t);
      }
      figures.push(
        percentile(
          runs.sort((a, b) => a - b),
          0.5,
        ).toFixed(0),
      );
    }
    console.log(
      `${by.padEnd(12)} ${(figures[0] ?? '').padStart(9)} ${(figures[1] ?? '').padStart(9)} ${(figures[2] ?? '').padStart(10)}  ${groups}`,
    );
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

if (values.engine !== 'postgres') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-quality-'));
  const store = await openSqlite(path.join(dir, 'softphone.db'));
  const ms = await fill(store);
  console.log(`SQLite: ${ROWS} rows written in ${(ms / 1000).toFixed(1)} s`);
  await time(store, 'SQLite');
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
if (values.engine !== 'sqlite') {
  const cluster = await startPostgres({ port: await freePort() });
  try {
    const store = await openPostgres(cluster.createDatabase('bench_quality'));
    const ms = await fill(store);
    await sql`ANALYZE`.execute(store.db);
    console.log(`PostgreSQL: ${ROWS} rows written in ${(ms / 1000).toFixed(1)} s`);
    await time(store, 'PostgreSQL');
    await store.close();
  } finally {
    await cluster.stop();
  }
}
