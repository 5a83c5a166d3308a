/** One direction of the impairment relay's link, on a made-up clock and a seeded random source. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImpairedLink } from '../../src/network/impaired-link.ts';
import { NETWORK_PROFILES, type LinkImpairment } from '../../src/network/network-profiles.ts';

/** mulberry32: a small deterministic PRNG, so the statistics below are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const link = (over: Partial<LinkImpairment>): LinkImpairment => ({ ...NETWORK_PROFILES.clean.link, ...over });

describe('ImpairedLink', () => {
  it('passes packets at once when clean', () => {
    const l = new ImpairedLink(link({}));
    assert.equal(l.schedule(1_000, 100), 1_000);
  });

  it('drops about the configured share of packets', () => {
    const l = new ImpairedLink(link({ lossPercent: 5 }), seeded(1));
    let lost = 0;
    for (let i = 0; i < 20_000; i++) if (l.schedule(i * 20, 100) === null) lost++;
    assert.ok(Math.abs(lost / 20_000 - 0.05) < 0.005, `lost ${lost / 200} %`);
  });

  it('delays by delay ± jitter, and reorders only when allowed', () => {
    const jittery = new ImpairedLink(link({ delayMs: 50, jitterMs: 30, reorder: true }), seeded(2));
    const fifo = new ImpairedLink(link({ delayMs: 50, jitterMs: 30, reorder: false }), seeded(2));
    let reordered = 0;
    let prev = 0;
    let prevFifo = 0;
    for (let i = 0; i < 1_000; i++) {
      const now = i * 20;
      const at = jittery.schedule(now, 100) ?? 0;
      assert.ok(at - now >= 20 - 1e-9 && at - now <= 80 + 1e-9, `delay ${at - now}`);
      if (at < prev) reordered++;
      prev = at;
      const f = fifo.schedule(now, 100) ?? 0;
      assert.ok(f >= prevFifo, 'a FIFO link reordered');
      prevFifo = f;
    }
    assert.ok(reordered > 50, `only ${reordered} reordered`);
  });

  it('queues packets behind a rate cap and tail-drops past the buffer', () => {
    // 1 000-byte packets at 80 kbit/s: 100 ms each on the wire.
    const l = new ImpairedLink(link({ rateKbps: 80 }));
    assert.equal(l.schedule(0, 1_000), 100);
    assert.equal(l.schedule(0, 1_000), 200);
    assert.equal(l.schedule(0, 1_000), 300);
    assert.equal(l.schedule(0, 1_000), 400);
    assert.equal(l.schedule(0, 1_000), null, 'past 300 ms of queue');
  });

  it('drops everything during an outage, and nothing after it', () => {
    const l = new ImpairedLink(link({}));
    l.outage(2_000);
    assert.equal(l.schedule(1_999, 100), null);
    assert.equal(l.schedule(2_000, 100), 2_000);
  });
});
