import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DirectionWatch, type Direction, type DirectionCounters } from '../../src/media/direction-watch.ts';
import type { StallCause } from '../../src/protocol/index.ts';

const STALL_AFTER = 3_000;
const TICK = 500;

/** A call's two directions as the SFU's counters would show them, on a clock the test moves. */
function scene() {
  let now = 1_000;
  const counters: Record<Direction, DirectionCounters> = {
    'caller->callee': { received: 0, forwarded: 0, producerGone: false },
    'callee->caller': { received: 0, forwarded: 0, producerGone: false },
  };
  const seen: string[] = [];
  const watch = new DirectionWatch(
    { read: async (d) => ({ ...counters[d] }) },
    {
      stall: (d: Direction, cause: StallCause) => seen.push(`stall ${d} ${cause}`),
      recovered: (d: Direction, cause: StallCause, ms: number) => seen.push(`recovered ${d} ${cause} ${ms}`),
    },
    { stallAfterMs: STALL_AFTER, now: () => now },
  );
  /** Advances the clock by `ms` in ticks; `flowing` directions carry 25 packets a tick end to end. */
  const run = async (ms: number, flowing: Direction[], opts: { receivedOnly?: Direction[] } = {}) => {
    for (let t = 0; t < ms; t += TICK) {
      now += TICK;
      for (const d of flowing) {
        const c = counters[d];
        c.received = (c.received ?? 0) + 25;
        c.forwarded = (c.forwarded ?? 0) + 25;
      }
      for (const d of opts.receivedOnly ?? []) counters[d].received = (counters[d].received ?? 0) + 25;
      await watch.tick();
    }
  };
  return { watch, counters, seen, run };
}

const BOTH: Direction[] = ['caller->callee', 'callee->caller'];

describe('direction watch', () => {
  it('a direction that carried packets and then none is a stall after the threshold, naming it and the sender', async () => {
    const { watch, seen, run } = scene();
    watch.answered();
    await run(2_000, BOTH);
    await run(STALL_AFTER - TICK, ['callee->caller']);
    assert.deepEqual(seen, [], 'not before the threshold');
    await run(TICK, ['callee->caller']);
    assert.deepEqual(seen, ['stall caller->callee no-rtp-from-sender']);
    await run(5_000, ['callee->caller']);
    assert.equal(seen.length, 1, 'one stall is reported once');
  });

  it('a producer that receives while its listener gets nothing is "not-forwarded"', async () => {
    const { watch, seen, run } = scene();
    watch.answered();
    await run(1_000, BOTH);
    await run(STALL_AFTER, ['caller->callee'], { receivedOnly: ['callee->caller'] });
    assert.deepEqual(seen, ['stall callee->caller not-forwarded']);
  });

  it('a direction that never carried anything after the answer stalls too', async () => {
    const { watch, seen, run } = scene();
    watch.answered();
    await run(STALL_AFTER, ['caller->callee']);
    assert.deepEqual(seen, ['stall callee->caller no-rtp-from-sender']);
    const [toCallee, toCaller] = watch.record();
    assert.equal(toCaller?.firstRtpMs, null);
    assert.equal(toCaller?.packets, 0);
    assert.ok((toCallee?.packets ?? 0) > 0);
  });

  it('a consumer whose producer is gone and that nothing replaces is a producer-gone stall at the threshold', async () => {
    const { watch, seen, run, counters } = scene();
    watch.answered();
    await run(1_000, BOTH);
    counters['callee->caller'] = { received: null, forwarded: null, producerGone: true };
    await run(STALL_AFTER - 2 * TICK, ['caller->callee']);
    assert.deepEqual(seen, [], 'a hand-over to the answering device gets the threshold to complete');
    await run(2 * TICK, ['caller->callee']);
    assert.deepEqual(seen, ['stall callee->caller producer-gone']);
  });

  it('a consumer replaced within the threshold (another device answered) is no stall', async () => {
    const { watch, seen, run, counters } = scene();
    watch.answered();
    await run(1_000, BOTH);
    counters['callee->caller'] = { received: null, forwarded: null, producerGone: true };
    await run(STALL_AFTER / 2, ['caller->callee']);
    counters['callee->caller'] = { received: 0, forwarded: 0, producerGone: false };
    await run(STALL_AFTER, BOTH);
    assert.deepEqual(seen, []);
  });

  it('recovers when packets reach the listener again, and the record keeps packets, first RTP and stalled time', async () => {
    const { watch, seen, run, counters } = scene();
    watch.answered();
    await run(1_000, BOTH);
    await run(STALL_AFTER + 1_000, ['callee->caller']);
    await run(1_000, BOTH);
    assert.deepEqual(seen, [
      'stall caller->callee no-rtp-from-sender',
      `recovered caller->callee no-rtp-from-sender ${1_000 + TICK}`,
    ]);
    // A replaced consumer starts counting from zero again: still flowing, not a stall.
    counters['callee->caller'].forwarded = 0;
    await run(1_000, BOTH);
    assert.equal(seen.length, 2);
    const record = watch.record();
    assert.deepEqual(
      record.map((r) => ({ ...r, packets: r.packets > 0 })),
      [
        {
          direction: 'caller->callee',
          packets: true,
          firstRtpMs: 2 * TICK,
          stalls: 1,
          stalledMs: 1_000 + TICK,
          lastCause: 'no-rtp-from-sender',
        },
        {
          direction: 'callee->caller',
          packets: true,
          firstRtpMs: 2 * TICK,
          stalls: 0,
          stalledMs: 0,
          lastCause: null,
        },
      ],
    );
  });

  it('a held direction is not reported, and gets a full period again on resume', async () => {
    const { watch, seen, run } = scene();
    watch.answered();
    await run(1_000, BOTH);
    watch.setHeld('caller->callee', true);
    await run(10_000, ['callee->caller']);
    assert.deepEqual(seen, []);
    watch.setHeld('caller->callee', false);
    await run(STALL_AFTER - TICK, ['callee->caller']);
    assert.deepEqual(seen, [], 'capture restarts after resume: not judged at once');
    await run(TICK, ['callee->caller']);
    assert.deepEqual(seen, ['stall caller->callee no-rtp-from-sender']);
  });

  it('nothing is judged before the answer', async () => {
    const { watch, seen, run } = scene();
    await run(10_000, []);
    assert.deepEqual(seen, []);
    watch.answered();
    await run(STALL_AFTER - TICK, []);
    assert.deepEqual(seen, [], 'the threshold counts from the answer');
  });
});
