// @ts-check
/**
 * `npm run test:mutation [module...]`: one Stryker run per decision module of stryker.config.mjs
 * (all of them by default), then one line per module with its score and threshold. Fails when
 * any run failed, which includes a score under its module's `break`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { MODULES } from './stryker.config.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const names = process.argv.slice(2);
const unknown = names.filter((n) => !(n in MODULES));
if (unknown.length) {
  console.error(`unknown module(s) ${unknown.join(', ')}; known: ${Object.keys(MODULES).join(', ')}`);
  process.exit(2);
}

const reportFile = (/** @type {string} */ name) => path.join(here, 'reports/mutation', `${name}.json`);

/**
 * Stryker's mutation score from its JSON report (mutation-testing-report-schema): killed and timed
 * out over every mutant that ran or should have (compile and runtime errors and ignored ones do not count).
 * @param {string} name
 */
function score(name) {
  const file = reportFile(name);
  if (!fs.existsSync(file)) return null;
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  /** @type {{ status: string }[]} */
  const mutants = Object.values(report.files).flatMap((f) => f.mutants);
  const count = (/** @type {string[]} */ statuses) =>
    mutants.filter((m) => statuses.includes(m.status)).length;
  const detected = count(['Killed', 'Timeout']);
  const valid = detected + count(['Survived', 'NoCoverage']);
  return { detected, valid, percent: valid ? (100 * detected) / valid : 100 };
}

const lines = [];
let failed = false;
for (const name of names.length ? names : Object.keys(MODULES)) {
  // A report left by an earlier run must not stand in for a run that stopped before reporting.
  fs.rmSync(reportFile(name), { force: true });
  const run = spawnSync('npx', ['stryker', 'run'], {
    cwd: here,
    stdio: 'inherit',
    env: { ...process.env, MUTATION_MODULE: name },
  });
  failed ||= run.status !== 0;
  const { mutate, break: floor } = MODULES[name] ?? { mutate: name, break: 0 };
  const s = score(name);
  lines.push(
    `${mutate.padEnd(32)} ${s ? `${s.percent.toFixed(2).padStart(6)} % (${s.detected}/${s.valid} killed)` : 'did not run'}` +
      `  break ${floor} %${run.status === 0 ? '' : '  FAILED'}`,
  );
}
console.log(`\nMutation scores (reports in sfu/reports/mutation/):\n${lines.join('\n')}`);
process.exit(failed ? 1 : 0);
