/**
 * `npm run bench:call -- [--calls N]`: places N calls (default 20) and prints p50 / p95 of
 * dial → callee alerted (the callee's page got `call:incoming`), answer → the onset of each
 * direction's first heard audio (within ~25 ms, e2e/README.md), answer → both heard.
 */
import { Rig } from '../rig/rig.ts';
import { formatCallLine, runCalls } from '../rig/run-calls.ts';
import { runPassed, type CallResult } from '../rig/results.ts';
import { percentile } from '../rig/percentile.ts';
import { parseRigOptions, UsageError } from './rig-options.ts';

const HELP = `Usage: npm run bench:call -- [--calls N] [--hold-ms MS] [rig options, see npm run rig -- --help]`;

const METRICS: [string, (r: CallResult) => number | null][] = [
  ['dial → callee alerted', (r) => r.timings.dialToCalleeAlertedMs],
  ['answer → caller heard by callee', (r) => r.timings.answerToHeardMs['caller->callee']],
  ['answer → callee heard by caller', (r) => r.timings.answerToHeardMs['callee->caller']],
  ['answer → both heard', (r) => r.timings.answerToBothHeardMs],
];

async function main(): Promise<number> {
  const o = parseRigOptions(process.argv.slice(2), { calls: 20, holdMs: 1_000, name: 'bench-call' }, HELP);
  console.error(`bench:call: ${o.calls} calls; starting the rig (logs: ${o.logDir})`);
  const rig = await Rig.start({ profile: o.profile, wav: o.wav, logDir: o.logDir, serverUrl: o.serverUrl });
  try {
    const run = await runCalls(
      rig,
      {
        calls: o.calls,
        holdMs: o.holdMs,
        heardTimeoutMs: o.heardTimeoutMs,
        out: o.out,
        options: { calls: o.calls, holdMs: o.holdMs, profile: o.profile, wav: o.wav },
      },
      (r) => console.error(formatCallLine(r, o.calls)),
    );
    console.log(`\nbench:call — ${run.summary.calls} calls, ${run.summary.twoWay} two-way (${o.profile})`);
    console.log(`${'metric'.padEnd(34)}${'p50'.padStart(9)}${'p95'.padStart(9)}${'n'.padStart(5)}`);
    for (const [name, get] of METRICS) {
      const xs = run.calls.map(get).filter((x): x is number => x !== null);
      const f = (x: number | null) => (x === null ? '—' : `${x} ms`).padStart(9);
      console.log(
        `${name.padEnd(34)}${f(percentile(xs, 50))}${f(percentile(xs, 95))}${String(xs.length).padStart(5)}`,
      );
    }
    console.log(`results: ${o.out}`);
    return runPassed(run.summary) ? 0 : 1;
  } finally {
    await rig.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(
      err instanceof UsageError
        ? err.message
        : `bench:call: ${err instanceof Error ? err.message : String(err)}`,
    );
    process.exit(2);
  },
);
