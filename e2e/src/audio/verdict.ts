/**
 * Per-call, per-direction verdicts from the receiving side's audio windows (the one-way-audio
 * method in shared/docs): heard or not, time to first audio after answer, continuity. When the
 * sender's microphone carries a signature the windows' tones are checked: loud audio carrying
 * another party's signature (the receiver's own signal looped back, another call, a stale
 * consumer) is not hearing the partner, it is `misrouted`; loud audio carrying none is not
 * hearing the partner either (`unrecognised`).
 */
import type { AudioWindow } from '@softphone/web/audio-monitor';
import { matchedSignature, meanShares, type ToneShares } from '@softphone/web/tone-signature';
import type { LinkFigures } from './link-quality.ts';

export interface DirectionResult {
  /** The partner was heard: loud audio, carrying the partner's signature when judged by it. */
  heard: boolean;
  /**
   * `signature`: a window counts as heard only if the sender's tones carry it; `level`: loud is
   * heard (the sender's microphone is speech, or the receiver's windows carry no tones).
   */
  judgedBy: 'signature' | 'level';
  /** Loud audio led by another party's signature arrived (a run of at least MIN_HEARD_RUN_MS). */
  misrouted: boolean;
  /**
   * The evidence for `misrouted`: the run's start (ms after the measurement's start), its length,
   * and the tone shares its windows carried on average; null when not misrouted.
   */
  misroutedRun: { atMs: number; ms: number; shares: ToneShares } | null;
  /** Answer → the onset of the first heard run at the receiver. */
  timeToFirstAudioMs: number | null;
  /** Heard windows / all windows from the first heard one to the end of the measurement. */
  audibleRatio: number;
  /** Longest run of unheard windows after audio first arrived. */
  longestGapMs: number;
  /** Mean RMS level of the heard windows. */
  meanLevel: number;
  /** Concealed / received samples over the measurement (packet loss made audible). */
  concealedRatio: number;
  windows: number;
  /** What the unheard windows mostly were (null when every window was heard). */
  unheardCause: UnheardCause | null;
  /** Filled in by the rig from the parties' stats (link-quality.ts). */
  network: LinkFigures | null;
}

/**
 * Audio counts as arrived at the first run of heard windows lasting this long. A far side's capture
 * start makes a ~200 ms blip just over the threshold even from a silent microphone (audio processing
 * settling), which must not count as hearing the other party.
 */
export const MIN_HEARD_RUN_MS = 250;

/**
 * A window as the receiver's verdict sees it: `misrouted` is loud and led by another party's
 * signature, `unrecognised` loud and led by no signature.
 */
export type Heard = AudioWindow['class'] | 'misrouted' | 'unrecognised';
export type UnheardCause = Exclude<Heard, 'heard'>;

/**
 * `partner`: the signature the sender's microphone carries (a key of the windows' `tones`), or
 * null for speech. A loud window is the partner's when the signature leading it is the partner's
 * (`matchedSignature`), misrouted when it is another party's. Misrouting is named only on that
 * positive evidence: once in ~40 normal calls on a machine at load 16–20 on 2 cores, loud windows
 * next to no-media gaps carried neither signature (cause not pinned down; a starved page's audio
 * glitching is the likely one), while a party that is not sending never showed its tones
 * (0.00–0.05). A loud window whose probe heard only silence has no
 * tones: nothing contradicts the level there (the probe reads the last ~85 ms, the window up to
 * 300 ms).
 */
export function heardAs(w: AudioWindow, partner: string | null): Heard {
  if (w.class !== 'heard' || partner === null || !w.tones) return w.class;
  const led = matchedSignature(w.tones);
  return led === partner ? 'heard' : led === null ? 'unrecognised' : 'misrouted';
}

/**
 * Index of the first window that starts a run of windows heard as `as` (by default the partner)
 * lasting at least MIN_HEARD_RUN_MS.
 */
export function heardOnset(
  windows: AudioWindow[],
  partner: string | null = null,
  as: Heard = 'heard',
): number {
  let start = -1;
  let run = 0;
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i];
    if (!w || heardAs(w, partner) !== as) {
      start = -1;
      run = 0;
      continue;
    }
    if (start < 0) start = i;
    run += w.ms;
    if (run >= MIN_HEARD_RUN_MS) return start;
  }
  return -1;
}

export type Direction = 'caller->callee' | 'callee->caller';
export type Verdict = 'two-way' | 'one-way' | 'no-audio' | 'misrouted';

/**
 * `partner`: the signature the sender's microphone carries (null: speech, judged by level). Time
 * to first audio runs to the first heard window's onset (its start when it has none recorded).
 */
export function judgeDirection(
  windows: AudioWindow[],
  answeredAt: number,
  endAt: number,
  partner: string | null = null,
): DirectionResult {
  // A window that began before the answer holds audio from before the call was up (a ringing
  // device's own side, early media): it is not the call's audio, heard or misrouted.
  const inCall = windows.filter((w) => w.at - w.ms >= answeredAt && w.at <= endAt);
  const bySignature = partner !== null && inCall.some((w) => w.tones);
  const expect = bySignature ? partner : null;
  const heard = (w: AudioWindow) => heardAs(w, expect) === 'heard';
  const firstIdx = heardOnset(inCall, expect);
  const first = firstIdx >= 0 ? inCall[firstIdx] : undefined;
  const after = first ? inCall.slice(firstIdx) : [];
  let longestGapMs = 0;
  let gap = 0;
  for (const w of after) {
    gap = heard(w) ? 0 : gap + w.ms;
    longestGapMs = Math.max(longestGapMs, gap);
  }
  const heardWindows = after.filter(heard);
  const totalMs = inCall.reduce((a, w) => a + w.ms, 0);
  const onset = first ? (first.onsetAt ?? first.at - first.ms) : null;
  const misroutedRun = bySignature
    ? runOf(inCall, heardOnset(inCall, expect, 'misrouted'), expect, answeredAt)
    : null;
  return {
    heard: first !== undefined,
    judgedBy: bySignature ? 'signature' : 'level',
    misrouted: misroutedRun !== null,
    misroutedRun,
    timeToFirstAudioMs: onset !== null ? Math.max(0, onset - answeredAt) : null,
    audibleRatio: after.length ? round(heardWindows.length / after.length) : 0,
    longestGapMs,
    meanLevel: heardWindows.length
      ? round(heardWindows.reduce((a, w) => a + w.level, 0) / heardWindows.length)
      : 0,
    concealedRatio: totalMs ? round(inCall.reduce((a, w) => a + w.concealedRatio * w.ms, 0) / totalMs) : 0,
    windows: inCall.length,
    unheardCause: unheardCause(inCall, expect),
    network: null,
  };
}

/** The run of windows heard as misrouted starting at `start` (-1: none), as evidence. */
function runOf(
  windows: AudioWindow[],
  start: number,
  partner: string | null,
  since: number,
): DirectionResult['misroutedRun'] {
  if (start < 0) return null;
  const run: AudioWindow[] = [];
  for (const w of windows.slice(start)) {
    if (heardAs(w, partner) !== 'misrouted') break;
    run.push(w);
  }
  const first = run[0];
  if (!first) return null;
  return {
    atMs: Math.round(first.at - first.ms - since),
    ms: run.reduce((a, w) => a + w.ms, 0),
    shares: Object.fromEntries(
      Object.entries(meanShares(run.flatMap((w) => (w.tones ? [w.tones] : []))) ?? {}).map(([k, v]) => [
        k,
        round(v),
      ]),
    ),
  };
}

function unheardCause(windows: AudioWindow[], partner: string | null): UnheardCause | null {
  const ms: Record<UnheardCause, number> = {
    'no-media': 0,
    'no-playout': 0,
    silent: 0,
    misrouted: 0,
    unrecognised: 0,
  };
  for (const w of windows) {
    const as = heardAs(w, partner);
    if (as !== 'heard') ms[as] += w.ms;
  }
  const [cause, most] = Object.entries(ms).sort((a, b) => b[1] - a[1])[0] ?? ['silent', 0];
  return most > 0 ? (cause as UnheardCause) : null;
}

/**
 * A call is two-way only if each side heard the other and nothing else: a misrouted direction
 * (even one that also heard the partner) makes the call `misrouted`, which outranks one-way.
 */
export function verdictOf(d: Record<Direction, DirectionResult>): {
  verdict: Verdict;
  silent: Direction[];
  misrouted: Direction[];
} {
  const directions = Object.keys(d) as Direction[];
  const silent = directions.filter((k) => !d[k].heard);
  const misrouted = directions.filter((k) => d[k].misrouted);
  if (misrouted.length) return { verdict: 'misrouted', silent, misrouted };
  if (silent.length === 0) return { verdict: 'two-way', silent, misrouted };
  return { verdict: silent.length === 2 ? 'no-audio' : 'one-way', silent, misrouted };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
