/**
 * `npm run quality -- --by ios-version [--since 7d] [--compare a,b] [--json]`: the rates of
 * `GET /api/quality` read straight from the store the server uses (DATABASE_URL, else DATA_DIR's
 * SQLite file), as a table for people or, with `--json`, the API's JSON for scripts.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod/mini';
import { ConfigError, loadConfig } from '../config.ts';
import { QualityQuerySchema, QUALITY_DIMENSIONS, type QualityReport } from '../protocol/index.ts';
import { openStore } from '../store/db.ts';
import { SqlQualityRepo } from '../store/quality.repo.ts';
import { qualityReport } from './report.ts';

const USAGE = `usage: npm run quality -- --by <${QUALITY_DIMENSIONS.join('|')}> [--since 7d|12h|<epoch ms>] [--compare a,b] [--json]`;

class UsageError extends Error {}

const CliOptionsSchema = z.extend(QualityQuerySchema, { json: z.boolean() });
type CliOptions = z.infer<typeof CliOptionsSchema>;

function parseCliOptions(argv: string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        by: { type: 'string' },
        since: { type: 'string' },
        compare: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const parsed = CliOptionsSchema.safeParse(values);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const option = first?.path[0] ? `--${String(first.path[0])}` : 'options';
    throw new UsageError(`${option}: ${first?.message ?? 'invalid'}\n${USAGE}`);
  }
  return parsed.data;
}

const percent = (x: number) => `${(100 * x).toFixed(2)} %`;

/** The report as aligned text: one line per value of the dimension, then the comparison. */
function formatTable(r: QualityReport): string {
  const head = [
    r.by,
    'calls',
    'two-way',
    '1w c→e',
    '1w e→c',
    'no audio',
    'failed',
    'one-way',
    '95 % CI',
    '0-fail ≤',
  ];
  const lines = r.rows.map((row) => [
    row.key,
    String(row.calls),
    String(row.twoWay),
    String(row.oneWayC2e),
    String(row.oneWayE2c),
    String(row.noAudio),
    String(row.failed),
    percent(row.oneWayRate),
    `${percent(row.wilson.lo)} – ${percent(row.wilson.hi)}`,
    row.zeroFailureUpper === null ? '' : percent(row.zeroFailureUpper),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const render = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [
    `one-way rate by ${r.by} since ${new Date(r.since).toISOString()} (one-way / calls that carried audio)`,
    render(head),
    ...lines.map(render),
  ];
  if (r.rows.length === 0) out.push('(no calls)');
  if (r.comparison) {
    const c = r.comparison;
    out.push(
      '',
      `${c.a} − ${c.b}: ${percent(c.difference)} (95 % CI ${percent(c.interval.lo)} – ${percent(c.interval.hi)}, Newcombe): ` +
        (c.significant ? 'significant' : 'not significant'),
    );
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const options = parseCliOptions(process.argv.slice(2));
  const config = loadConfig();
  const store = await openStore({
    databaseUrl: config.DATABASE_URL,
    sqliteFile: path.join(config.DATA_DIR, 'softphone.db'),
  });
  try {
    const { json, ...query } = options;
    const report = await qualityReport(new SqlQualityRepo(store.db), query, Date.now());
    process.stdout.write(`${json ? JSON.stringify(report, null, 2) : formatTable(report)}\n`);
  } finally {
    await store.close();
  }
}

main().catch((err: unknown) => {
  if (err instanceof UsageError || err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(`quality: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
