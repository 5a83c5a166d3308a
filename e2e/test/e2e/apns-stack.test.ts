/**
 * The e2e stack's `apns` option: the server started as the rig starts it (a child, configured
 * through its environment) pushes to the APNs stand-in, the stand-in delivers to a simulated
 * iPhone's device-side stream, and the push is in the log `voip-doctor --server-log` reads.
 * A socket.io client plays the iPhone's page; the iOS simulator e2e scenarios build on this.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import {
  VoipPushPayloadSchema,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '@softphone/sfu/protocol';
import { SimulatedDeliverySchema, simulatedPushesPath } from '@softphone/test-support/simulated-apns';
import { startSoftphoneServer, type SoftphoneServer } from '../../src/stack/softphone-server.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

async function signUp(url: string, displayName: string): Promise<{ cookie: string; username: string }> {
  const username = `u${crypto.randomBytes(5).toString('hex')}`;
  const res = await fetch(new URL('/api/signup', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery', displayName }),
  });
  assert.equal(res.status, 201);
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '', username };
}

async function device(
  url: string,
  cookie: string,
  deviceId = crypto.randomUUID(),
): Promise<{ socket: Client; selfId: string }> {
  const socket: Client = io(url, {
    auth: { deviceId, deviceLabel: 'stack test' },
    extraHeaders: { cookie },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  const selfId = await new Promise<string>((resolve, reject) => {
    socket.once('session:welcome', (w) => resolve(w.self.id));
    socket.once('connect_error', reject);
  });
  return { socket, selfId };
}

describe('e2e stack with the APNs stand-in', { timeout: 60_000 }, () => {
  let server: SoftphoneServer;
  before(async () => {
    server = await startSoftphoneServer({ apns: { reportTimeoutMs: 4_000 } });
  });
  after(() => server.stop());

  it('delivers the VoIP push to the simulated iPhone and logs it', async () => {
    const apns = server.apns;
    assert.ok(apns, 'the stand-in is running');
    const caller = await signUp(server.url, 'Stack Caller');
    const callee = await signUp(server.url, 'Stack Callee');
    const token = crypto.randomBytes(32).toString('hex');
    const deviceId = crypto.randomUUID();

    const { socket: phone, selfId: calleeId } = await device(server.url, callee.cookie, deviceId);
    const reg = {
      token,
      environment: 'sandbox',
      bundleId: 'com.example.softphone',
      appVersion: '1.0',
    } as const;
    assert.ok((await phone.emitWithAck('push:register-voip', reg)).ok);
    phone.disconnect();

    const ac = new AbortController();
    const stream = await fetch(`${apns.deviceOrigin}${simulatedPushesPath(token)}`, { signal: ac.signal });
    assert.equal(stream.headers.get('content-type'), 'text/event-stream');
    if (!stream.body) throw new Error('no body');
    const reader = stream.body.pipeThrough(new TextDecoderStream()).getReader();

    const { socket: a } = await device(server.url, caller.cookie);
    const invited = await a.emitWithAck('call:invite', { to: calleeId });
    assert.ok(invited.ok);
    let buf = '';
    while (!/^data: /m.test(buf)) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the device stream ended');
      buf += value;
    }
    ac.abort();
    const delivery = SimulatedDeliverySchema.parse(JSON.parse(/^data: (.*)$/m.exec(buf)?.[1] ?? ''));
    const payload = VoipPushPayloadSchema.parse(delivery.payload);
    assert.equal(payload.callId, invited.data.callId);
    assert.equal(payload.caller.handle, caller.username);

    const { socket: woken } = await device(server.url, callee.cookie, deviceId);
    const reported = await woken.emitWithAck('call:reported', { callId: invited.data.callId });
    assert.ok(reported.ok);
    assert.ok((await a.emitWithAck('call:hangup', { callId: invited.data.callId })).ok);

    const log = fs.readFileSync(apns.pushLog, 'utf8');
    assert.match(log, new RegExp(`"apns-id":"${delivery.apnsId}"`));
    a.disconnect();
    woken.disconnect();
  });
});
