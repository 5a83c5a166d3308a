/**
 * Fencing: a node that was declared dead while alive (here paused with SIGSTOP past the staleness,
 * as a partition or a long stall would) finds its entry reaped when it runs again: it ends its
 * calls and registers under a new id. The survivor's reap and the fenced node's own end finalise
 * the call's history row once, and each party is told once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Started } from '@softphone/test-support/child';
import { startRedis, type RedisInstance } from '@softphone/test-support/engines/redis';
import { EndReason, type CallId, type ServerEventPayload } from '../../src/protocol/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { freePort, startChildNode, until } from './cluster-support.ts';
import { connect, connectDevice, next, signUp, type Client } from './harness.ts';

describe('a node declared dead while alive', () => {
  let redis: RedisInstance;
  let fenced: Started & { url: string };
  let survivor: TestServer;
  const sockets: Client[] = [];

  before(async () => {
    redis = await startRedis({ port: await freePort() });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfu-cluster-fencing-'));
    survivor = await startTestServer({
      dataDir,
      mediaPorts: { min: 43000, max: 43099 },
      cluster: { redisUrl: redis.url, nodeId: 'node-a', address: '127.0.0.1' },
    });
    fenced = await startChildNode({ id: 'node-b', redisUrl: redis.url, dataDir, rtcPorts: '43100-43199' });
    await until(() => survivor.server.cluster.liveNodes().length === 2, 'node-a sees node-b live');
  });

  after(async () => {
    for (const s of sockets) s.close();
    fenced?.child.kill('SIGCONT');
    await fenced?.stop();
    await survivor?.stop().catch(() => undefined);
    await redis?.stop();
  });

  const rowOf = (callId: CallId) =>
    survivor.server.db
      .selectFrom('calls')
      .select(['ended_at as endedAt', 'end_reason as reason', 'ended_by as by'])
      .where('id', '=', callId)
      .executeTakeFirst();

  it('ends its calls, comes back under a new id; the history row is ended once, each party told once', async () => {
    const annUser = await signUp(survivor.url, 'Ann');
    const ann = await connectDevice(fenced.url, annUser);
    const bob = await connect(survivor.url, 'Bob');
    sockets.push(ann.socket, bob.socket);
    const ends = {
      ann: [] as ServerEventPayload<'call:ended'>[],
      bob: [] as ServerEventPayload<'call:ended'>[],
    };
    ann.socket.on('call:ended', (e) => ends.ann.push(e));
    bob.socket.on('call:ended', (e) => ends.bob.push(e));
    const res = await ann.socket.emitWithAck('call:invite', { to: bob.self.id });
    assert.ok(res.ok, JSON.stringify(res));
    const { callId } = res.data;
    assert.ok((await bob.socket.emitWithAck('call:answer', { callId })).ok);

    fenced.child.kill('SIGSTOP');
    const bobEnded = await next(bob.socket, 'call:ended', 6_000);
    assert.deepEqual(bobEnded, { callId, reason: EndReason.ServerLost, by: 'server' });
    const reaped = await rowOf(callId);
    assert.deepEqual(
      { ...(reaped as object), endedAt: undefined },
      {
        endedAt: undefined,
        reason: EndReason.ServerLost,
        by: 'server',
      },
    );

    fenced.child.kill('SIGCONT');
    const annEnded = await next(ann.socket, 'call:ended', 6_000);
    assert.deepEqual(annEnded, { callId, reason: EndReason.ServerLost, by: 'server' });
    await until(
      () => survivor.server.cluster.liveNodes().some((id) => id.startsWith('node-b-')),
      'node-b registered again under a new id',
    );
    assert.ok(!survivor.server.cluster.liveNodes().includes('node-b'));
    // A new call through the fenced node works: it serves again, as a new node.
    const incoming = next(bob.socket, 'call:incoming');
    const again = await ann.socket.emitWithAck('call:invite', { to: bob.self.id });
    assert.ok(again.ok, JSON.stringify(again));
    assert.equal((await incoming).callId, again.data.callId);
    const over = next(bob.socket, 'call:ended');
    assert.ok((await ann.socket.emitWithAck('call:hangup', { callId: again.data.callId })).ok);
    await over;

    assert.deepEqual(await rowOf(callId), reaped, 'the row keeps the end the reaper gave it');
    assert.deepEqual(
      { ann: ends.ann.filter((e) => e.callId === callId), bob: ends.bob.filter((e) => e.callId === callId) },
      { ann: [annEnded], bob: [bobEnded] },
      'each party is told once',
    );
  });
});
