/** The SFU's worker supervision against real mediasoup workers. */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { MediaWorkerDied } from '../../src/media/media-server.ts';
import { CallState, EndReason, type CallId } from '../../src/protocol/index.ts';
import { connect, next, startHarness, type Harness } from './harness.ts';

type Party = Awaited<ReturnType<typeof connect>>;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

async function answeredCall(a: Party, b: Party): Promise<CallId> {
  const res = await a.socket.emitWithAck('call:invite', { to: b.self.id });
  assert.ok(res.ok);
  const answered = next(a.socket, 'call:state');
  await b.socket.emitWithAck('call:answer', { callId: res.data.callId });
  assert.equal((await answered).state, CallState.Answered);
  return res.data.callId;
}

describe('media worker supervision', { timeout: 60_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.stop());

  it('starts the configured workers, each a live process', () => {
    assert.ok(h.server.media.isReady);
    assert.equal(h.server.media.workers.length, 2);
    for (const w of h.server.media.workers) assert.ok(alive(w.pid));
  });

  it('a killed worker ends only its own calls with media-server-restarted, is replaced, and the next call is answered on the replacement', async () => {
    const [a, b, c, d] = await Promise.all(['K A', 'K B', 'K C', 'K D'].map((n) => connect(h.url, n)));
    assert.ok(a && b && c && d);
    const doomed = await answeredCall(a, b);
    const victim = h.server.media.workers.find((w) => w.calls === 1)?.pid;
    const before = h.server.media.workers.map((w) => w.pid);
    assert.ok(victim, 'the first call is on one worker');
    await answeredCall(c, d);
    // The least busy worker takes a new call: the second call is on the other one.
    assert.deepEqual(
      h.server.media.workers.map((w) => w.calls),
      [1, 1],
    );
    const endedA = next(a.socket, 'call:ended');
    const endedB = next(b.socket, 'call:ended');
    let otherEnded = false;
    c.socket.once('call:ended', () => (otherEnded = true));
    process.kill(victim, 'SIGKILL');
    assert.deepEqual(await endedA, { callId: doomed, reason: EndReason.MediaServerRestarted, by: 'server' });
    assert.deepEqual(await endedB, { callId: doomed, reason: EndReason.MediaServerRestarted, by: 'server' });
    await until('the replacement worker', () => {
      const pids = h.server.media.workers.map((w) => w.pid);
      return pids.length === 2 && !pids.includes(victim);
    });
    assert.equal(otherEnded, false, 'the call on the other worker goes on');
    // The least busy worker is the replacement (no call yet): the new call's router goes there.
    await answeredCall(a, b);
    const replacement = () => h.server.media.workers.find((w) => !before.includes(w.pid));
    await until('the new call on the replacement worker', () => replacement()?.calls === 1);
    assert.ok(alive(replacement()?.pid ?? -1));
    for (const p of [a, b, c, d]) p.socket.disconnect();
  });

  it('a worker that dies while a room is being opened fails the room as a dead worker (the call ends media-server-restarted, not media-failed)', async () => {
    const h2 = await startHarness();
    try {
      // Both workers carry no call: the first is the least busy, and the room goes there.
      const pid = h2.server.media.workers[0]?.pid;
      assert.ok(pid);
      const opening = h2.server.media.openRoom(['caller', 'callee'], createLogger('silent'));
      process.kill(pid, 'SIGKILL');
      await assert.rejects(opening, MediaWorkerDied);
    } finally {
      await h2.stop();
    }
  });

  it('stops its workers on stop()', async () => {
    const h2 = await startHarness();
    const pids = h2.server.media.workers.map((w) => w.pid);
    assert.ok(pids.every(alive));
    await h2.stop();
    await until('the workers to exit', () => !pids.some(alive));
  });
});
