/** Places N calls on a rig, writing the results file after each one. */
import { placeCall, type PlaceCallOptions } from './place-call.ts';
import { summarise, writeResults, type CallResult, type RunResult } from './results.ts';
import type { Rig } from './rig.ts';

export async function runCalls(
  rig: Rig,
  opts: PlaceCallOptions & { calls: number; out: string; options: RunResult['options'] },
  onCall: (result: CallResult) => void,
): Promise<RunResult> {
  const run: RunResult = {
    schema: 'softphone-rig/1',
    startedAt: new Date().toISOString(),
    finishedAt: null,
    options: opts.options,
    calls: [],
    summary: summarise([]),
  };
  for (let i = 1; i <= opts.calls; i++) {
    const result = await placeCall(i, rig.caller, rig.callee, opts);
    run.calls.push(result);
    run.summary = summarise(run.calls);
    writeResults(opts.out, run);
    onCall(result);
  }
  run.finishedAt = new Date().toISOString();
  writeResults(opts.out, run);
  return run;
}

/** One console line per call, e.g. `call 2/5  one-way (callee->caller silent)  answer→heard …`. */
export function formatCallLine(r: CallResult, total: number): string {
  const head = `call ${r.index}/${total}`;
  if (r.outcome === 'failed') return `${head}  FAILED: ${r.error ?? 'unknown error'}`;
  const ms = (x: number | null) => (x === null ? '—' : `${x} ms`);
  const verdict =
    r.verdict === 'one-way'
      ? `ONE-WAY (${r.silentDirections.join(', ')} silent)`
      : r.verdict === 'misrouted'
        ? `MISROUTED (${r.misroutedDirections.join(', ')} carried someone else's audio)`
        : (r.verdict ?? '').toUpperCase();
  const d = r.directions;
  return [
    head,
    verdict,
    `dial→callee alerted ${ms(r.timings.dialToCalleeAlertedMs)}`,
    `answer→heard caller→callee ${ms(r.timings.answerToHeardMs['caller->callee'])}, callee→caller ${ms(r.timings.answerToHeardMs['callee->caller'])}`,
    d
      ? `audible ${d['caller->callee'].audibleRatio.toFixed(2)}/${d['callee->caller'].audibleRatio.toFixed(2)}`
      : '',
    d ? networkLine(d) : '',
    r.paths ? `path ${pathText(r.paths.caller)}/${pathText(r.paths.callee)}` : '',
    r.captureBeforeActivation ? 'CAPTURE BEFORE ACTIVATION' : '',
  ]
    .filter(Boolean)
    .join('  ');
}

type Directions = NonNullable<CallResult['directions']>;

/** e.g. `caller→callee loss 4.8 % jitter 21 ms concealed 0.06 MOS 3.71`, per direction. */
export function networkLine(d: Directions): string {
  return (['caller->callee', 'callee->caller'] as const)
    .map((k) => {
      const n = d[k].network;
      if (!n) return '';
      return `${k.replace('->', '→')} loss ${n.lossPercent} % jitter ${n.jitterMs} ms concealed ${n.concealedRatio.toFixed(2)} delay ${n.oneWayDelayMs} ms MOS ${n.mos.toFixed(2)}`;
    })
    .filter(Boolean)
    .join(', ');
}

/** e.g. `host→host`, `relay(tcp)→host`. */
export function pathText(p: NonNullable<CallResult['paths']>['caller']): string {
  if (!p) return 'none';
  return `${p.local}${p.relayProtocol ? `(${p.relayProtocol})` : ''}→${p.remote}${p.protocol === 'tcp' ? '/tcp' : ''}`;
}
