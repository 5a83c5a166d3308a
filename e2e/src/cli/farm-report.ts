/**
 * `npm run farm:report -- results.jsonl out.html`: renders a farm run's results (schema
 * softphone-farm/1) as a self-contained HTML report.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { renderFarmReport } from '../farm/report-html.ts';
import { FarmResultsError, readFarmResults } from '../farm/results.ts';

const USAGE = 'Usage: npm run farm:report -- <results.jsonl> <out.html>\n';

function main(argv: string[]): number {
  let positionals: string[];
  try {
    ({ positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} }));
  } catch (e) {
    process.stderr.write(`farm:report: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const [input, output] = positionals;
  if (!input || !output || positionals.length > 2) {
    process.stderr.write(USAGE);
    return 2;
  }
  try {
    const results = readFarmResults(input);
    fs.writeFileSync(output, renderFarmReport(results));
    const note = results.truncatedLastLine ? ' (last line cut short, not counted)' : '';
    process.stdout.write(`${output}: ${results.calls.length} call(s)${note}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof FarmResultsError) && !(e as NodeJS.ErrnoException).code) throw e;
    process.stderr.write(`farm:report: ${(e as Error).message}\n`);
    return 1;
  }
}

// npm runs a workspace's script in the workspace's folder; paths are the caller's.
if (process.env['INIT_CWD']) process.chdir(process.env['INIT_CWD']);
process.exitCode = main(process.argv.slice(2));
