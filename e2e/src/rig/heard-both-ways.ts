/**
 * Waits until each party has heard the other after a moment (an answer, a resume, a recovery), by
 * the rig's per-direction verdict; returns both verdicts either way so a test can say which
 * direction stayed silent.
 */
import { judgeDirection, type DirectionResult } from '../audio/verdict.ts';
import type { Party } from './party.ts';

export async function waitHeardBothWays(
  a: Party,
  b: Party,
  since: number,
  timeoutMs = 10_000,
): Promise<{ heardByA: DirectionResult; heardByB: DirectionResult }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = Date.now();
    const [sa, sb] = await Promise.all([a.snapshot(), b.snapshot()]);
    const heardByA = judgeDirection(sa.windows, since, now);
    const heardByB = judgeDirection(sb.windows, since, now);
    if ((heardByA.heard && heardByB.heard) || now > deadline) return { heardByA, heardByB };
    await new Promise((r) => setTimeout(r, 200));
  }
}
