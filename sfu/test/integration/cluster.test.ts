/**
 * Two nodes sharing a real Redis (Debian's redis-server) and one store: a call between devices on
 * different nodes is held by the dialling node (its home), which alone holds its router; the other
 * node forwards its device's requests there. SIGTERM's drain refuses new calls and ends the rest at
 * its deadline.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRedis, type RedisInstance } from '@softphone/test-support/engines/redis';
import { CallState, EndReason, ErrorCode } from '../../src/protocol/index.ts';
import { type TestServer } from '../support/test-server.ts';
import { connect, connectDevice, next, type Client } from './harness.ts';
import { freePort, inProcessNode, roomsOn, until } from './cluster-support.ts';

/** Resolves once `cond` holds, checked as the nodes beat. */

describe('two nodes on Redis', () => {
  let redis: RedisInstance;
  let a: TestServer;
  let b: TestServer;
  const sockets: Client[] = [];

  before(async () => {
    redis = await startRedis({ port: await freePort() });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfu-cluster-'));
    const node = (id: string, min: number) =>
      inProcessNode(redis.url, dataDir, id, min, { drainDeadlineMs: 1_000 });
    a = await node('node-a', 42000);
    b = await node('node-b', 42100);
    await until(
      () => [a, b].every((n) => n.server.cluster.liveNodes().length === 2),
      'each node sees both live',
    );
  });

  after(async () => {
    for (const s of sockets) s.close();
    await a?.stop().catch(() => undefined);
    await b?.stop().catch(() => undefined);
    await redis?.stop();
  });

  it('places a call on the dialling node; the other node forwards its device’s answer, media and hang-up there', async () => {
    const ann = await connect(a.url, 'Ann');
    const bobUser = (await connect(a.url, 'Bob')).user;
    const bob = await connectDevice(b.url, bobUser);
    sockets.push(ann.socket, bob.socket);
    await until(() => a.server.cluster.liveNodes().length === 2, 'a sees b');

    const incoming = next(bob.socket, 'call:incoming');
    const res = await ann.socket.emitWithAck('call:invite', { to: bob.self.id });
    assert.ok(res.ok, JSON.stringify(res));
    const { callId } = res.data;
    assert.equal((await incoming).callId, callId, 'the invite reaches the callee on the other node');
    assert.ok(a.server.calls.holds(callId) && !b.server.calls.holds(callId), 'the dialling node is home');

    const answered = next(ann.socket, 'call:state');
    const answer = await bob.socket.emitWithAck('call:answer', { callId });
    assert.ok(answer.ok, JSON.stringify(answer));
    assert.equal((await answered).state, CallState.Answered);

    const caps = await bob.socket.emitWithAck('media:capabilities', { callId });
    assert.ok(caps.ok, JSON.stringify(caps));
    const t = await bob.socket.emitWithAck('media:transport-create', {
      callId,
      direction: 'recv',
      rtpCapabilities: caps.data.rtpCapabilities,
    });
    assert.ok(t.ok, JSON.stringify(t));
    for (const c of t.data.transport.iceCandidates) {
      assert.equal(c.address, '127.0.0.1');
      assert.ok(c.port >= 42000 && c.port < 42100, `candidate port ${c.port} is the home's`);
    }
    assert.equal(roomsOn(a), 1, 'the home holds the router');
    assert.equal(roomsOn(b), 0, 'the other node holds no media');

    const ended = next(ann.socket, 'call:ended');
    const bobEnded = next(bob.socket, 'call:ended');
    const hangup = await bob.socket.emitWithAck('call:hangup', { callId });
    assert.ok(hangup.ok, JSON.stringify(hangup));
    assert.deepEqual(await ended, { callId, reason: EndReason.HungUp, by: 'peer' });
    assert.deepEqual(await bobEnded, { callId, reason: EndReason.HungUp, by: 'self' });
  });

  it('drains on request: /healthz 503, a new call refused as draining, the call left ends at the deadline', async () => {
    const ann = await connect(b.url, 'Ann');
    const bob = await connect(b.url, 'Bob');
    sockets.push(ann.socket, bob.socket);
    const res = await ann.socket.emitWithAck('call:invite', { to: bob.self.id });
    assert.ok(res.ok, JSON.stringify(res));
    const { callId } = res.data;
    assert.ok((await bob.socket.emitWithAck('call:answer', { callId })).ok);

    const drained = b.server.drain();
    assert.equal((await fetch(`${b.url}/healthz`)).status, 503);
    const refused = await bob.socket.emitWithAck('call:invite', { to: ann.self.id });
    assert.ok(!refused.ok && refused.error.code === ErrorCode.Draining, JSON.stringify(refused));
    const ended = next(ann.socket, 'call:ended');
    await drained;
    assert.deepEqual(await ended, { callId, reason: EndReason.ServerLost, by: 'server' });
  });
});
