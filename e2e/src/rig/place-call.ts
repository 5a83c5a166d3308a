/** One measured call between two signed-in parties, from dial to the ended screen. */
import { linkFigures } from '../audio/link-quality.ts';
import { judgeDirection, verdictOf, type Direction, type DirectionResult } from '../audio/verdict.ts';
import { waitHeardBothWays } from './heard-both-ways.ts';
import type { Party } from './party.ts';
import type { CallResult } from './results.ts';

export interface PlaceCallOptions {
  /** How long to keep the call up after both directions were heard (or the heard timeout). */
  holdMs: number;
  /** Give up waiting for audio this long after answer. */
  heardTimeoutMs: number;
  /** How the caller dials; by default from the contacts, where the callee is online. */
  dial?: () => Promise<void>;
  /** How the callee answers; by default on the page's incoming-call screen. */
  answer?: (callee: Party) => Promise<void>;
  /** Runs once audio was heard both ways (or timed out), before the hold: a network outage. */
  midCall?: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function placeCall(
  index: number,
  caller: Party,
  callee: Party,
  opts: PlaceCallOptions,
): Promise<CallResult> {
  let callId: string | null = null;
  try {
    await Promise.all([caller.listen(), callee.listen()]);
    await (opts.dial ? opts.dial() : caller.call(callee));
    const incoming = await callee.waitForScreen('incoming');
    callId = incoming.state.call?.id ?? null;
    await (opts.answer ? opts.answer(callee) : callee.answer());
    await Promise.all([caller.waitForScreen('in-call'), callee.waitForScreen('in-call')]);

    // Heard since this call's answer, by the verdict itself: a party's first-heard mark can be an
    // earlier call's (a simulated iPhone's app outlives its calls) and end the wait too soon.
    const since = (await callee.snapshot(1e9)).marks?.answeredAt ?? Date.now();
    await waitHeardBothWays(caller, callee, since, opts.heardTimeoutMs);
    const [a0, b0] = await Promise.all([caller.snapshot(1e9), callee.snapshot(1e9)]);
    await opts.midCall?.();
    await sleep(opts.holdMs);
    const [a, b] = await Promise.all([caller.snapshot(), callee.snapshot()]);
    const endAt = Date.now();
    await caller.hangup();
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
    await Promise.all([caller.dismiss(), callee.dismiss()]);

    const early = await Promise.all([
      caller.capturedBeforeActivation(callId, a),
      callee.capturedBeforeActivation(callId, b),
    ]);
    const answeredAt = b.marks?.answeredAt;
    if (!answeredAt) throw new Error('the callee has no answer mark');
    const directions: Record<Direction, DirectionResult> = {
      'caller->callee': judgeDirection(b.windows, answeredAt, endAt, caller.tones?.own ?? null),
      'callee->caller': judgeDirection(a.windows, answeredAt, endAt, callee.tones?.own ?? null),
    };
    directions['caller->callee'].network = linkFigures(
      { start: b0.link, end: b.link },
      { start: a0.link, end: a.link },
      directions['caller->callee'].concealedRatio,
    );
    directions['callee->caller'].network = linkFigures(
      { start: a0.link, end: a.link },
      { start: b0.link, end: b.link },
      directions['callee->caller'].concealedRatio,
    );
    const { verdict, silent, misrouted } = verdictOf(directions);
    const heard = (d: Direction) => directions[d].timeToFirstAudioMs;
    const both =
      silent.length || misrouted.length
        ? null
        : Math.max(heard('caller->callee') ?? 0, heard('callee->caller') ?? 0);
    const dialed = a.marks?.dialedAt;
    const alerted = b.marks?.incomingAt;
    return {
      index,
      callId,
      outcome: 'measured',
      verdict,
      silentDirections: silent,
      misroutedDirections: misrouted,
      timings: {
        dialToCalleeAlertedMs: dialed && alerted ? alerted - dialed : null,
        answerToHeardMs: {
          'caller->callee': heard('caller->callee'),
          'callee->caller': heard('callee->caller'),
        },
        answerToBothHeardMs: both,
      },
      directions,
      captureBeforeActivation: early.includes(true),
      paths: { caller: a.link?.path ?? null, callee: b.link?.path ?? null },
    };
  } catch (err) {
    await recover(caller, callee);
    return {
      index,
      callId,
      outcome: 'failed',
      error: err instanceof Error ? err.message : String(err),
      verdict: null,
      silentDirections: [],
      misroutedDirections: [],
      timings: {
        dialToCalleeAlertedMs: null,
        answerToHeardMs: { 'caller->callee': null, 'callee->caller': null },
        answerToBothHeardMs: null,
      },
      directions: null,
      captureBeforeActivation: false,
      paths: null,
    };
  }
}

/** Brings both parties back to the contacts screen after a failed call, so the run can go on. */
async function recover(...parties: Party[]): Promise<void> {
  await Promise.all(
    parties.map(async (p) => {
      try {
        const s = await p.snapshot(1e9);
        if (s.screen === 'in-call' || s.screen === 'outgoing' || s.screen === 'incoming') await p.hangup();
        if ((await p.snapshot(1e9)).screen === 'incoming') await p.decline();
        const after = await p.waitForScreen('ended', 5_000).catch(() => null);
        if (after) await p.dismiss();
      } catch {
        // best effort: the next call reports its own failure if this party is stuck
      }
    }),
  );
}
