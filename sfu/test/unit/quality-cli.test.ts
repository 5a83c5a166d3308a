/** `npm run quality` as a script runs it: a child process over the store in DATA_DIR. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { QualityReportSchema } from '../../src/protocol/index.ts';
import { openSqlite } from '../../src/store/db.ts';
import { recordOf, SqlQualityRepo } from '../../src/store/quality.repo.ts';
import { IPHONE, qualityRecord } from '../support/quality-records.ts';

const CLI = fileURLToPath(new URL('../../src/quality/cli.ts', import.meta.url));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quality-cli-'));

function quality(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { env: { PATH: process.env.PATH, DATA_DIR: dataDir } },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
  });
}

describe('npm run quality', { timeout: 60_000 }, () => {
  before(async () => {
    const store = await openSqlite(path.join(dataDir, 'softphone.db'));
    const now = Date.now();
    // Through the repo's write path: the rates read the daily rollup it keeps.
    await new SqlQualityRepo(store.db).saveAll(
      [
        qualityRecord('k1', now - 1000, { callee: IPHONE('18.4.1') }),
        qualityRecord('k2', now - 2000, { verdict: 'one-way-c2e-silent', callee: IPHONE('18.4.1') }),
        qualityRecord('k3', now - 3000, { caller: IPHONE('18.3.2') }),
        qualityRecord('k4', now - 30 * 86_400_000, {
          verdict: 'one-way-c2e-silent',
          callee: IPHONE('18.3.2'),
        }),
      ].map(recordOf),
    );
    await store.close();
  });
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('prints the JSON of the API with --json', async () => {
    const { code, stdout } = await quality(
      '--since',
      '7d',
      '--by',
      'ios-version',
      '--json',
      '--compare',
      '18.4.1,18.3.2',
    );
    assert.equal(code, 0);
    const report = QualityReportSchema.parse(JSON.parse(stdout));
    assert.deepEqual(
      report.rows.map((r) => [r.key, r.calls, r.oneWayC2e]),
      [
        ['18.3.2', 1, 0],
        ['18.4.1', 2, 1],
      ],
    );
    assert.equal(report.comparison?.significant, false);
  });

  it('prints a table, one line per value, and the comparison', async () => {
    const { code, stdout } = await quality(
      '--by',
      'ios-version',
      '--since',
      '60d',
      '--compare',
      '18.4.1,18.3.2',
    );
    assert.equal(code, 0);
    const lines = stdout.split('\n');
    assert.match(lines[1] ?? '', /^ios-version\s+calls\s+two-way/);
    assert.match(
      lines.find((l) => l.startsWith('18.3.2')) ?? '',
      /^18\.3\.2\s+2\s+1\s+1\s+0\s+0\s+0\s+50\.00 %/,
    );
    assert.match(
      lines.find((l) => l.startsWith('18.4.1')) ?? '',
      /^18\.4\.1\s+2\s+1\s+1\s+0\s+0\s+0\s+50\.00 %/,
    );
    assert.match(
      stdout,
      /18\.4\.1 − 18\.3\.2: 0\.00 % \(95 % CI -?\d+\.\d+ % – \d+\.\d+ %, Newcombe\): not significant/,
    );
  });

  it('refuses a wrong option saying which, with the usage, exit code 2', async () => {
    const by = await quality('--by', 'country');
    assert.equal(by.code, 2);
    assert.match(by.stderr, /^--by: /);
    assert.match(by.stderr, /usage: npm run quality -- --by <ios-version\|app-version/);
    const unknown = await quality('--by', 'day', '--sinse', '7d');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown option '--sinse'/);
    const missing = await quality();
    assert.match(missing.stderr, /^--by: /);
  });
});
