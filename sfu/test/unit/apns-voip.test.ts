/**
 * The APNs sender against the APNs stand-in over real HTTP/2 + TLS on loopback: one case per answer
 * Apple documents, each checking what the server does about it (deliver, drop the token, refresh
 * the provider token, retry with backoff, give up).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { ProviderToken } from '../../src/push/apns-token.ts';
import { ApnsVoipSender, type VoipTarget } from '../../src/push/apns-voip.ts';
import { Http2Pool } from '../../src/push/http2-pool.ts';
import { FilePushLog, type ApnsPushRecord } from '../../src/push/push-log.ts';
import type { IncomingCall } from '../../src/push/push-sender.ts';
import { VoipPushPayloadSchema } from '../../src/protocol/index.ts';
import { ApnsStandIn, createTestProviderKey, type DeliveredPush } from '@softphone/test-support/apns';
import {
  SimulatedDeliverySchema,
  simulatedPushesPath,
  type SimulatedDelivery,
} from '@softphone/test-support/simulated-apns';

const BUNDLE = 'com.example.softphone';
const MIN = 60_000;
const log = createLogger('silent');
const key = createTestProviderKey();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apns-'));

/** A call that keeps ringing: these tests are about APNs' answers, not the call's end. */
const ringing = new AbortController().signal;
const newToken = () => crypto.randomBytes(32).toString('hex');
const call = (over: Partial<IncomingCall> = {}): IncomingCall => ({
  callId: crypto.randomUUID(),
  caller: { id: crypto.randomUUID(), handle: 'alice', displayName: 'Alice Liddell' },
  sentAt: Date.now(),
  expiresAt: Date.now() + 30_000,
  ringTimeoutMs: 30_000,
  ...over,
});

describe('APNs VoIP sender against the APNs stand-in', () => {
  let standIn: ApnsStandIn;
  let standInClock = 0;
  let senderClock = 0;
  let pool: Http2Pool;
  let pushLog: FilePushLog;
  let sender: ApnsVoipSender;
  let providerToken: ProviderToken;
  let written = 0;

  const lines = async (): Promise<ApnsPushRecord[]> => {
    await pushLog.flush();
    return fs
      .readFileSync(pushLog.file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ApnsPushRecord);
  };
  const target = (over: Partial<VoipTarget> = {}): VoipTarget => {
    const t: VoipTarget = { token: newToken(), environment: 'sandbox', bundleId: BUNDLE, ...over };
    standIn.register({ token: t.token, environment: t.environment, bundleId: BUNDLE });
    return t;
  };
  const nextPush = () => new Promise<DeliveredPush>((r) => standIn.once('push', r));

  before(async () => {
    standIn = await ApnsStandIn.start({
      keys: [{ key, bundleIds: [BUNDLE] }],
      now: () => Date.now() + standInClock,
    });
  });
  after(async () => {
    await pool.close();
    await standIn.stop();
  });
  beforeEach(async () => {
    await pool?.close();
    standInClock = 0;
    senderClock = 0;
    written = 0;
    pool = new Http2Pool({ size: 2, requestTimeoutMs: 2_000, tls: { ca: standIn.ca }, log });
    pushLog = new FilePushLog(path.join(dir, `${crypto.randomUUID()}.jsonl`));
    // A fresh pool per test: new connections, so the 20-minute rule starts afresh.
    providerToken = new ProviderToken({
      teamId: key.teamId,
      keyId: key.keyId,
      privateKey: key.privateKeyPem,
      now: () => Date.now() + senderClock,
    });
    sender = new ApnsVoipSender({
      origins: standIn.origins,
      token: providerToken,
      pool,
      pushLog,
      log,
      backoff: { baseMs: 10, maxMs: 40 },
      onRequestWritten: () => written++,
    });
  });

  it('200: delivers with the VoIP headers, our apns-id, and logs the push', async () => {
    const t = target();
    const c = call();
    const delivered = nextPush();
    const res = await sender.sendIncomingCall(t, c, ringing);
    assert.equal(res.outcome, 'accepted');
    const push = await delivered;
    assert.equal(push.apnsId, res.id);
    assert.equal(push.pushType, 'voip');
    assert.equal(push.topic, `${BUNDLE}.voip`);
    assert.equal(push.priority, 10);
    assert.equal(push.expiration, Math.floor(c.expiresAt / 1000));
    assert.deepEqual(VoipPushPayloadSchema.parse(push.payload), {
      v: 1,
      callId: c.callId,
      caller: c.caller,
      sentAt: c.sentAt,
      expiresAt: c.expiresAt,
      ringTimeoutMs: c.ringTimeoutMs,
    });
    const req = standIn.received.at(-1);
    assert.equal(req?.headers['apns-id'], res.id);
    assert.ok((req?.bytes ?? 0) <= 5120);
    assert.equal(written, 1);
    const [line] = await lines();
    assert.equal(line?.['apns-id'], res.id);
    assert.equal(line?.callId, c.callId);
    assert.equal(line?.status, 200);
    assert.equal(line?.env, 'sandbox');
    assert.equal(line?.tokenSuffix, t.token.slice(-8));
    assert.equal(line?.attempt, 1);
    assert.ok(!Number.isNaN(Date.parse(line?.sentAt ?? '')));
  });

  it('chooses the environment per token: a production token goes to production', async () => {
    const t = target({ environment: 'production' });
    const res = await sender.sendIncomingCall(t, call(), ringing);
    assert.equal(res.outcome, 'accepted');
    assert.equal(standIn.received.at(-1)?.environment, 'production');
    assert.equal(standIn.received.at(-1)?.headers['apns-unique-id'], undefined);
  });

  it('400 BadDeviceToken (token of the other environment): the token is reported dead, no retry', async () => {
    const t = target({ environment: 'sandbox' });
    const before = standIn.received.length;
    const res = await sender.sendIncomingCall({ ...t, environment: 'production' }, call(), ringing);
    assert.equal(res.outcome, 'address-gone');
    assert.equal(res.outcome === 'address-gone' && res.reason, 'BadDeviceToken');
    assert.equal(standIn.received.length - before, 1);
  });

  it('400 TopicDisallowed (a bundle the key does not own): fails without retrying', async () => {
    const t = target();
    const res = await sender.sendIncomingCall({ ...t, bundleId: 'org.other.app' }, call(), ringing);
    assert.deepEqual([res.outcome, res.attempts], ['failed', 1]);
    assert.equal(res.outcome === 'failed' && res.reason, 'TopicDisallowed');
  });

  it('PayloadTooLarge: the sender refuses a payload over 5 KB before sending, APNs answers 413', async () => {
    const t = target();
    const before = standIn.received.length;
    const res = await sender.sendIncomingCall(
      t,
      call({ caller: { id: crypto.randomUUID(), handle: 'x', displayName: 'x'.repeat(6_000) } }),
      ringing,
    );
    assert.deepEqual([res.outcome, res.attempts], ['failed', 0]);
    assert.equal(standIn.received.length, before, 'nothing sent');

    const client = http2.connect(standIn.origins.sandbox, { ca: standIn.ca });
    const status = await new Promise<number>((resolve, reject) => {
      const s = client.request({
        ':method': 'POST',
        ':path': `/3/device/${t.token}`,
        authorization: `bearer ${providerToken.current()}`,
        'apns-topic': `${BUNDLE}.voip`,
        'apns-push-type': 'voip',
      });
      s.on('response', (h) => resolve(Number(h[':status'])));
      s.on('error', reject);
      s.end(JSON.stringify({ aps: {}, pad: 'x'.repeat(5_200) }));
    });
    client.close();
    assert.equal(status, 413);
    assert.equal(standIn.received.at(-1)?.reason, 'PayloadTooLarge');
  });

  it('403 ExpiredProviderToken on a 30-minute-old token: refreshes once and retries', async () => {
    const t = target();
    assert.equal((await sender.sendIncomingCall(t, call(), ringing)).outcome, 'accepted');
    senderClock = 30 * MIN;
    standInClock = 61 * MIN;
    const res = await sender.sendIncomingCall(t, call(), ringing);
    assert.deepEqual([res.outcome, res.attempts], ['accepted', 2]);
    assert.equal(providerToken.minted, 2);
    const log2 = await lines();
    assert.deepEqual(
      log2.slice(-2).map((l) => [l.status, l.reason]),
      [
        [403, 'ExpiredProviderToken'],
        [200, undefined],
      ],
    );
  });

  it('403 ExpiredProviderToken on a fresh token (clock skew): no refresh, the push fails', async () => {
    const t = target();
    standInClock = 61 * MIN;
    const res = await sender.sendIncomingCall(t, call(), ringing);
    assert.deepEqual([res.outcome, res.attempts], ['failed', 1]);
    assert.equal(providerToken.minted, 1, 'never refreshed within 20 minutes');
  });

  it('410 Unregistered: the token is reported dead with APNs timestamp', async () => {
    const t = target();
    const since = standIn.unregister(t.token);
    const res = await sender.sendIncomingCall(t, call(), ringing);
    assert.equal(res.outcome, 'address-gone');
    assert.equal(res.outcome === 'address-gone' && res.since, since);
    const [line] = await lines();
    assert.deepEqual([line?.status, line?.reason, line?.unregisteredAt], [410, 'Unregistered', since]);
  });

  it('429 TooManyProviderTokenUpdates: retried after a backoff', async () => {
    const t = target();
    standIn.fail(1, { status: 429, reason: 'TooManyProviderTokenUpdates' });
    const started = Date.now();
    const res = await sender.sendIncomingCall(t, call(), ringing);
    assert.deepEqual([res.outcome, res.attempts], ['accepted', 2]);
    assert.ok(Date.now() - started >= 5, 'waited before retrying');
  });

  it('the stand-in answers 429 to a provider token replaced within 20 minutes on a connection', async () => {
    const t = target();
    for (let i = 0; i < 2; i++)
      assert.equal((await sender.sendIncomingCall(t, call(), ringing)).outcome, 'accepted');
    assert.equal(pool.connections, 2, 'both pooled connections carry the first token');
    const eager = new ProviderToken({
      teamId: key.teamId,
      keyId: key.keyId,
      privateKey: key.privateKeyPem,
      now: () => Date.now() + 5 * MIN,
    });
    const s2 = new ApnsVoipSender({
      origins: standIn.origins,
      token: eager,
      pool,
      pushLog,
      log,
      maxAttempts: 2,
      backoff: { baseMs: 1, maxMs: 2 },
    });
    const res = await s2.sendIncomingCall(t, call(), ringing);
    assert.deepEqual([res.outcome, res.attempts], ['failed', 2]);
    assert.equal(res.outcome === 'failed' && res.reason, 'TooManyProviderTokenUpdates');
  });

  it('503 twice, then 200: retried with backoff, every attempt logged under one apns-id', async () => {
    const t = target();
    standIn.fail(2, { status: 503, reason: 'ServiceUnavailable' });
    const res = await sender.sendIncomingCall(t, call(), ringing);
    assert.deepEqual([res.outcome, res.attempts], ['accepted', 3]);
    const l = await lines();
    assert.deepEqual(
      l.map((x) => [x.attempt, x.status]),
      [
        [1, 503],
        [2, 503],
        [3, 200],
      ],
    );
    assert.equal(new Set(l.map((x) => x['apns-id'])).size, 1);
  });

  it('503 forever: gives up after the attempts allowed', async () => {
    const t = target();
    standIn.fail(4, { status: 503, reason: 'ServiceUnavailable' });
    const res = await sender.sendIncomingCall(t, call(), ringing);
    assert.deepEqual([res.outcome, res.attempts], ['failed', 4]);
  });

  it('does not retry past the call’s expiry', async () => {
    const t = target();
    standIn.fail(1, { status: 500, reason: 'InternalServerError' });
    const res = await sender.sendIncomingCall(t, call({ expiresAt: Date.now() + 5 }), ringing);
    assert.deepEqual([res.outcome, res.attempts], ['failed', 1]);
  });

  it('GOAWAY: the refused request is retried on a new connection and later pushes use it', async () => {
    const t = target();
    assert.equal((await sender.sendIncomingCall(t, call(), ringing)).outcome, 'accepted');
    const opened = pool.opened;
    standIn.goAway();
    const res = await sender.sendIncomingCall(t, call(), ringing);
    assert.equal(res.outcome, 'accepted');
    assert.ok(pool.opened > opened, 'a new connection was opened');
    for (let i = 0; i < 5; i++)
      assert.equal((await sender.sendIncomingCall(t, call(), ringing)).outcome, 'accepted');
  });

  it('an unreachable APNs: status 0 logged with the transport error, retried, then failed', async () => {
    const closed = new Http2Pool({ size: 1, requestTimeoutMs: 500, log });
    const s2 = new ApnsVoipSender({
      origins: { sandbox: 'https://127.0.0.1:1', production: 'https://127.0.0.1:1' },
      token: providerToken,
      pool: closed,
      pushLog,
      log,
      maxAttempts: 2,
      backoff: { baseMs: 1, maxMs: 2 },
    });
    const res = await s2.sendIncomingCall(target(), call(), ringing);
    assert.deepEqual([res.outcome, res.attempts], ['failed', 2]);
    const l = await lines();
    assert.equal(l[0]?.status, 0);
    assert.ok(l[0]?.reason);
    await closed.close();
  });

  it('device side: a connected device gets each push as an SSE event; a disconnected one only the newest, on connect', async () => {
    const t = target();
    const url = `${standIn.deviceOrigin}${simulatedPushesPath(t.token)}`;
    const first = await sender.sendIncomingCall(t, call(), ringing);
    const second = await sender.sendIncomingCall(t, call(), ringing);
    const live = await openDevice(url);
    const kept = await live.next();
    assert.equal(kept.apnsId, second.id, 'only the newest push was kept');
    assert.notEqual(kept.apnsId, first.id);
    const c = call();
    const third = await sender.sendIncomingCall(t, c, ringing);
    const got = await live.next();
    assert.deepEqual(
      [got.apnsId, got.topic, got.pushType, (got.payload as { callId: string }).callId],
      [third.id, `${BUNDLE}.voip`, 'voip', c.callId],
    );
    live.close();
  });

  it('device side: a kept push that expired is not delivered', async () => {
    const t = target();
    await sender.sendIncomingCall(t, call({ expiresAt: Date.now() + 1_000 }), ringing);
    standInClock = 2_000;
    const live = await openDevice(`${standIn.deviceOrigin}${simulatedPushesPath(t.token)}`);
    const fresh = await sender.sendIncomingCall(t, call({ expiresAt: Date.now() + 30_000 }), ringing);
    assert.equal(
      (await live.next()).apnsId,
      fresh.id,
      'the first event is the new push, not the expired one',
    );
    live.close();
  });
});

/** A simulated device's SSE connection to the stand-in's device side. */
async function openDevice(url: string): Promise<{ next(): Promise<SimulatedDelivery>; close(): void }> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  if (!res.body) throw new Error('no body');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  return {
    async next() {
      for (;;) {
        const end = buf.indexOf('\n\n');
        if (end >= 0) {
          const event = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = /^data: (.*)$/m.exec(event)?.[1];
          if (data) {
            const d = SimulatedDeliverySchema.parse(JSON.parse(data));
            assert.equal(/^id: (.*)$/m.exec(event)?.[1], d.apnsId);
            return d;
          }
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the device stream ended');
        buf += value;
      }
    },
    close: () => ac.abort(),
  };
}

describe('APNs stand-in request checks', () => {
  let standIn: ApnsStandIn;
  const token = newToken();
  before(async () => {
    standIn = await ApnsStandIn.start({ keys: [{ key, bundleIds: [BUNDLE] }] });
    standIn.register({ token, environment: 'sandbox', bundleId: BUNDLE });
  });
  after(() => standIn.stop());

  const jwt = (k = key, iat = Math.floor(Date.now() / 1000)) =>
    new ProviderToken({
      teamId: k.teamId,
      keyId: k.keyId,
      privateKey: k.privateKeyPem,
      now: () => iat * 1000,
    }).current();

  async function send(headers: http2.OutgoingHttpHeaders, body = '{"aps":{}}') {
    const client = http2.connect(standIn.origins.sandbox, { ca: standIn.ca });
    try {
      return await new Promise<{ status: number; reason?: string; apnsId?: string }>((resolve, reject) => {
        const s = client.request(
          {
            ':method': 'POST',
            ':path': `/3/device/${token}`,
            'apns-topic': `${BUNDLE}.voip`,
            'apns-push-type': 'voip',
            authorization: `bearer ${jwt()}`,
            ...headers,
          },
          { endStream: false },
        );
        let status = 0;
        let apnsId: string | undefined;
        let data = '';
        s.setEncoding('utf8');
        s.on('response', (h) => {
          status = Number(h[':status']);
          apnsId = h['apns-id'] as string | undefined;
        });
        s.on('data', (d: string) => (data += d));
        s.on('end', () =>
          resolve({
            status,
            apnsId,
            ...(data ? { reason: (JSON.parse(data) as { reason: string }).reason } : {}),
          }),
        );
        s.on('error', reject);
        s.end(body);
      });
    } finally {
      client.close();
    }
  }

  const cases: [string, http2.OutgoingHttpHeaders, number, string, string?][] = [
    ['no provider token', { authorization: '' }, 403, 'MissingProviderToken'],
    [
      'a token signed by another key',
      { authorization: `bearer ${jwt(createTestProviderKey(key.teamId))}` },
      403,
      'InvalidProviderToken',
    ],
    [
      'a token over an hour old',
      { authorization: `bearer ${jwt(key, Math.floor(Date.now() / 1000) - 3_700)}` },
      403,
      'ExpiredProviderToken',
    ],
    ['GET', { ':method': 'GET' }, 405, 'MethodNotAllowed'],
    ['a bad path', { ':path': '/3/devices/x' }, 404, 'BadPath'],
    ['no token in the path', { ':path': '/3/device/' }, 400, 'MissingDeviceToken'],
    ['no topic', { 'apns-topic': '' }, 400, 'MissingTopic'],
    ['an unknown push type', { 'apns-push-type': 'shout' }, 400, 'InvalidPushType'],
    ['priority 7', { 'apns-priority': '7' }, 400, 'BadPriority'],
    ['a non-numeric expiration', { 'apns-expiration': 'soon' }, 400, 'BadExpirationDate'],
    ['a malformed apns-id', { 'apns-id': 'not-a-uuid' }, 400, 'BadMessageId'],
    ['an empty payload', {}, 400, 'PayloadEmpty', ''],
    ['a VoIP push on the plain app topic', { 'apns-topic': BUNDLE }, 400, 'TopicDisallowed'],
    ['an unknown device token', { ':path': `/3/device/${newToken()}` }, 400, 'BadDeviceToken'],
  ];
  for (const [name, headers, status, reason, body] of cases) {
    it(`${name} → ${status} ${reason}`, async () => {
      const res = await send(headers, body);
      assert.deepEqual([res.status, res.reason], [status, reason]);
    });
  }

  it('200 echoes our apns-id, or makes one', async () => {
    const id = crypto.randomUUID();
    assert.deepEqual(await send({ 'apns-id': id }), { status: 200, apnsId: id });
    const res = await send({});
    assert.equal(res.status, 200);
    assert.match(res.apnsId ?? '', /^[0-9a-f-]{36}$/);
  });
});
