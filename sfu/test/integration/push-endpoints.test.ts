/**
 * Web Push endpoints the server will post to (review H3), against the real server: forged endpoints
 * refused at registration, at send time (a subscription stored before the check) and at connect
 * time (a name that resolves to a public address for every check and to loopback for the
 * connection). Names are resolved by an injected resolver: offline, and independent of /etc/hosts.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, type WebPushSubscription } from '../../src/protocol/index.ts';
import { SqlPushRepo } from '../../src/store/push.repo.ts';
import { connect, gone, startHarness, type Harness } from './harness.ts';

/** A loopback listener that counts every TCP connection made to it: what a forged endpoint aims at. */
class Target {
  connections = 0;
  private readonly server = net.createServer((s) => {
    this.connections++;
    s.destroy();
  });
  async start(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as AddressInfo).port;
  }
  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

const keys = () => ({
  p256dh: crypto.createECDH('prime256v1').generateKeys().toString('base64url'),
  auth: crypto.randomBytes(16).toString('base64url'),
});
const subscription = (endpoint: string): WebPushSubscription => ({
  endpoint,
  expirationTime: null,
  keys: keys(),
});

async function register(h: Harness, endpoint: string) {
  const device = await connect(h.url, 'Registrant');
  const res = await device.socket.emitWithAck('push:register-web', { subscription: subscription(endpoint) });
  return { device, res };
}

const target = new Target();
let port: number;
before(async () => {
  port = await target.start();
});
after(() => target.stop());

describe('push-services (the default): only the push services browsers use', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.stop());

  it('refuses forged endpoints at registration', async () => {
    const forged = [
      `http://127.0.0.1:${port}/push/x`,
      'http://127.0.0.1:9/push/x',
      'https://10.1.2.3/push/x',
      'https://169.254.169.254/latest/meta-data/',
      'https://[fc00::1]/push/x',
      'https://[::1]/push/x',
      'https://internal.example/push/x',
      'https://fcm.googleapis.com.attacker.example/wp/x',
      'https://push.apple.com.attacker.example/x',
      'http://fcm.googleapis.com/wp/x',
    ];
    for (const endpoint of forged) {
      const { device, res } = await register(h, endpoint);
      assert.equal(!res.ok && res.error.code, ErrorCode.InvalidPayload, endpoint);
      device.socket.disconnect();
    }
    const rows = await h.server.db.selectFrom('web_push_subscriptions').select('endpoint').execute();
    assert.deepEqual(rows, [], 'nothing stored');
  });

  it("accepts the four browsers' push services", async () => {
    const real = [
      'https://fcm.googleapis.com/wp/dGVzdA:APA91b',
      'https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk',
      'https://web.push.apple.com/QGuTkbDaEEs',
      'https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB',
    ];
    for (const endpoint of real) {
      const { device, res } = await register(h, endpoint);
      assert.ok(res.ok, `${endpoint}: ${JSON.stringify(res)}`);
      device.socket.disconnect();
    }
  });

  it('refuses at send time a subscription stored before the check, and deletes it', async () => {
    const a = await connect(h.url, 'Caller');
    const b = await connect(h.url, 'Callee');
    const endpoint = `http://127.0.0.1:${port}/push/${crypto.randomUUID()}`;
    await new SqlPushRepo(h.server.db).registerWeb(b.deviceId, b.self.id, subscription(endpoint), Date.now());
    b.socket.disconnect();
    await gone(h, b.deviceId);
    const invited = await a.socket.emitWithAck('call:invite', { to: b.self.id });
    assert.ok(invited.ok);
    await h.server.pusher.settled();
    assert.equal(target.connections, 0, 'nothing reached the loopback endpoint');
    const rows = await h.server.db
      .selectFrom('web_push_subscriptions')
      .select('device_id')
      .where('endpoint', '=', endpoint)
      .execute();
    assert.deepEqual(rows, [], 'the stored subscription is deleted');
    await a.socket.emitWithAck('call:hangup', { callId: invited.data.callId });
  });
});

describe('public-https: any https host whose addresses are all public', () => {
  /** What the injected resolver answers, per name; a function of how often it was asked. */
  const answers = new Map<string, (asked: number) => string>();
  const asked = new Map<string, number>();
  const resolve = (hostname: string): Promise<LookupAddress[]> => {
    const n = (asked.get(hostname) ?? 0) + 1;
    asked.set(hostname, n);
    const answer = answers.get(hostname);
    if (!answer) return Promise.reject(Object.assign(new Error(hostname), { code: 'ENOTFOUND' }));
    const address = answer(n);
    return Promise.resolve([{ address, family: net.isIP(address) }]);
  };
  let h: Harness;
  before(async () => {
    h = await startHarness({
      push: {
        webPushEndpoints: 'public-https',
        webPushResolve: resolve,
        reportTimeoutMs: 5_000,
        retry: { backoff: { baseMs: 10, maxMs: 10 } },
      },
    });
  });
  after(() => h.stop());

  it('refuses at registration a name resolving to loopback, and non-public literals', async () => {
    answers.set('loopback.example', () => '127.0.0.1');
    answers.set('metadata.example', () => '169.254.169.254');
    answers.set('ula.example', () => 'fc00::1');
    answers.set('public.example', () => '8.8.8.8');
    for (const endpoint of [
      `https://loopback.example:${port}/push/x`,
      'https://metadata.example/latest/meta-data/',
      'https://ula.example/push/x',
      'https://nxdomain.example/push/x',
      'https://100.64.0.1/push/x',
      'https://[::ffff:127.0.0.1]/push/x',
      'https://[fe80::1]/push/x',
      'https://192.168.1.1/push/x',
    ]) {
      const { device, res } = await register(h, endpoint);
      assert.equal(!res.ok && res.error.code, ErrorCode.InvalidPayload, endpoint);
      device.socket.disconnect();
    }
    const ok = await register(h, 'https://public.example/push/x');
    assert.ok(ok.res.ok, JSON.stringify(ok.res));
    ok.device.socket.disconnect();
  });

  it('refuses at connect time a name that answers public to the checks and loopback to the connection', async () => {
    // DNS rebinding: registration and the send-time check get a public address, the connection
    // (the third question and every later one) gets loopback.
    answers.set('rebind.example', (n) => (n <= 2 ? '8.8.8.8' : '127.0.0.1'));
    const a = await connect(h.url, 'Caller');
    const callee = await connect(h.url, 'Callee');
    const endpoint = `https://rebind.example:${port}/push/${crypto.randomUUID()}`;
    const reg = await callee.socket.emitWithAck('push:register-web', {
      subscription: subscription(endpoint),
    });
    assert.ok(reg.ok, JSON.stringify(reg));
    callee.socket.disconnect();
    await gone(h, callee.deviceId);
    const invited = await a.socket.emitWithAck('call:invite', { to: callee.self.id });
    assert.ok(invited.ok);
    await h.server.pusher.settled();
    assert.equal(asked.get('rebind.example'), 3, 'the connection asked the resolver, once: no retry');
    assert.equal(target.connections, 0, 'no connection reached loopback');
    const rows = await h.server.db
      .selectFrom('web_push_subscriptions')
      .select('device_id')
      .where('endpoint', '=', endpoint)
      .execute();
    assert.deepEqual(rows, [], 'the subscription is deleted');
    await a.socket.emitWithAck('call:hangup', { callId: invited.data.callId });
  });
});
