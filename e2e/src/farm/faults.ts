/**
 * Faults the farm injects into calls on the simulated iPhone (issue 13, item 2), randomised per call
 * from a seed so a run can be replayed, and what each must come back as (item 5): the voip-doctor
 * scenario id its call's device log must be diagnosed with, and whether the native engine survives
 * it (two-way) or its watchdog must flag the call (`audio-not-activated`: failed, never a silent
 * one-way call).
 *
 * Each fault is played with what the shell simulator (web/src/shell-simulator) offers; the ones it
 * can't play yet are listed with why and are never faked: a run asked for them says so.
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

export interface PlayableFault {
  id: FaultId;
  playable: true;
  /** How the simulator plays it. */
  how: string;
  /** Knobs set just before the call and undone after it. */
  knobs: SimulatorKnobs;
  /** Extra time the rig waits before answering (a late answer), ms. */
  answerDelayMs?: number;
  /** The voip-doctor scenario id the call's device log must be diagnosed with. */
  doctor: string | null;
  /** What the native engine must end with: two-way, or the watchdog's flag. */
  native: 'two-way' | 'flagged';
  applies(s: Scenario): boolean;
}

export interface UnplayableFault {
  id: FaultId;
  playable: false;
  why: string;
}

export type Fault = PlayableFault | UnplayableFault;

const answered = (s: Scenario) => s.expect === 'two-way';
const incoming = (s: Scenario) => answered(s) && s.direction === 'iphone-receives';

export const FAULTS: Record<FaultId, Fault> = {
  'didActivate-late': {
    id: 'didActivate-late',
    playable: true,
    how: `activationDelayMs 6000 (S7), the watchdog given ${WATCHDOG_MS + 5_000} ms: later than voip-doctor's 5 s, inside the shell's patience`,
    knobs: { activationDelayMs: 6_000, activationWatchdogMs: WATCHDOG_MS + 5_000 },
    doctor: 'audio-not-activated',
    native: 'two-way',
    applies: answered,
  },
  'didActivate-missing': {
    id: 'didActivate-missing',
    playable: true,
    how: 'activationDelayMs 1e9 (S7): CallKit never activates the call audio',
    knobs: { activationDelayMs: 1e9 },
    doctor: 'audio-not-activated',
    native: 'flagged',
    applies: answered,
  },
  'session-id-0x0': {
    id: 'session-id-0x0',
    playable: true,
    how: 'loseSessionAfterNextReport (S6): the report leaves the audio session at SessionID 0x0',
    knobs: { loseSessionAfterNextReport: true },
    doctor: 'audio-session-id-null',
    native: 'flagged',
    // S6 happens on reportNewIncomingCall: an outgoing call has no such report.
    applies: incoming,
  },
  'late-answer': {
    id: 'late-answer',
    playable: true,
    how: 'the rig answers 4 s after CallKit rang',
    knobs: {},
    answerDelayMs: 4_000,
    doctor: null,
    native: 'two-way',
    applies: incoming,
  },
  'didActivate-doubled': {
    id: 'didActivate-doubled',
    playable: false,
    why: 'the simulator activates the session once per call; it has no knob for a second didActivate',
  },
  'interruption-without-end': {
    id: 'interruption-without-end',
    playable: false,
    why: 'the simulator has no audio-session interruptions yet (SHELL_SIM_FAULT, branch i12-ts)',
  },
  'page-frozen': {
    id: 'page-frozen',
    playable: false,
    why: "the simulator can't freeze or reload its web view yet (SHELL_SIM_FAULT, branch i12-ts)",
  },
  'push-during-launch': {
    id: 'push-during-launch',
    playable: false,
    why: 'the simulator cold-launches the app synchronously inside the push (the killed/* scenarios play exactly that); a push landing during a user-started launch has no knob',
  },
};

export const FAULT_IDS = Object.keys(FAULTS) as FaultId[];

/** Share of calls that get a fault under `--faults random`. */
export const RANDOM_FAULT_SHARE = 0.5;

export type FaultMode = { kind: 'none' } | { kind: 'random' } | { kind: 'list'; faults: PlayableFault[] };

export class FaultListError extends Error {}

/** `none`, `random` or a comma list of fault ids; an unplayable one is refused, saying why. */
export function parseFaults(text: string): FaultMode {
  if (text === 'none') return { kind: 'none' };
  if (text === 'random') return { kind: 'random' };
  const faults = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((id) => {
      const f = FAULTS[id as FaultId] as Fault | undefined;
      if (!f) throw new FaultListError(`no fault "${id}"; known: ${FAULT_IDS.join(', ')}`);
      if (!f.playable)
        throw new FaultListError(`fault "${id}" can't be played on the simulated iPhone: ${f.why}`);
      return f;
    });
  if (faults.length === 0) throw new FaultListError('--faults: give none, random or fault ids');
  return { kind: 'list', faults };
}

/** mulberry32: a small seeded generator, so a run's faults replay from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fault for one call: random (half the calls, uniform among those that apply), or cycling a list. */
export function pickFault(
  mode: FaultMode,
  scenario: Scenario,
  index: number,
  random: () => number,
): PlayableFault | null {
  const pool = (
    mode.kind === 'random'
      ? Object.values(FAULTS).filter((f): f is PlayableFault => f.playable)
      : mode.kind === 'list'
        ? mode.faults
        : []
  ).filter((f) => f.applies(scenario));
  if (pool.length === 0) return null;
  if (mode.kind === 'random') {
    if (random() >= RANDOM_FAULT_SHARE) return null;
    return pool[Math.floor(random() * pool.length)] ?? null;
  }
  return pool[index % pool.length] ?? null;
}

export function unplayableFaults(): UnplayableFault[] {
  return Object.values(FAULTS).filter((f): f is UnplayableFault => !f.playable);
}
