/**
 * `npm run farm` on the simulated iPhone, as CI runs it: a representative short matrix (one call per
 * scenario the simulator plays reliably here, each playable fault at least once) with the shell's
 * native engine, then every injected fault must come back from voip-doctor with its scenario id and
 * no native call may be one-way. The full `--scenarios all --calls 3` is the same command with more
 * calls (e2e/README.md, "Farm runs").
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { faultOutcomes } from '../../src/farm/attribution.ts';
import { FAULTS } from '../../src/farm/faults.ts';
import { readFarmResults } from '../../src/farm/results.ts';

const SCENARIOS = [
  'foreground/in-app/iphone-receives/hangup-far',
  'foreground/callkit/iphone-receives/hold-resume/hangup-iphone',
  'background/callkit/iphone-receives/hangup-far',
  'locked/lock-screen/iphone-receives/hangup-iphone',
  'foreground/in-app/iphone-calls/hold-resume/hangup-far',
];
const ALL_FAULTS = Object.values(FAULTS);

// The simulated adapter (src/farm/simulated-iphone.ts) still drives the bridge-v1 simulator: since
// issue 12 the web view is a window of its own, hold is CallKit's and the phone's downlink is read
// from the native engine, so its calls fail here until it follows (issue 13).
const NOT_YET = "the farm's simulated adapter does not follow the bridge-v2 simulator yet (issue 13)";

describe('npm run farm on the simulated iPhone', { timeout: 600_000, skip: NOT_YET }, () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-farm-'));
  const run = (args: string[]) =>
    spawnSync('npx', ['tsx', 'src/cli/farm.ts', '--device', 'simulated', '--out', out, ...args], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      encoding: 'utf8',
    });

  it('two-way on every scenario without faults, and each playable fault attributed to its voip-doctor id', () => {
    const clean = run(['--scenarios', SCENARIOS.join(','), '--calls', '1', '--seed', '13']);
    assert.equal(clean.status, 0, clean.stdout + clean.stderr);
    const faulted = run([
      '--scenarios',
      SCENARIOS.filter((s) => s.includes('iphone-receives')).join(','),
      '--calls',
      '1',
      '--seed',
      '13',
      '--faults',
      ALL_FAULTS.map((f) => f.id).join(','),
    ]);
    const files = fs
      .readdirSync(out)
      .filter((f) => f.endsWith('.jsonl'))
      .sort();
    const calls = readFarmResults(path.join(out, files.at(-1) as string)).calls;
    const outcomes = faultOutcomes(calls);
    for (const f of ALL_FAULTS) {
      const o = outcomes.find((x) => x.fault === f.id);
      assert.ok(o && o.injected > 0, `${f.id} was never injected: ${faulted.stdout}`);
      assert.equal(o.attributed, o.injected, `${f.id}: ${JSON.stringify(o.misses)}`);
      assert.equal(o.nativeWrong, 0, `${f.id}: the native engine did not end as the fault allows`);
    }
    assert.equal(calls.filter((c) => c.verdict === 'one-way').length, 0, 'a native call was one-way');
    assert.equal(faulted.status, 0, faulted.stdout + faulted.stderr);
  });
});
