/** The Janus supervisor against the real Debian Janus. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { CallState, EndReason } from '../../src/protocol/index.ts';
import { connect, next, startHarness, type Harness } from './harness.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('Janus supervision', { timeout: 60_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.stop());

  it('starts Janus with its API on loopback and hands out sessions', async () => {
    assert.ok(h.server.gateway.isReady);
    const session = await h.server.gateway.createSession();
    await session.destroy();
  });

  it('restarts a killed Janus, ends live calls with media-server-restarted, and works again', async () => {
    const a = await connect(h.url, 'Kill A');
    const b = await connect(h.url, 'Kill B');
    const res = await a.socket.emitWithAck('call:invite', { to: b.self.id });
    assert.ok(res.ok);
    const callId = res.data.callId;
    const answered = next(a.socket, 'call:state');
    await b.socket.emitWithAck('call:answer', { callId });
    assert.equal((await answered).state, CallState.Answered);

    const pid = h.server.gateway.pid;
    assert.ok(pid);
    const endedA = next(a.socket, 'call:ended');
    const endedB = next(b.socket, 'call:ended');
    const ready = once(h.server.gateway, 'ready');
    process.kill(pid, 'SIGKILL');
    assert.deepEqual(await endedA, { callId, reason: EndReason.MediaServerRestarted, by: 'server' });
    assert.deepEqual(await endedB, { callId, reason: EndReason.MediaServerRestarted, by: 'server' });
    await ready;
    assert.notEqual(h.server.gateway.pid, pid);
    const session = await h.server.gateway.createSession();
    await session.destroy();
    const again = await a.socket.emitWithAck('call:invite', { to: b.self.id });
    assert.ok(again.ok, 'a new call can be placed after the restart');
    a.socket.disconnect();
    b.socket.disconnect();
  });

  it('stops Janus on stop()', async () => {
    const h2 = await startHarness();
    const pid = h2.server.gateway.pid;
    assert.ok(pid && alive(pid));
    await h2.stop();
    assert.equal(alive(pid), false);
  });
});
