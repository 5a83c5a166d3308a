/**
 * Faults the farm injects into calls on the simulated iPhone (issue 13, item 2), randomised per call
 * from a seed so a run can be replayed, and what each must come back as (item 5): the voip-doctor
 * scenario id its call's device log must be diagnosed with, and whether the native engine survives
 * it (two-way) or its watchdog must flag the call (`audio-not-activated`: failed, never a silent
 * one-way call).
 *
 * Each fault is played with what the shell simulator (web/src/shell-simulator) offers: knobs the
 * simulated iOS reads (S6, S7, S14 of docs/callkit-decision-table.md), the web view frozen as WebKit
 * suspends it, an interruption CallKit never ends, a push landing while the app launches.
 */
import type { SimulatorKnobs } from '../rig/iphone-party.ts';
import type { Scenario } from './scenarios.ts';

export type FaultId =
  | 'didActivate-late'
  | 'didActivate-missing'
  | 'didActivate-doubled'
  | 'session-id-0x0'
  | 'interruption-without-end'
  | 'page-frozen'
  | 'push-during-launch'
  | 'late-answer';

/** The shell's activation watchdog (A4) on the farm's simulated iPhone, as the shell ships it. */
export const WATCHDOG_MS = 5_000;

/**
 * What the rig does beyond knobs: `freeze-page` freezes the web view once the phone is in the
 * background or locked, before the call (WebKit suspends it there); `interruption-without-end`, once
 * the call is heard, begins an interruption (a cellular call), CallKit holds our call and resumes it,
 * and the interruption's end is never posted; `push-during-launch` has the user open the killed app
 * and the call's push arrive while its web view is still loading; `activate-twice` keeps the call up
 * until the second `didActivate` has come and measures the audio after it.
 */
export type FaultPlay = 'freeze-page' | 'interruption-without-end' | 'push-during-launch' | 'activate-twice';

export interface Fault {
  id: FaultId;
  /** How the simulator plays it. */
  how: string;
  /** Knobs set just before the call and undone after it. */
  knobs: SimulatorKnobs;
  play?: FaultPlay;
  /** Extra time the rig waits before answering (a late answer), ms. */
  answerDelayMs?: number;
  /**
   * The voip-doctor scenario id the call's device log must be diagnosed with; null where the fault
   * leaves no failure to diagnose (the shell carries the call): attributed when the call is two-way.
   */
  doctor: string | null;
  /** What the native engine may end with: two-way, or the watchdog's flag (a failed call); never one-way. */
  native: readonly ('two-way' | 'flagged')[];
  applies(s: Scenario): boolean;
}

const answered = (s: Scenario) => s.expect === 'two-way';
const incoming = (s: Scenario) => answered(s) && s.direction === 'iphone-receives';

export const FAULTS: Record<FaultId, Fault> = {
  'didActivate-late': {
    id: 'didActivate-late',
    how: `activationDelayMs 6000 (S7), the watchdog given ${WATCHDOG_MS + 5_000} ms: later than voip-doctor's 5 s, inside the shell's patience`,
    knobs: { activationDelayMs: 6_000, activationWatchdogMs: WATCHDOG_MS + 5_000 },
    doctor: 'audio-not-activated',
    native: ['two-way'],
    applies: answered,
  },
  'didActivate-missing': {
    id: 'didActivate-missing',
    how: 'activationDelayMs 1e9 (S7): CallKit never activates the call audio',
    knobs: { activationDelayMs: 1e9 },
    doctor: 'audio-not-activated',
    native: ['flagged'],
    applies: answered,
  },
  'didActivate-doubled': {
    id: 'didActivate-doubled',
    how: 'activateTwice (S14): didActivate comes again for the active session, no didDeactivate between',
    knobs: { activateTwice: true },
    play: 'activate-twice',
    doctor: 'audio-activated-twice',
    native: ['two-way'],
    applies: answered,
  },
  'session-id-0x0': {
    id: 'session-id-0x0',
    how: 'loseSessionAfterNextReport (S6): the report leaves the audio session at SessionID 0x0',
    knobs: { loseSessionAfterNextReport: true },
    doctor: 'audio-session-id-null',
    // With the page connected it reports first and the push's duplicate report follows: the
    // configuration the shell assigns before that one (A1) restores the session before the answer.
    native: ['flagged', 'two-way'],
    // S6 happens on reportNewIncomingCall: an outgoing call has no such report.
    applies: incoming,
  },
  'interruption-without-end': {
    id: 'interruption-without-end',
    how: 'mid-call: an interruption begins (S12), CallKit holds and resumes the call, no end is posted',
    knobs: {},
    play: 'interruption-without-end',
    doctor: 'interruption-without-end',
    native: ['two-way'],
    applies: answered,
  },
  'page-frozen': {
    id: 'page-frozen',
    how: "the web view's JavaScript frozen (Chromium's page lifecycle) in the background or locked, before the call",
    knobs: {},
    play: 'freeze-page',
    doctor: null,
    native: ['two-way'],
    applies: (s) => incoming(s) && (s.appState === 'background' || s.appState === 'locked'),
  },
  'push-during-launch': {
    id: 'push-during-launch',
    how: 'the user opens the killed app, whose web view loads for 3 s; the call is placed at once',
    knobs: { webViewLoadDelayMs: 3_000 },
    play: 'push-during-launch',
    doctor: null,
    native: ['two-way'],
    applies: (s) => incoming(s) && s.appState === 'killed',
  },
  'late-answer': {
    id: 'late-answer',
    how: 'the rig answers 4 s after CallKit rang',
    knobs: {},
    answerDelayMs: 4_000,
    doctor: null,
    native: ['two-way'],
    applies: incoming,
  },
};

export const FAULT_IDS = Object.keys(FAULTS) as FaultId[];

/** Share of calls that get a fault under `--faults random`. */
export const RANDOM_FAULT_SHARE = 0.5;

export type FaultMode = { kind: 'none' } | { kind: 'random' } | { kind: 'list'; faults: Fault[] };

export class FaultListError extends Error {}

/** `none`, `random`, `all` (every fault, in turn) or a comma list of fault ids. */
export function parseFaults(text: string): FaultMode {
  if (text === 'none') return { kind: 'none' };
  if (text === 'random') return { kind: 'random' };
  if (text === 'all') return { kind: 'list', faults: Object.values(FAULTS) };
  const faults = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((id) => {
      const f = FAULTS[id as FaultId] as Fault | undefined;
      if (!f) throw new FaultListError(`no fault "${id}"; known: ${FAULT_IDS.join(', ')}`);
      return f;
    });
  if (faults.length === 0) throw new FaultListError('--faults: give none, random, all or fault ids');
  return { kind: 'list', faults };
}

/** mulberry32: a small seeded generator, so a run's faults replay from its seed. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The fault for each call, in the order the calls are placed: under `random` half the calls get one,
 * uniform among those that apply to the call's scenario (replayable from the seed); a list gives each
 * call the applicable fault played least so far (the list's order breaks ties), so every fault is
 * played as soon as a scenario it applies to comes.
 */
export class FaultPicker {
  private readonly played = new Map<FaultId, number>();
  private readonly random: () => number;

  constructor(
    private readonly mode: FaultMode,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  next(scenario: Scenario): Fault | null {
    const pool = (
      this.mode.kind === 'random' ? Object.values(FAULTS) : this.mode.kind === 'list' ? this.mode.faults : []
    ).filter((f) => f.applies(scenario));
    if (pool.length === 0) return null;
    let fault: Fault | undefined;
    if (this.mode.kind === 'random') {
      if (this.random() >= RANDOM_FAULT_SHARE) return null;
      fault = pool[Math.floor(this.random() * pool.length)];
    } else {
      const count = (f: Fault) => this.played.get(f.id) ?? 0;
      fault = pool.reduce((best, f) => (count(f) < count(best) ? f : best));
    }
    if (!fault) return null;
    this.played.set(fault.id, (this.played.get(fault.id) ?? 0) + 1);
    return fault;
  }
}
