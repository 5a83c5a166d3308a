/**
 * Redis stops and comes back (the same port, empty: it keeps nothing) while a cross-node call is
 * up: both nodes stay healthy and serve their calls, no node reaps another, and once Redis is back
 * signalling across nodes resumes (the homes and device places are written again).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startRedis, type RedisInstance } from '@softphone/test-support/engines/redis';
import { CallState, EndReason, type CallId, type ServerEventPayload } from '../../src/protocol/index.ts';
import { STALE_MS } from '../../src/cluster/node-registry.ts';
import { type TestServer } from '../support/test-server.ts';
import { freePort, inProcessNode, roomsOn, until } from './cluster-support.ts';
import { connect, connectDevice, next, signUp, type Client } from './harness.ts';

describe('a Redis outage under a cross-node call', () => {
  let redis: RedisInstance;
  let a: TestServer;
  let b: TestServer;
  const sockets: Client[] = [];
  /** Every /healthz answer seen while the test runs. */
  const health: number[] = [];
  let watching = true;
  let watcher: Promise<void>;

  before(async () => {
    redis = await startRedis({ port: await freePort() });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfu-cluster-outage-'));
    const node = (id: string, min: number) => inProcessNode(redis.url, dataDir, id, min);
    a = await node('node-a', 42800);
    b = await node('node-b', 42900);
    await until(() => [a, b].every((n) => n.server.cluster.liveNodes().length === 2), 'both see both live');
    watcher = (async () => {
      while (watching) {
        for (const n of [a, b]) health.push((await fetch(`${n.url}/healthz`)).status);
        // A load balancer's check interval, not a synchronisation.
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
  });

  after(async () => {
    watching = false;
    await watcher;
    for (const s of sockets) s.close();
    await a?.stop().catch(() => undefined);
    await b?.stop().catch(() => undefined);
    await redis?.stop();
  });

  /** Ann on node a calls Bob's device on node b, answered, Bob's media through the home. */
  async function crossNodeCall() {
    const ann = await connect(a.url, 'Ann');
    const bob = await connectDevice(b.url, await signUp(a.url, 'Bob'));
    sockets.push(ann.socket, bob.socket);
    const ends: ServerEventPayload<'call:ended'>[] = [];
    for (const s of [ann.socket, bob.socket]) s.on('call:ended', (e) => ends.push(e));
    const incoming = next(bob.socket, 'call:incoming');
    const res = await ann.socket.emitWithAck('call:invite', { to: bob.self.id });
    assert.ok(res.ok, JSON.stringify(res));
    const { callId } = res.data;
    await incoming;
    assert.ok((await bob.socket.emitWithAck('call:answer', { callId })).ok);
    const caps = await bob.socket.emitWithAck('media:capabilities', { callId });
    assert.ok(caps.ok, JSON.stringify(caps));
    const t = await bob.socket.emitWithAck('media:transport-create', {
      callId,
      direction: 'recv',
      rtpCapabilities: caps.data.rtpCapabilities,
    });
    assert.ok(t.ok, JSON.stringify(t));
    return { ann, bob, callId, ends, transportId: t.data.transport.id };
  }

  /** Redis down for `outageMs` at least (judged by the nodes' own view), then back on its port. */
  async function outage(outageMs: number): Promise<void> {
    await redis.stop();
    const down = Date.now();
    await until(() => Date.now() - down >= outageMs, `Redis down ${outageMs} ms`, outageMs + 1_000);
    await redis.start();
    const back = Date.now();
    await until(() => [a, b].every((n) => n.server.cluster.liveNodes().length === 2), 'both see both again');
    // A node judges entries only STALE_MS after Redis came back (every node has beaten by then):
    // past that window and a few beats, a reap would have happened.
    await until(() => Date.now() - back > STALE_MS + 2_000, 'the staleness window and two beats passed');
  }

  const rowOf = (callId: CallId) =>
    a.server.db
      .selectFrom('calls')
      .select('ended_at as endedAt')
      .where('id', '=', callId)
      .executeTakeFirstOrThrow();

  for (const outageMs of [1_000, 10_000])
    it(`keeps the call through a ${outageMs / 1000} s outage; a hang-up from the other node ends it after`, async () => {
      const { ann, bob, callId, ends, transportId } = await crossNodeCall();
      const checks = health.length;
      await outage(outageMs);
      for (const [n, id] of [
        [a, 'node-a'],
        [b, 'node-b'],
      ] as const) {
        assert.equal(n.server.cluster.nodeId(), id, `${id} was not declared dead (it keeps its id)`);
        assert.deepEqual(n.server.cluster.liveNodes().sort(), ['node-a', 'node-b']);
      }
      assert.ok(health.length > checks, 'health was checked during the outage');
      assert.deepEqual(
        health.filter((s) => s !== 200),
        [],
        '/healthz answered 200 throughout',
      );
      assert.deepEqual(ends, [], 'nobody was told the call ended');
      assert.ok(a.server.calls.holds(callId), 'the home still holds the call');
      assert.equal(roomsOn(a), 1, 'with its router');
      assert.equal((await rowOf(callId)).endedAt, null, 'its history row is open');
      const restart = await bob.socket.emitWithAck('media:restart-ice', { callId, transportId });
      assert.ok(restart.ok, `Bob's transport is still on the home: ${JSON.stringify(restart)}`);
      assert.equal(
        (await ann.socket.emitWithAck('call:hold', { callId, held: false })).ok,
        true,
        'the call answers requests',
      );

      const annEnded = next(ann.socket, 'call:ended');
      const bobEnded = next(bob.socket, 'call:ended');
      const hangup = await bob.socket.emitWithAck('call:hangup', { callId });
      assert.ok(hangup.ok, JSON.stringify(hangup));
      assert.deepEqual(await annEnded, { callId, reason: EndReason.HungUp, by: 'peer' });
      assert.deepEqual(await bobEnded, { callId, reason: EndReason.HungUp, by: 'self' });
      assert.equal(roomsOn(a), 0);

      // A new cross-node call to the same device works: its place was written again.
      const carol = await connect(a.url, 'Carol');
      sockets.push(carol.socket);
      const rings = next(bob.socket, 'call:incoming');
      const res = await carol.socket.emitWithAck('call:invite', { to: bob.self.id });
      assert.ok(res.ok, JSON.stringify(res));
      assert.equal((await rings).callId, res.data.callId, 'Bob’s device on node b rings');
      const answered = next(carol.socket, 'call:state');
      assert.ok((await bob.socket.emitWithAck('call:answer', { callId: res.data.callId })).ok);
      assert.equal((await answered).state, CallState.Answered);
      assert.ok((await carol.socket.emitWithAck('call:hangup', { callId: res.data.callId })).ok);
    });

  it('a hang-up sent from the other node while Redis is down reaches the home once Redis is back', async () => {
    const { ann, bob, callId } = await crossNodeCall();
    await redis.stop();
    // Node b has seen Redis go (its lookups fail at once now).
    await until(() => !b.server.cluster.reachable(), 'node b sees Redis gone');
    const annEnded = next(ann.socket, 'call:ended', 10_000);
    const hangup = bob.socket.emitWithAck('call:hangup', { callId });
    await redis.start();
    const ack = await hangup;
    assert.ok(ack.ok, JSON.stringify(ack));
    assert.deepEqual(await annEnded, { callId, reason: EndReason.HungUp, by: 'peer' });
  });

  it('a Redis that stops answering for 5 s (paused, its data kept) makes no node declare another dead', async () => {
    const { ann, bob, callId, ends } = await crossNodeCall();
    // Every client's commands wait (the connections stay open): the beats queue up behind the pause.
    const admin = new Redis(redis.url);
    await admin.call('client', 'pause', '5000', 'ALL');
    const paused = Date.now();
    admin.disconnect();
    await until(
      () => Date.now() - paused > 5_000 + STALE_MS + 2_000,
      'the pause, its staleness window and two beats',
      20_000,
    );
    for (const [n, id] of [
      [a, 'node-a'],
      [b, 'node-b'],
    ] as const)
      assert.equal(n.server.cluster.nodeId(), id, `${id} was not declared dead (it keeps its id)`);
    assert.deepEqual(ends, [], 'nobody was told the call ended');
    assert.ok(a.server.calls.holds(callId));
    const ended = next(ann.socket, 'call:ended');
    assert.ok((await bob.socket.emitWithAck('call:hangup', { callId })).ok);
    assert.equal((await ended).reason, EndReason.HungUp);
  });
});
