/**
 * Per-call, per-direction verdicts from the receiving side's audio windows (the one-way-audio
 * method in shared/docs): heard or not, time to first audio after answer, continuity.
 */
import type { AudioWindow } from '@softphone/web/audio-monitor';
import type { LinkFigures } from './link-quality.ts';

export interface DirectionResult {
  heard: boolean;
  /** Answer → first heard window at the receiver. */
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
  unheardCause: 'no-media' | 'no-playout' | 'silent' | null;
  /** Filled in by the rig from the parties' stats (link-quality.ts). */
  network: LinkFigures | null;
}

/**
 * Audio counts as arrived at the first run of heard windows lasting this long. A far side's capture
 * start makes a ~200 ms blip just over the threshold even from a silent microphone (audio processing
 * settling), which must not count as hearing the other party.
 */
export const MIN_HEARD_RUN_MS = 250;

/** Index of the first window that starts a run of heard windows of at least MIN_HEARD_RUN_MS. */
export function heardOnset(windows: AudioWindow[]): number {
  let start = -1;
  let run = 0;
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i];
    if (w?.class !== 'heard') {
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
export type Verdict = 'two-way' | 'one-way' | 'no-audio';

export function judgeDirection(windows: AudioWindow[], answeredAt: number, endAt: number): DirectionResult {
  const inCall = windows.filter((w) => w.at > answeredAt && w.at <= endAt);
  const firstIdx = heardOnset(inCall);
  const first = firstIdx >= 0 ? inCall[firstIdx] : undefined;
  const after = first ? inCall.slice(firstIdx) : [];
  let longestGapMs = 0;
  let gap = 0;
  for (const w of after) {
    gap = w.class === 'heard' ? 0 : gap + w.ms;
    longestGapMs = Math.max(longestGapMs, gap);
  }
  const heardWindows = after.filter((w) => w.class === 'heard');
  const totalMs = inCall.reduce((a, w) => a + w.ms, 0);
  return {
    heard: first !== undefined,
    timeToFirstAudioMs: first ? first.at - answeredAt : null,
    audibleRatio: after.length ? round(heardWindows.length / after.length) : 0,
    longestGapMs,
    meanLevel: heardWindows.length
      ? round(heardWindows.reduce((a, w) => a + w.level, 0) / heardWindows.length)
      : 0,
    concealedRatio: totalMs ? round(inCall.reduce((a, w) => a + w.concealedRatio * w.ms, 0) / totalMs) : 0,
    windows: inCall.length,
    unheardCause: unheardCause(inCall),
    network: null,
  };
}

function unheardCause(windows: AudioWindow[]): DirectionResult['unheardCause'] {
  const ms = { 'no-media': 0, 'no-playout': 0, silent: 0 };
  for (const w of windows) if (w.class !== 'heard') ms[w.class] += w.ms;
  const [cause, most] = Object.entries(ms).sort((a, b) => b[1] - a[1])[0] ?? ['silent', 0];
  return most > 0 ? (cause as keyof typeof ms) : null;
}

export function verdictOf(d: Record<Direction, DirectionResult>): { verdict: Verdict; silent: Direction[] } {
  const silent = (Object.keys(d) as Direction[]).filter((k) => !d[k].heard);
  if (silent.length === 0) return { verdict: 'two-way', silent };
  return { verdict: silent.length === 2 ? 'no-audio' : 'one-way', silent };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
