/**
 * `npm run farm -- --device NAME --scenarios LIST|all --calls N [--faults random|none|all|LIST] [--seed S]
 * [--engine native|page|both] [--out DIR]`: the scenario matrix on an iPhone (issue 13, item 2), one
 * line per call, the results file (softphone-farm/1) and its HTML report, the fault attribution.
 *
 * Exit codes: 0 every call ended as its scenario and fault allow and every fault was attributed,
 * 1 some call or fault did not, 2 bad usage or the rig could not start.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SIGNATURES, writeSignatureWav } from '../audio/wav.ts';
import { faultOutcomes } from '../farm/attribution.ts';
import { FaultListError, FAULTS, parseFaults } from '../farm/faults.ts';
import { ratesClaim, renderFarmReport } from '../farm/report-html.ts';
import { devicesSaid, outcomeOf, readFarmResults, type FarmCall } from '../farm/results.ts';
import { runFarm, type Engine } from '../farm/run-farm.ts';
import { SCENARIOS, ScenarioListError, selectScenarios } from '../farm/scenarios.ts';
import { rateStats } from '@softphone/sfu/quality/stats.ts';

const USAGE = `Usage: npm run farm -- --device NAME --scenarios LIST|all|list --calls N
       [--faults random|none|all|LIST] [--seed S] [--engine native|page|both] [--out DIR] [--minutes M]
  --device     simulated (the shell simulator page); a lab's phones come from FARM_DEVICES
  --scenarios  all, ids or prefixes (locked/*), comma-separated; "list" prints the ids
  --calls      calls per scenario and engine; without --scenarios, calls per engine in all, the
               whole matrix in turn (a soak)
  --faults     simulated iPhone only: random (half the calls), none (default), all (each in turn), or fault ids
  --minutes    stop placing calls after this many minutes (a soak's time box)
`;

class Usage extends Error {}

function int(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Usage(`--${name}: expected a whole number, got "${v}"`);
  return n;
}

function engines(v: string | undefined): Engine[] {
  if (v === undefined || v === 'native') return ['native'];
  if (v === 'page') return ['page'];
  if (v === 'both') return ['native', 'page'];
  throw new Usage(`--engine: native, page or both, not "${v}"`);
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      device: { type: 'string' },
      scenarios: { type: 'string' },
      calls: { type: 'string' },
      faults: { type: 'string', default: 'none' },
      seed: { type: 'string' },
      engine: { type: 'string' },
      out: { type: 'string' },
      minutes: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.scenarios === 'list') {
    process.stdout.write(`${SCENARIOS.map((s) => s.id).join('\n')}\n`);
    return 0;
  }
  if (!values.device) throw new Usage('--device is required');
  if (values.device !== 'simulated')
    throw new Usage(
      `--device ${values.device}: physical iPhones need an Appium session to a lab Mac (e2e/README.md, "Physical iPhones"); this machine runs --device simulated`,
    );
  const scenarios = selectScenarios(values.scenarios ?? 'all');
  const calls = int(values.calls, 'calls', 1);
  if (calls < 1) throw new Usage('--calls: at least 1');
  // Without --scenarios, a soak: --calls in all, over the whole matrix in turn.
  const soak = values.scenarios === undefined;
  const faults = parseFaults(values.faults);
  const seed = int(values.seed, 'seed', Date.now() % 2 ** 31);
  const minutes = values.minutes === undefined ? null : int(values.minutes, 'minutes', 0);
  const outDir = path.resolve(values.out ?? 'results');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = path.join(outDir, `farm-${stamp}.jsonl`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'farm-'));
  const wav = { caller: path.join(work, 'caller.wav'), callee: path.join(work, 'callee.wav') };
  writeSignatureWav(wav.caller, SIGNATURES.caller);
  writeSignatureWav(wav.callee, SIGNATURES.callee);

  const print = (l: string) => process.stdout.write(`${l}\n`);
  print(
    `farm: ${soak ? `${calls} call(s) over ${scenarios.length} scenarios` : `${scenarios.length} scenario(s) × ${calls} call(s)`} × ${engines(values.engine).join('+')}; faults ${values.faults}; seed ${seed}`,
  );
  const html = out.replace(/\.jsonl$/, '.html');
  // The report covers whatever calls were judged, also when the rig dies mid-run (a crashed
  // browser tab): their lines are already in the results file.
  const writeReport = () => {
    if (fs.existsSync(out)) fs.writeFileSync(html, renderFarmReport(readFarmResults(out)));
  };
  const summary = await runFarm({
    scenarios,
    callsPerScenario: soak ? Math.ceil(calls / scenarios.length) : calls,
    ...(soak ? { totalCalls: calls } : {}),
    engines: engines(values.engine),
    faults,
    seed,
    out,
    wav,
    logDir: path.join(work, 'logs'),
    print,
    ...(minutes !== null ? { deadline: Date.now() + minutes * 60_000 } : {}),
  }).catch((err: unknown) => {
    writeReport();
    print(`the run stopped: results so far ${out}, report ${html}`);
    throw err;
  });
  writeReport();
  return report(summary.calls, summary.elapsedMs, scenarios, out, html, print);
}

function report(
  calls: FarmCall[],
  elapsedMs: number,
  scenarios: ReturnType<typeof selectScenarios>,
  out: string,
  html: string,
  print: (l: string) => void,
): number {
  const oneWay = (cs: FarmCall[]) => cs.filter((c) => c.verdict === 'one-way').length;
  const native = calls.filter((c) => c.engine === 'native');
  const perMin = calls.length / (elapsedMs / 60_000);
  print(
    `\n${calls.length} calls in ${(elapsedMs / 60_000).toFixed(1)} min (${perMin.toFixed(1)} calls/min). ` +
      ratesClaim(rateStats(calls.map(outcomeOf)), devicesSaid(calls.map((c) => c.device))),
  );
  let ok = oneWay(native) === 0;
  const expectOf = new Map(scenarios.map((s) => [s.id, s.expect]));
  // A call with no fault must end as its scenario says: two-way, or (before first unlock) unreachable and diagnosed.
  for (const c of calls.filter((x) => x.faults.length === 0)) {
    const expected = expectOf.get(c.scenario);
    const fine =
      expected === 'unreachable'
        ? c.outcome === 'failed' && (c.diagnosis?.scenarioIds.includes('before-first-unlock') ?? false)
        : c.verdict === 'two-way';
    if (!fine) {
      ok = false;
      print(
        `  call ${c.index + 1} ${c.scenario}: ${c.verdict ?? `failed: ${c.error ?? ''}`} (expected ${expected})`,
      );
    }
  }
  for (const f of faultOutcomes(calls)) {
    const want = FAULTS[f.fault].doctor ?? 'two-way, nothing to diagnose';
    print(
      `  fault ${f.fault}: injected ${f.injected}, attributed ${f.attributed} (${want}); native ended wrong ${f.nativeWrong}`,
    );
    for (const m of f.misses)
      print(
        `    call ${m.index + 1} ${m.scenario}: ${m.verdict}, doctor said ${m.got.join(',') || 'nothing'}`,
      );
    if (f.attributed !== f.injected || f.nativeWrong) ok = false;
  }
  print(`results ${out}\nreport  ${html}`);
  return ok ? 0 : 1;
}

if (process.env['INIT_CWD']) process.chdir(process.env['INIT_CWD']);
main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    const known =
      e instanceof Usage ||
      e instanceof ScenarioListError ||
      e instanceof FaultListError ||
      (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
    process.stderr.write(`farm: ${(e as Error).message}\n${known ? USAGE : ''}`);
    process.exitCode = 2;
  },
);
