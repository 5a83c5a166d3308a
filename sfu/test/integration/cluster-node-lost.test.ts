/**
 * A call's home dies (`kill -9` of a node started as `npm start` does, with REDIS_URL and NODE_ID):
 * within 5 s the party on another node hears `server-lost`, one of the two survivors (racing for
 * `reap:<node>`) ends the history row, and the next call works on a survivor.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startChild, type Started } from '@softphone/test-support/child';
import { startRedis, type RedisInstance } from '@softphone/test-support/engines/redis';
import { EndReason, type ServerEventPayload } from '../../src/protocol/index.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { connect, connectDevice, next, signUp, type Client } from './harness.ts';
import { freePort, until } from './cluster-support.ts';

const sfuDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('a call whose home node dies', () => {
  let redis: RedisInstance;
  let home: Started;
  let homeUrl: string;
  const survivors: TestServer[] = [];
  const sockets: Client[] = [];

  before(async () => {
    redis = await startRedis({ port: await freePort() });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfu-cluster-lost-'));
    home = await startChild('node-a', process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: sfuDir,
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: dataDir,
        REDIS_URL: redis.url,
        NODE_ID: 'node-a',
        MEDIA_WORKERS: '1',
        MEDIA_RTC_PORTS: '42200-42299',
        TURN_URLS: 'none',
        LOG_LEVEL: 'warn',
      },
      ready: /node node-a: clustered over Redis\nsoftphone ready at (\S+)\//,
      timeoutMs: 30_000,
      logFile: path.join(dataDir, 'node-a.log'),
    });
    homeUrl = home.match[1] ?? '';
    for (const [id, min] of [
      ['node-b', 42300],
      ['node-c', 42400],
    ] as const) {
      survivors.push(
        await startTestServer({
          dataDir,
          mediaPorts: { min, max: min + 99 },
          cluster: { redisUrl: redis.url, nodeId: id, address: '127.0.0.1' },
        }),
      );
    }
    await until(
      () => survivors.every((s) => s.server.cluster.liveNodes().length === 3),
      'the survivors see all three nodes live',
    );
  });

  after(async () => {
    for (const s of sockets) s.close();
    await home?.stop();
    for (const s of survivors) await s.stop().catch(() => undefined);
    await redis?.stop();
  });

  it('ends the call for the other party with server-lost within 5 s, finalised once; the next call works', async () => {
    const [b, c] = survivors as [TestServer, TestServer];
    const annUser = await signUp(b.url, 'Ann');
    const ann = await connectDevice(homeUrl, annUser);
    const bob = await connect(b.url, 'Bob');
    sockets.push(ann.socket, bob.socket);
    const res = await ann.socket.emitWithAck('call:invite', { to: bob.self.id });
    assert.ok(res.ok, JSON.stringify(res));
    const { callId } = res.data;
    assert.ok((await bob.socket.emitWithAck('call:answer', { callId })).ok);
    const ends: ServerEventPayload<'call:ended'>[] = [];
    bob.socket.on('call:ended', (e) => ends.push(e));

    const killedAt = Date.now();
    home.child.kill('SIGKILL');
    await new Promise((r) => ann.socket.once('disconnect', r));
    // Ann's device was on the dead node; it comes back on a survivor at once (long before the 3 s
    // staleness lets anyone reap): it hears its call ended, before its welcome.
    const calls: string[] = [];
    const back = await connectDevice(c.url, annUser, ann.deviceId, (socket) =>
      socket.onAny((event: string, p: { reason?: string }) => {
        if (event.startsWith('call:')) calls.push(`${event} ${p.reason ?? ''}`);
      }),
    );
    sockets.push(back.socket);
    assert.deepEqual(calls, [`call:ended ${EndReason.ServerLost}`], 'told before the welcome');
    const ended = await next(bob.socket, 'call:ended', 5_000);
    assert.deepEqual(ended, { callId, reason: EndReason.ServerLost, by: 'server' });
    assert.ok(Date.now() - killedAt < 5_000);

    // Both survivors have judged the dead node by now (neither sees it live): one reaped it.
    await until(
      () => [b, c].every((s) => !s.server.cluster.liveNodes().includes('node-a')),
      'neither survivor sees node-a live',
    );
    const row = await b.server.db
      .selectFrom('calls')
      .select(['end_reason', 'ended_by'])
      .where('id', '=', callId)
      .executeTakeFirst();
    assert.deepEqual(row, { end_reason: EndReason.ServerLost, ended_by: 'server' });
    assert.equal(ends.length, 1, 'the party is told once');

    // Ann's client reconnects (through the load balancer) to a survivor; calling works again.
    const again = await connectDevice(c.url, annUser);
    sockets.push(again.socket);
    const retry = await again.socket.emitWithAck('call:invite', { to: bob.self.id });
    assert.ok(retry.ok, JSON.stringify(retry));
  });
});
