/**
 * What two nodes on a real Redis (Debian's redis-server) share besides calls: where a new call is
 * placed when the dialling node is loaded, the rate limits (counted once across the cluster), and
 * presence (a user online on one node is seen online by a contact on the other).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startChild } from '@softphone/test-support/child';
import { startRedis, type RedisInstance } from '@softphone/test-support/engines/redis';
import { ErrorCode, type ServerEventPayload } from '../../src/protocol/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { connect, connectDevice, next, signUp, type Client } from './harness.ts';
import { freePort, roomsOn, until } from './cluster-support.ts';

const sfuDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Resolves once `cond` holds, checked as the nodes beat. */

const tick = () => new Promise((r) => setTimeout(r, 20));

/** The invites one caller may place a minute, across the cluster. */
const INVITES_PER_MINUTE = 3;

describe('two nodes sharing state on Redis', () => {
  let redis: RedisInstance;
  let a: TestServer;
  let b: TestServer;
  /** Node a's load as it reports it (its workers' CPU, set by the test). */
  let loadA = 0;
  let dataDir: string;
  const sockets: Client[] = [];

  before(async () => {
    redis = await startRedis({ port: await freePort() });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfu-cluster-state-'));
    const node = (id: string, min: number, load?: () => Promise<number>) =>
      startTestServer({
        dataDir,
        mediaPorts: { min, max: min + 99 },
        cluster: { redisUrl: redis.url, nodeId: id, address: '127.0.0.1', homeLoadThreshold: 0.7 },
        inviteLimits: {
          invitesPerCallerPerMinute: INVITES_PER_MINUTE,
          invitesPerCalleePerMinute: 10_000,
          pushesPerDevicePerMinute: 10_000,
        },
        ...(load ? { load } : {}),
      });
    a = await node('node-a', 42200, async () => loadA);
    b = await node('node-b', 42300, async () => 0);
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

  /** Ann on node a calls Bob (on node b), who answers; both ask for media. */
  async function callFromA() {
    const ann = await connect(a.url, 'Ann');
    const bobUser = (await connect(a.url, 'Bob')).user;
    const bob = await connectDevice(b.url, bobUser);
    sockets.push(ann.socket, bob.socket);
    const res = await ann.socket.emitWithAck('call:invite', { to: bob.self.id });
    assert.ok(res.ok, JSON.stringify(res));
    const { callId } = res.data;
    assert.ok((await bob.socket.emitWithAck('call:answer', { callId })).ok);
    for (const s of [ann.socket, bob.socket])
      assert.ok((await s.emitWithAck('media:capabilities', { callId })).ok);
    return { callId, hangUp: () => ann.socket.emitWithAck('call:hangup', { callId }) };
  }

  it('places a call dialled on a node loaded past the threshold on the least-loaded node, with its router', async () => {
    loadA = 0.9;
    await until(() => a.server.cluster.placeCall() === 'node-b', 'node a has reported its load');
    const call = await callFromA();
    assert.ok(b.server.calls.holds(call.callId) && !a.server.calls.holds(call.callId), 'node b is home');
    await until(() => roomsOn(b) === 1, 'node b holds the router');
    assert.equal(roomsOn(a), 0, 'the dialling node holds no media');
    assert.ok((await call.hangUp()).ok);
  });

  it('places a call on the dialling node while its load is below the threshold', async () => {
    loadA = 0.1;
    await until(() => a.server.cluster.placeCall() === 'node-a', 'node a has reported its load');
    const call = await callFromA();
    assert.ok(a.server.calls.holds(call.callId) && !b.server.calls.holds(call.callId), 'node a is home');
    await until(() => roomsOn(a) === 1, 'node a holds the router');
    assert.equal(roomsOn(b), 0);
    assert.ok((await call.hangUp()).ok);
  });

  it('counts a caller’s invites across both nodes: the one past the limit is refused wherever it is placed', async () => {
    const ann = await connect(a.url, 'Ann');
    const annOnB = await connectDevice(b.url, ann.user);
    const bob = await connect(b.url, 'Bob');
    sockets.push(ann.socket, annOnB.socket, bob.socket);
    for (let i = 0; i < INVITES_PER_MINUTE; i++) {
      const from = i % 2 === 0 ? ann.socket : annOnB.socket;
      const res = await from.emitWithAck('call:invite', { to: bob.self.id });
      assert.ok(res.ok, `invite ${i + 1}: ${JSON.stringify(res)}`);
      assert.ok((await bob.socket.emitWithAck('call:decline', { callId: res.data.callId })).ok);
      // The ended call's record goes from Redis a moment after the decline's answer.
      for (const n of [a, b]) while (await n.server.cluster.userCallElsewhere(ann.self.id)) await tick();
    }
    for (const from of [ann.socket, annOnB.socket]) {
      const refused = await from.emitWithAck('call:invite', { to: bob.self.id });
      assert.ok(!refused.ok && refused.error.code === ErrorCode.RateLimited, JSON.stringify(refused));
    }
  });

  it('shows a user online on node a to a contact watching on node b, and offline when they leave', async () => {
    const annUser = await signUp(a.url, 'Ann');
    const bob = await connect(b.url, 'Bob');
    sockets.push(bob.socket);
    const told = next(bob.socket, 'presence:changed');
    const added = await bob.socket.emitWithAck('contacts:add', { username: annUser.username });
    assert.ok(added.ok && added.data.presence === 'offline', JSON.stringify(added));
    assert.deepEqual(await told, { user: added.data.contact, presence: 'offline' });

    const online = next(bob.socket, 'presence:changed');
    const ann = await connectDevice(a.url, annUser);
    sockets.push(ann.socket);
    assert.deepEqual(await online, { user: added.data.contact, presence: 'online' });

    // A device of Bob's connecting to node b now is told Ann is online (she is on node a).
    let list: Promise<ServerEventPayload<'presence:users'>> | undefined;
    const bobAgain = await connectDevice(b.url, bob.user, undefined, (s) => {
      list = next(s, 'presence:users');
    });
    sockets.push(bobAgain.socket);
    assert.deepEqual((await list)?.users, [added.data.contact]);
    const asAdded = await bobAgain.socket.emitWithAck('contacts:add', { username: annUser.username });
    assert.ok(asAdded.ok && asAdded.data.presence === 'online', JSON.stringify(asAdded));

    const offline = next(bob.socket, 'presence:changed');
    ann.socket.close();
    assert.deepEqual(await offline, { user: added.data.contact, presence: 'offline' });
  });

  it('tells a contact on node b that a user whose node died is offline, once the node is reaped', async () => {
    const c = await startChild('node-c', process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: sfuDir,
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: dataDir,
        REDIS_URL: redis.url,
        NODE_ID: 'node-c',
        MEDIA_WORKERS: '1',
        MEDIA_RTC_PORTS: '42400-42499',
        TURN_URLS: 'none',
        LOG_LEVEL: 'warn',
      },
      ready: /node node-c: clustered over Redis\nsoftphone ready at (\S+)\//,
      timeoutMs: 30_000,
      logFile: path.join(dataDir, 'node-c.log'),
    });
    try {
      const annUser = await signUp(a.url, 'Ann');
      const bob = await connect(b.url, 'Bob');
      sockets.push(bob.socket);
      // Adding a contact tells all of Bob's devices her presence now, through the adapter (which may
      // deliver it after the ack): that one first.
      const told = next(bob.socket, 'presence:changed');
      const added = await bob.socket.emitWithAck('contacts:add', { username: annUser.username });
      assert.ok(added.ok, JSON.stringify(added));
      assert.deepEqual(await told, { user: added.data.contact, presence: 'offline' });
      const online = next(bob.socket, 'presence:changed');
      const ann = await connectDevice(c.match[1] ?? '', annUser);
      sockets.push(ann.socket);
      assert.deepEqual(await online, { user: added.data.contact, presence: 'online' });

      const offline = next(bob.socket, 'presence:changed', 10_000);
      c.child.kill('SIGKILL');
      assert.deepEqual(await offline, { user: added.data.contact, presence: 'offline' });
    } finally {
      await c.stop();
    }
  });
});
