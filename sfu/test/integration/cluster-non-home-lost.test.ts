/**
 * A cross-node call whose non-home node dies (`kill -9` of a node started as `npm start` does):
 * the call and its media stay up on the home; the device that was connected to the dead node
 * reconnects to another node, gets its call back (`call:resync`, before its welcome, as on a single
 * node), and its media requests and hang-up reach the home from there.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Started } from '@softphone/test-support/child';
import { startRedis, type RedisInstance } from '@softphone/test-support/engines/redis';
import { CallState, EndReason, type ServerEventPayload } from '../../src/protocol/index.ts';
import { type TestServer } from '../support/test-server.ts';
import { freePort, inProcessNode, roomsOn, startChildNode, until } from './cluster-support.ts';
import { connect, connectDevice, next, signUp, type Client } from './harness.ts';

describe('a call whose non-home node dies', () => {
  let redis: RedisInstance;
  let lost: Started & { url: string };
  let home: TestServer;
  let other: TestServer;
  const sockets: Client[] = [];

  before(async () => {
    redis = await startRedis({ port: await freePort() });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfu-cluster-nonhome-'));
    const node = (id: string, min: number) => inProcessNode(redis.url, dataDir, id, min);
    home = await node('node-a', 42500);
    other = await node('node-c', 42600);
    lost = await startChildNode({ id: 'node-b', redisUrl: redis.url, dataDir, rtcPorts: '42700-42799' });
    await until(
      () => [home, other].every((n) => n.server.cluster.liveNodes().length === 3),
      'the in-process nodes see all three live',
    );
  });

  after(async () => {
    for (const s of sockets) s.close();
    await lost?.stop();
    for (const n of [home, other]) await n?.stop().catch(() => undefined);
    await redis?.stop();
  });

  it('keeps the call on its home; the device comes back on another node with its resync first, and hangs up from there', async () => {
    const ann = await connect(home.url, 'Ann');
    const bobUser = await signUp(home.url, 'Bob');
    const bob = await connectDevice(lost.url, bobUser);
    sockets.push(ann.socket, bob.socket);
    const annEnds: ServerEventPayload<'call:ended'>[] = [];
    ann.socket.on('call:ended', (e) => annEnds.push(e));

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
    assert.equal(roomsOn(home), 1);

    lost.child.kill('SIGKILL');
    // Bob's client reconnects (through the load balancer) to a node that does not hold the call.
    const order: string[] = [];
    let resync: ServerEventPayload<'call:resync'> | undefined;
    const back = await connectDevice(other.url, bobUser, bob.deviceId, (s) => {
      s.on('call:resync', (r) => {
        order.push('call:resync');
        resync = r;
      });
      s.on('session:welcome', () => order.push('session:welcome'));
    });
    sockets.push(back.socket);
    assert.deepEqual(order, ['call:resync', 'session:welcome'], 'the resync comes before the welcome');
    assert.equal(resync?.callId, callId);
    assert.equal(resync?.role, 'callee');
    assert.equal(resync?.state, CallState.Answered);

    // The dead node is reaped; the call lives on at its home, its media untouched.
    await until(
      () => [home, other].every((n) => !n.server.cluster.liveNodes().includes('node-b')),
      'neither survivor sees node-b live',
    );
    // The transport Bob made through the dead node is still on the home, and reachable from here.
    const restart = await back.socket.emitWithAck('media:restart-ice', {
      callId,
      transportId: t.data.transport.id,
    });
    assert.ok(restart.ok, JSON.stringify(restart));
    assert.ok(home.server.calls.holds(callId), 'the home still holds the call');
    assert.equal(roomsOn(home), 1, 'its router is still there');
    assert.equal(roomsOn(other), 0, 'the node the device came back to holds no media');
    assert.deepEqual(annEnds, [], 'the call did not end');

    const ended = next(ann.socket, 'call:ended');
    const hangup = await back.socket.emitWithAck('call:hangup', { callId });
    assert.ok(hangup.ok, JSON.stringify(hangup));
    assert.deepEqual(await ended, { callId, reason: EndReason.HungUp, by: 'peer' });
  });
});
