/**
 * Waits until each party has heard the other after a moment (an answer, a resume, a recovery), by
 * the rig's per-direction verdict (by the partner's signature where the rig gave the parties
 * one); returns both verdicts either way so a test can say which direction stayed silent. A
 * direction that heard someone else is settled too: waiting longer will not make it the partner.
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
    const heardByA = judgeDirection(sa.windows, since, now, b.tones?.own ?? null);
    const heardByB = judgeDirection(sb.windows, since, now, a.tones?.own ?? null);
    const settled = (d: DirectionResult) => d.heard || d.misrouted;
    if ((settled(heardByA) && settled(heardByB)) || now > deadline) return { heardByA, heardByB };
    await new Promise((r) => setTimeout(r, 200));
  }
}
