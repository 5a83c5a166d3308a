/**
 * Lab beside field: a farm run's results file (`softphone-farm/1`, the schema the farm writes it
 * with) read in the browser, and its one-way rate per iOS version counted the way the farm's own
 * report counts it — one-way calls / calls that carried audio, Wilson 95 % — which is also how the
 * server counts the field's `oneWayRate`.
 */
import { devicesSaid, outcomeOf, parseFarmResults } from '@softphone/sfu/quality/farm-results';
import { rateStats } from '@softphone/sfu/quality/stats';

export interface FarmRate {
  iosVersion: string;
  calls: number;
  oneWay: number;
  rate: number;
  lo: number;
  hi: number;
  scenarios: string[];
}

export interface FarmSummary {
  name: string;
  /** What the rates were measured on: simulated iPhones must never read as real ones. */
  devices: string;
  byIosVersion: Map<string, FarmRate>;
  truncatedLastLine: boolean;
}

export function farmSummary(text: string, name: string): FarmSummary {
  const results = parseFarmResults(text, name);
  const byVersion = new Map<string, typeof results.calls>();
  for (const c of results.calls) byVersion.set(c.iosVersion, [...(byVersion.get(c.iosVersion) ?? []), c]);
  const byIosVersion = new Map<string, FarmRate>();
  for (const [iosVersion, calls] of byVersion) {
    const s = rateStats(calls.map(outcomeOf));
    byIosVersion.set(iosVersion, {
      iosVersion,
      calls: s.calls,
      oneWay: s.oneWay,
      rate: s.oneWayRate.rate,
      lo: s.oneWayRate.lower,
      hi: s.oneWayRate.upper,
      scenarios: [...new Set(calls.map((c) => c.scenario))].sort(),
    });
  }
  return {
    name,
    devices: devicesSaid(results.calls.map((c) => c.device)),
    byIosVersion,
    truncatedLastLine: results.truncatedLastLine,
  };
}
