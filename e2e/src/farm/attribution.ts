/**
 * Whether each injected fault came back as it must (issue 13, items 5 and 8): diagnosed by voip-doctor
 * with the fault's scenario id, and on the native engine ended as the fault allows (two-way, or
 * flagged by the shell's watchdog), never one-way.
 */
import { FAULTS, type Fault, type FaultId } from './faults.ts';
import type { FarmCall } from './results.ts';

export interface FaultOutcome {
  fault: FaultId;
  injected: number;
  /** The doctor named the fault's scenario id (or, for a fault with none, the call stayed two-way). */
  attributed: number;
  /** Native-engine calls that didn't end as the fault allows. */
  nativeWrong: number;
  misses: { index: number; scenario: string; got: string[]; verdict: string }[];
}

export function endedAsAllowed(call: FarmCall, fault: Fault): boolean {
  if (call.verdict === 'one-way') return false;
  return (
    (fault.native.includes('two-way') && call.verdict === 'two-way') ||
    (fault.native.includes('flagged') && call.outcome === 'failed')
  );
}

export function faultOutcomes(calls: FarmCall[]): FaultOutcome[] {
  const byFault = new Map<FaultId, FaultOutcome>();
  for (const call of calls)
    for (const id of call.faults as FaultId[]) {
      const fault = FAULTS[id];
      const o = byFault.get(id) ?? { fault: id, injected: 0, attributed: 0, nativeWrong: 0, misses: [] };
      byFault.set(id, o);
      o.injected++;
      const got = call.diagnosis?.scenarioIds ?? [];
      const ok = fault.doctor === null ? call.verdict === 'two-way' : got.includes(fault.doctor);
      if (ok) o.attributed++;
      else
        o.misses.push({
          index: call.index,
          scenario: call.scenario,
          got,
          verdict: call.verdict ?? call.outcome,
        });
      if (call.engine === 'native' && !endedAsAllowed(call, fault)) o.nativeWrong++;
    }
  return [...byFault.values()];
}
