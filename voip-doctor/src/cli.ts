/**
 * Arguments → analysis → one output format → exit code. Kept apart from bin.ts so tests and the bench
 * can run it in-process with their own streams.
 *
 * Exit codes: 0 nothing wrong, 1 warnings only, 2 failures found, 3 unreadable input or bad usage.
 */
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { analyze } from './analyze.ts';
import { Progress } from './progress.ts';
import type { InputSpec } from './reader.ts';
import type { Report } from './report.ts';
import { renderHtml } from './reporters/html.ts';
import { renderJson } from './reporters/json.ts';
import { renderText } from './reporters/text.ts';
import { parseDay, parseZone } from './time.ts';

export const EXIT = { clean: 0, warnings: 1, failures: 2, unreadable: 3 } as const;

export interface Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export const HELP = `Usage: voip-doctor [options] <log>... (use - for stdin; .gz is read as is)

Reads iPhone logs (log show default/syslog/compact/json/ndjson, Console.app copies, forum/ticket
pastes, idevicesyslog) and says why a VoIP call failed.

Options:
  --app-log FILE        the app's own log (any supported format, or pino-style JSON lines); repeatable
  --server-log FILE     the server's push log (JSON lines: apns-id, callId, sentAt, status …); repeatable
  --tolerance SECONDS   clock difference allowed between server and phone (default 2)
  --max-push-delay S    longest push delivery delay still matched to a send (default 30)
  --tz ZONE             zone of phone log times printed without offset: UTC, local, +0530,
                        --tz=-0400 (default: the offset of the previous line in the file, else UTC)
  --server-tz ZONE      zone of server log times without offset (default UTC)
  --date YYYY-MM-DD     date of log lines printed without a date (Console.app copies)
  --gap SECONDS         silence reported as a log gap (default 300)
  --json                JSON report (schema in README.md) on stdout
  --html                HTML report with a timeline picture on stdout
  -o, --output FILE     write the report to FILE instead of stdout
  -v, --verbose         list every occurrence of a repeated finding, every push, a longer timeline
  --progress            always print progress on stderr (default: only for inputs over 64 MB)
  -q, --quiet           never print progress
  -h, --help            this text

Exit: 0 nothing wrong, 1 warnings, 2 failures, 3 unreadable input or bad usage.
`;

const PROGRESS_THRESHOLD = 64 * 1024 * 1024;

class UsageError extends Error {}

function seconds(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback * 1000;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(`--${name} needs a number of seconds, got "${value}"`);
  return n * 1000;
}

function zone(value: string | undefined, name: string): NonNullable<ReturnType<typeof parseZone>> {
  const z = parseZone(value ?? 'UTC');
  if (!z) throw new UsageError(`--${name} needs UTC, local or an offset like +0530, got "${value}"`);
  return z;
}

export function exitCode(report: Report): number {
  const unreadable = [...report.inputs, ...report.serverLogs].some((i) => i.status !== 'ok');
  if (unreadable) return EXIT.unreadable;
  if (report.diagnoses.some((d) => d.severity === 'fail')) return EXIT.failures;
  if (report.diagnoses.length > 0) return EXIT.warnings;
  return EXIT.clean;
}

async function totalBytes(paths: string[]): Promise<number | null> {
  let total = 0;
  for (const p of paths) {
    if (p === '-') return null;
    total += await stat(p).then(
      (s) => s.size,
      () => 0,
    );
  }
  return total;
}

export async function main(argv: string[], io: Io): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'app-log': { type: 'string', multiple: true },
        'server-log': { type: 'string', multiple: true },
        tolerance: { type: 'string' },
        'max-push-delay': { type: 'string' },
        tz: { type: 'string' },
        'server-tz': { type: 'string' },
        date: { type: 'string' },
        gap: { type: 'string' },
        json: { type: 'boolean' },
        html: { type: 'boolean' },
        output: { type: 'string', short: 'o' },
        progress: { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.stderr.write(`voip-doctor: ${(e as Error).message}\n\n${HELP}`);
    return EXIT.unreadable;
  }
  const v = args.values;
  if (v.help) {
    io.stdout.write(HELP);
    return EXIT.clean;
  }
  const inputs: InputSpec[] = [
    ...args.positionals.map((path) => ({ path, role: 'device' as const })),
    ...(v['app-log'] ?? []).map((path) => ({ path, role: 'app' as const })),
  ];
  const serverLogs = v['server-log'] ?? [];
  try {
    if (inputs.length === 0) throw new UsageError('no log given');
    if ([...inputs.map((i) => i.path), ...serverLogs].filter((p) => p === '-').length > 1) {
      throw new UsageError('stdin (-) can be read only once');
    }
    if (v.json && v.html) throw new UsageError('choose one of --json and --html');
    const day = v.date === undefined ? null : parseDay(v.date);
    if (day === null && v.date !== undefined)
      throw new UsageError(`--date needs YYYY-MM-DD, got "${v.date}"`);
    const total = await totalBytes([...inputs.map((i) => i.path), ...serverLogs]);
    const wantProgress = !v.quiet && (v.progress || total === null || total >= PROGRESS_THRESHOLD);
    const progress = wantProgress ? new Progress({ total, stream: io.stderr }) : null;
    progress?.start();
    const report = await analyze({
      inputs,
      serverLogs,
      zone: zone(v.tz, 'tz'),
      zoneGiven: v.tz !== undefined,
      serverZone: zone(v['server-tz'], 'server-tz'),
      day,
      toleranceMs: seconds(v.tolerance, 'tolerance', 2),
      maxDelayMs: seconds(v['max-push-delay'], 'max-push-delay', 30),
      gapMs: seconds(v.gap, 'gap', 300),
      stdin: io.stdin,
      onBytes: (n) => progress?.add(n),
    });
    progress?.stop();
    const text = v.json
      ? renderJson(report)
      : v.html
        ? renderHtml(report)
        : renderText(report, { verbose: v.verbose ?? false });
    if (v.output) {
      const out = createWriteStream(v.output);
      out.end(text);
      await finished(out);
    } else io.stdout.write(text);
    for (const i of [...report.inputs, ...report.serverLogs]) {
      if (i.status !== 'ok')
        io.stderr.write(`voip-doctor: ${i.path}: ${i.status}${i.error ? ` (${i.error})` : ''}\n`);
    }
    return exitCode(report);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`voip-doctor: ${e.message}\n\n${HELP}`);
    return EXIT.unreadable;
  }
}
