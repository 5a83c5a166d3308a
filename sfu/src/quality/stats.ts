/**
 * The rate of a rare failure and how sure we are of it: calls that were not two-way (for any reason:
 * one-way, no audio, failed to connect, any other verdict), and among them one-way calls, per
 * scenario × iOS version × engine, with confidence intervals that behave at 0 failures and small n (where the textbook
 * p̂ ± 1.96·√(p̂(1−p̂)/n) collapses to [0, 0]), the native-vs-page difference, and how many calls a claim
 * needs. Formulas as collected in shared/docs/device-farm-notes.md ("Rates of a rare failure").
 * One implementation for the lab and the field (issue 21): the device farm's report and the server's
 * quality API (`/api/quality`, `npm run quality`) both take their intervals from here.
 */

/** z for a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

export interface Interval {
  /** The point estimate k/n (0 when n = 0). */
  rate: number;
  lower: number;
  upper: number;
}

/**
 * Wilson score interval (Wilson EB, "Probable inference, the law of succession, and statistical
 * inference", J. Am. Stat. Assoc. 22 (1927) 209–212):
 *   (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)
 * It stays inside [0, 1] and keeps a non-zero upper limit at k = 0. n = 0 gives the vacuous [0, 1].
 */
export function wilson(k: number, n: number, z = Z95): Interval {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n < 0 || k > n)
    throw new RangeError(`wilson needs integers 0 ≤ k ≤ n, got k=${k} n=${n}`);
  if (n === 0) return { rate: 0, lower: 0, upper: 1 };
  const p = k / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const half = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const denominator = 1 + z2 / n;
  // At k = 0 and k = n the limits are exactly 0 and 1; floating point would leave 1e-17 there.
  return {
    rate: p,
    lower: k === 0 ? 0 : (centre - half) / denominator,
    upper: k === n ? 1 : (centre + half) / denominator,
  };
}

/**
 * With no failure in n independent calls, the one-sided upper confidence bound on the rate:
 * the p for which P(0 failures) = (1 − p)^n equals α, i.e. 1 − α^(1/n) — about 3/n at α = 0.05
 * (the "rule of three": Hanley JA, Lippman-Hand A, "If nothing goes wrong, is everything all right?",
 * JAMA 249 (1983) 1743–1745).
 */
export function zeroFailureUpperBound(n: number, alpha = 0.05): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`needs at least one call, got n=${n}`);
  return 1 - alpha ** (1 / n);
}

/**
 * Difference of two independent proportions p₁ − p₂ with a 95 % interval by Newcombe's hybrid score
 * method (method 10 in Newcombe RG, "Interval estimation for the difference between independent
 * proportions: comparison of eleven methods", Statistics in Medicine 17 (1998) 873–890), built from the
 * two Wilson intervals (l₁, u₁), (l₂, u₂):
 *   L = d − √((p₁ − l₁)² + (u₂ − p₂)²),  U = d + √((u₁ − p₁)² + (p₂ − l₂)²)
 * Unlike the Wald interval it keeps a width when both counts are 0.
 */
export function newcombeDifference(k1: number, n1: number, k2: number, n2: number, z = Z95): Interval {
  const a = wilson(k1, n1, z);
  const b = wilson(k2, n2, z);
  const d = a.rate - b.rate;
  return {
    rate: d,
    lower: d - Math.sqrt((a.rate - a.lower) ** 2 + (b.upper - b.rate) ** 2),
    upper: d + Math.sqrt((a.upper - a.rate) ** 2 + (b.rate - b.lower) ** 2),
  };
}

/** ln C(n, k) + k ln p + (n − k) ln(1 − p), summed for k = 0 … failures: the binomial CDF. */
function binomialCdf(failures: number, n: number, p: number): number {
  let logTerm = n * Math.log1p(-p); // k = 0
  let sum = Math.exp(logTerm);
  for (let k = 1; k <= failures; k++) {
    logTerm += Math.log((n - k + 1) / k) + Math.log(p) - Math.log1p(-p);
    sum += Math.exp(logTerm);
  }
  return sum;
}

/**
 * Calls needed to claim "the rate is below `rate`" at `confidence`, one-sided, by the exact binomial
 * test (Clopper–Pearson bound): the smallest n with P(X ≤ failures | n, rate) ≤ 1 − confidence. With 0
 * failures this is ⌈ln(1 − confidence) / ln(1 − rate)⌉ — 29 956 calls for 0.01 % at 95 %; with 1 and 2
 * failures 47 437 and 62 956. Assumes independent calls with one common rate.
 */
export function callsNeeded(rate: number, opts: { confidence?: number; failures?: number } = {}): number {
  const confidence = opts.confidence ?? 0.95;
  const failures = opts.failures ?? 0;
  if (!(rate > 0 && rate < 1)) throw new RangeError(`rate must be in (0, 1), got ${rate}`);
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  if (!Number.isInteger(failures) || failures < 0)
    throw new RangeError(`failures must be a whole number ≥ 0, got ${failures}`);
  const alpha = 1 - confidence;
  if (failures === 0) return Math.ceil(Math.log(alpha) / Math.log1p(-rate));
  // The CDF falls as n grows: bracket, then bisect.
  let lo = failures + 1;
  let hi = lo;
  while (binomialCdf(failures, hi, rate) > alpha) hi *= 2;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (binomialCdf(failures, mid, rate) <= alpha) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** What one call contributes to the counts. */
export interface CallOutcome {
  scenario: string;
  iosVersion: string;
  engine: string;
  /** `failed`: the call could not be placed or answered, so there is no audio verdict. */
  outcome: 'measured' | 'failed';
  /**
   * `two-way`, `one-way`, `no-audio`, or any verdict the rig adds later: everything but `two-way` is
   * counted as not two-way, so a new verdict can't slip into the successes.
   */
  verdict: string | null;
  /** For a one-way call, which direction nobody heard (relative to the iPhone). */
  silent: 'uplink' | 'downlink' | null;
}

export interface CellStats {
  scenario: string;
  iosVersion: string;
  engine: string;
  calls: number;
  twoWay: number;
  oneWay: number;
  oneWayBySilent: { uplink: number; downlink: number };
  noAudio: number;
  /** Calls that heard someone other than the partner (not two-way). */
  misrouted: number;
  failed: number;
  /** Every call placed that did not end two-way: one-way, no audio, failed, any other verdict. */
  notTwoWay: number;
  /**
   * Not two-way / all calls placed: the headline. A call that failed to connect or carried no audio
   * is a failure here, not a call left out or a success.
   */
  notTwoWayRate: Interval;
  /**
   * One-way calls / calls that carried audio at all (two-way + one-way). No-audio and failed calls are
   * not in it: they are neither one-way nor a success, and are counted in `notTwoWayRate`.
   */
  oneWayRate: Interval;
  /** 1 − 0.05^(1/n) when every one of the n ≥ 1 calls placed was two-way, else null. */
  zeroFailureUpper95: number | null;
}

/** The calls a one-way rate is taken over: those with audio in at least one direction. */
const carriedAudio = (c: CallOutcome): boolean => c.verdict === 'two-way' || c.verdict === 'one-way';

export type RateStats = Omit<CellStats, 'scenario' | 'iosVersion' | 'engine'>;

/** The counts and rates of any set of calls: a cell, or a whole run. */
export function rateStats(calls: CallOutcome[]): RateStats {
  const oneWay = calls.filter((c) => c.verdict === 'one-way');
  const notTwoWay = calls.filter((c) => c.verdict !== 'two-way').length;
  return {
    calls: calls.length,
    twoWay: calls.filter((c) => c.verdict === 'two-way').length,
    oneWay: oneWay.length,
    oneWayBySilent: {
      uplink: oneWay.filter((c) => c.silent === 'uplink').length,
      downlink: oneWay.filter((c) => c.silent === 'downlink').length,
    },
    noAudio: calls.filter((c) => c.verdict === 'no-audio').length,
    misrouted: calls.filter((c) => c.verdict === 'misrouted').length,
    failed: calls.filter((c) => c.outcome === 'failed').length,
    notTwoWay,
    notTwoWayRate: wilson(notTwoWay, calls.length),
    oneWayRate: wilson(oneWay.length, calls.filter(carriedAudio).length),
    zeroFailureUpper95: notTwoWay === 0 && calls.length > 0 ? zeroFailureUpperBound(calls.length) : null,
  };
}

export function cellStats(
  key: Pick<CellStats, 'scenario' | 'iosVersion' | 'engine'>,
  calls: CallOutcome[],
): CellStats {
  return { ...key, ...rateStats(calls) };
}

const cellKey = (c: Pick<CallOutcome, 'scenario' | 'iosVersion' | 'engine'>): string =>
  JSON.stringify([c.scenario, c.iosVersion, c.engine]);

/** One row per scenario × iOS version × engine, sorted by those keys. */
export function matrix(calls: CallOutcome[]): CellStats[] {
  const cells = new Map<string, CallOutcome[]>();
  for (const c of calls) {
    const k = cellKey(c);
    cells.set(k, [...(cells.get(k) ?? []), c]);
  }
  return [...cells.values()]
    .map((cs) => {
      const first = cs[0] as CallOutcome;
      return cellStats({ scenario: first.scenario, iosVersion: first.iosVersion, engine: first.engine }, cs);
    })
    .sort(
      (a, b) =>
        a.scenario.localeCompare(b.scenario) ||
        a.iosVersion.localeCompare(b.iosVersion, undefined, { numeric: true }) ||
        a.engine.localeCompare(b.engine),
    );
}

export interface EngineComparison {
  scenario: string;
  iosVersion: string;
  native: CellStats;
  page: CellStats;
  /** Not-two-way rate native − page with Newcombe's hybrid score 95 % interval. */
  difference: Interval;
}

/** Native vs page engine wherever a scenario × iOS version ran both. */
export function compareEngines(cells: CellStats[]): EngineComparison[] {
  const out: EngineComparison[] = [];
  for (const native of cells.filter((c) => c.engine === 'native')) {
    const page = cells.find(
      (c) => c.engine === 'page' && c.scenario === native.scenario && c.iosVersion === native.iosVersion,
    );
    if (!page) continue;
    out.push({
      scenario: native.scenario,
      iosVersion: native.iosVersion,
      native,
      page,
      difference: newcombeDifference(native.notTwoWay, native.calls, page.notTwoWay, page.calls),
    });
  }
  return out;
}
