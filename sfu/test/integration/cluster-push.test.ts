/**
 * A sleeping callee (a browser with a Web Push subscription and no connection) called from a device
 * on another node is woken once across the cluster: by the call's home, not by every node.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startRedis, type RedisInstance } from '@softphone/test-support/engines/redis';
import { WebPushServiceStandIn } from '@softphone/test-support/web-push';
import { EndReason, WebPushMessageSchema } from '../../src/protocol/index.ts';
import { type TestServer } from '../support/test-server.ts';
import { freePort, inProcessNode, until } from './cluster-support.ts';
import { connect, gone, next, type Client } from './harness.ts';

const REPORT_TIMEOUT_MS = 1_500;

describe('a push wake across two nodes', () => {
  let redis: RedisInstance;
  let service: WebPushServiceStandIn;
  let a: TestServer;
  let b: TestServer;
  const sockets: Client[] = [];

  before(async () => {
    redis = await startRedis({ port: await freePort() });
    service = await WebPushServiceStandIn.start();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfu-cluster-push-'));
    const node = (id: string, min: number) =>
      inProcessNode(redis.url, dataDir, id, min, {
        push: { reportTimeoutMs: REPORT_TIMEOUT_MS, webPushTestOrigins: [service.origin] },
      });
    a = await node('node-a', 43200);
    b = await node('node-b', 43300);
    await until(() => [a, b].every((n) => n.server.cluster.liveNodes().length === 2), 'both see both live');
  });

  after(async () => {
    for (const s of sockets) s.close();
    await a?.stop().catch(() => undefined);
    await b?.stop().catch(() => undefined);
    await service?.stop();
    await redis?.stop();
  });

  it('sends the incoming call once, from the home, and its end once', async () => {
    // Bob's browser subscribed through node a, then went to sleep (no connection anywhere).
    const bob = await connect(a.url, 'Bob');
    const subscription = service.subscribe(async () => undefined);
    const id = subscription.endpoint.split('/').pop();
    assert.ok((await bob.socket.emitWithAck('push:register-web', { subscription })).ok);
    bob.socket.disconnect();
    await gone(a, bob.deviceId);

    const ann = await connect(b.url, 'Ann');
    sockets.push(ann.socket);
    const ended = next(ann.socket, 'call:ended', REPORT_TIMEOUT_MS + 3_000);
    const res = await ann.socket.emitWithAck('call:invite', { to: bob.self.id });
    assert.ok(res.ok, JSON.stringify(res));
    const { callId } = res.data;
    assert.ok(b.server.calls.holds(callId), 'the dialling node is home');
    assert.equal((await ended).reason, EndReason.Unreachable);
    // The end's push comes after the incoming call's from the same node: every push is in by then.
    await service.nextPush(
      (p) => p.subscriptionId === id && (JSON.parse(p.plaintext) as { kind: string }).kind === 'call-ended',
    );
    const kinds = service.received
      .filter((p) => p.subscriptionId === id)
      .map((p) => WebPushMessageSchema.parse(JSON.parse(p.plaintext)).kind);
    assert.deepEqual(kinds, ['incoming-call', 'call-ended'], 'one wake and one end across the cluster');
  });
});
