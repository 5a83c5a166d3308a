/**
 * Call routing to devices that are not connected, at the socket.io level against the real server,
 * real mediasoup workers and the APNs stand-in: a socket.io client plays the iPhone the push woke.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CallState,
  EndReason,
  ErrorCode,
  VoipPushPayloadSchema,
  WebPushMessageSchema,
  type ServerEventPayload,
  type VoipRegistration,
} from '../../src/protocol/index.ts';
import type { PushOptions } from '../../src/server.ts';
import { WebPushServiceStandIn } from '@softphone/test-support/web-push';
import { ApnsStandIn, createTestProviderKey, type DeliveredPush } from '@softphone/test-support/apns';
import {
  audioOffer,
  connect,
  connectDevice,
  gone,
  next,
  signUp,
  startHarness,
  type Client,
  type Harness,
  type User,
} from './harness.ts';

const BUNDLE = 'com.example.softphone';
const REPORT_TIMEOUT_MS = 1_500;
const NO_ANSWER_TIMEOUT_MS = 25_000;
const key = createTestProviderKey();
let standIn: ApnsStandIn;
let service: WebPushServiceStandIn;
let push: PushOptions;
let h: Harness;

before(async () => {
  standIn = await ApnsStandIn.start({ keys: [{ key, bundleIds: [BUNDLE] }] });
  service = await WebPushServiceStandIn.start();
  push = {
    reportTimeoutMs: REPORT_TIMEOUT_MS,
    bundleIds: [BUNDLE],
    webPushTestOrigins: [service.origin],
    apns: {
      teamId: key.teamId,
      keyId: key.keyId,
      privateKey: key.privateKeyPem,
      origins: standIn.origins,
      ca: standIn.ca,
    },
  };
  h = await startHarness({ push, noAnswerTimeoutMs: NO_ANSWER_TIMEOUT_MS });
});
after(async () => {
  await h.stop();
  await standIn.stop();
  await service.stop();
});

const newToken = () => crypto.randomBytes(32).toString('hex');
const pushesTo = (token: string) => standIn.received.filter((r) => r.path === `/3/device/${token}`);
const nextPushTo = (token: string, ms = 5_000) =>
  new Promise<DeliveredPush>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no push within ${ms} ms`)), ms);
    const on = (p: DeliveredPush) => {
      if (p.token !== token) return;
      clearTimeout(timer);
      standIn.off('push', on);
      resolve(p);
    };
    standIn.on('push', on);
  });
const registeredTokens = async (server = h) =>
  (await server.server.db.selectFrom('voip_registrations').select('token').execute()).map((r) => r.token);

/** A callee whose only device is an iPhone that registered its VoIP token and went to sleep. */
async function sleepingIphone(server = h, opts: { knownToApns?: boolean } = {}) {
  const url = server.url;
  const user = await signUp(url, 'Sleeping Callee');
  const token = newToken();
  if (opts.knownToApns ?? true) standIn.register({ token, environment: 'sandbox', bundleId: BUNDLE });
  const device = await connectDevice(url, user);
  const reg: VoipRegistration = { token, environment: 'sandbox', bundleId: BUNDLE, appVersion: '1.0 (7)' };
  assert.ok((await device.socket.emitWithAck('push:register-voip', reg)).ok);
  device.socket.disconnect();
  await gone(server, device.deviceId);
  return { user, token, deviceId: device.deviceId, self: device.self };
}

/** The woken shell connects as the same device and reports the call. */
async function wake(user: User, deviceId: string): Promise<Client> {
  return (await connectDevice(h.url, user, deviceId)).socket;
}

async function invite(caller: Client, to: string): Promise<string> {
  const res = await caller.emitWithAck('call:invite', { to });
  assert.ok(res.ok, 'invite accepted');
  return res.data.callId;
}

/** Every `event` the socket gets from now on, in order. */
function record<K extends 'call:state' | 'call:ended' | 'call:peer-connection'>(
  socket: Client,
  event: K,
): ServerEventPayload<K>[] {
  const seen: ServerEventPayload<K>[] = [];
  (socket as unknown as { on(ev: string, fn: (p: ServerEventPayload<K>) => void): void }).on(event, (p) =>
    seen.push(p),
  );
  return seen;
}

describe('calling a callee whose iPhone is asleep', () => {
  it('pushes, rings the caller only once the woken device reports, and the answer works', async () => {
    const a = await connect(h.url, 'Ada Caller');
    const b = await sleepingIphone();
    const pushed = nextPushTo(b.token);
    const states = record(a.socket, 'call:state');
    const callId = await invite(a.socket, b.self.id);

    const delivered = await pushed;
    const payload = VoipPushPayloadSchema.parse(delivered.payload);
    // The caller's user id (the `Peer.id` every schema expects), and the username apart (S8).
    assert.deepEqual(payload.caller, { id: a.self.id, handle: a.user.username, displayName: 'Ada Caller' });
    assert.equal(payload.callId, callId);
    // expiresAt is the deadline to report; the call rings for the no-answer timeout (S2).
    assert.equal(payload.expiresAt - payload.sentAt, REPORT_TIMEOUT_MS);
    assert.equal(payload.ringTimeoutMs, NO_ANSWER_TIMEOUT_MS);
    assert.equal(delivered.topic, `${BUNDLE}.voip`);
    // Whatever the push's outcome made the server tell the caller is on the caller's socket before
    // anything the report causes: so the first state the caller gets must be the report's "ringing".
    await h.server.pusher.settled();

    const phone = await wake(b.user, b.deviceId);
    const ringing = next(a.socket, 'call:state');
    const reported = await phone.emitWithAck('call:reported', { callId });
    assert.deepEqual(reported, { ok: true, data: { call: { callId, from: a.self } } });
    assert.equal((await ringing).state, CallState.Ringing);
    assert.deepEqual(states, [{ callId, state: CallState.Ringing }], 'ringing before the device reported');

    // Both upstreams fit in the room, though the phone joined after it was opened.
    assert.ok(
      (await a.socket.emitWithAck('media:publish', { callId, sdp: audioOffer() })).ok,
      'caller publishes',
    );
    const published = await phone.emitWithAck('media:publish', { callId, sdp: audioOffer() });
    assert.ok(published.ok, `woken phone publishes: ${JSON.stringify(published)}`);

    const answered = next(a.socket, 'call:state');
    assert.ok((await phone.emitWithAck('call:answer', { callId })).ok);
    assert.equal((await answered).state, CallState.Answered);
    const ended = next(phone, 'call:ended');
    assert.ok((await a.socket.emitWithAck('call:hangup', { callId })).ok);
    assert.equal((await ended).reason, EndReason.HungUp);

    await h.server.pusher.settled();
    const lines = fs
      .readFileSync(path.join(h.dataDir, 'apns-pushes.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = lines.find((l) => l['callId'] === callId);
    assert.deepEqual(
      [line?.['apns-id'], line?.['status'], line?.['env'], line?.['tokenSuffix']],
      [delivered.apnsId, 200, 'sandbox', b.token.slice(-8)],
    );
    phone.disconnect();
  });

  it('tells the caller "unreachable" when no device reports within the report timeout', async () => {
    const a = await connect(h.url, 'Caller');
    const b = await sleepingIphone();
    const started = Date.now();
    const callId = await invite(a.socket, b.self.id);
    const ended = await next(a.socket, 'call:ended', REPORT_TIMEOUT_MS + 3_000);
    assert.deepEqual(ended, { callId, reason: EndReason.Unreachable, by: 'server' });
    assert.ok(Date.now() - started >= REPORT_TIMEOUT_MS - 50, 'waited for the report timeout');
    await h.server.pusher.settled();
    assert.equal(pushesTo(b.token).length, 1);
  });

  it('a call cancelled before the device connects is "no longer available", with no second push', async () => {
    const a = await connect(h.url, 'Caller');
    const b = await sleepingIphone();
    const pushed = nextPushTo(b.token);
    const callId = await invite(a.socket, b.self.id);
    await pushed;
    const cancelled = next(a.socket, 'call:ended');
    assert.ok((await a.socket.emitWithAck('call:hangup', { callId })).ok);
    assert.equal((await cancelled).reason, EndReason.Cancelled);

    const phone = await wake(b.user, b.deviceId);
    const late = await phone.emitWithAck('call:reported', { callId });
    assert.equal(!late.ok && late.error.code, ErrorCode.CallNoLongerAvailable);
    phone.disconnect();
    await gone(h, b.deviceId);
    // A marker: the next call to the same device. Its push is started after anything the first
    // call's end, the late report or the disconnect made the server send, and settled() waits for
    // every send started so far; only then is "one push for the first call" a fact, not a race.
    const marker = nextPushTo(b.token);
    const second = await invite(a.socket, b.self.id);
    assert.equal(VoipPushPayloadSchema.parse((await marker).payload).callId, second);
    await h.server.pusher.settled();
    assert.equal(
      pushesTo(b.token).length,
      2,
      "one push for the cancelled call, and the marker's: the end went through signalling",
    );
    await a.socket.emitWithAck('call:hangup', { callId: second });
  });

  it('a report for a call the device is not the callee of is refused', async () => {
    const a = await connect(h.url, 'Caller');
    const b = await sleepingIphone();
    const callId = await invite(a.socket, b.self.id);
    const stranger = await connect(h.url, 'Stranger');
    const res = await stranger.socket.emitWithAck('call:reported', { callId });
    assert.equal(!res.ok && res.error.code, ErrorCode.NotParticipant);
    const unknown = await stranger.socket.emitWithAck('call:reported', { callId: crypto.randomUUID() });
    assert.equal(!unknown.ok && unknown.error.code, ErrorCode.CallNotFound);
    await a.socket.emitWithAck('call:hangup', { callId });
  });

  it('a connected browser that rings stops the report timeout; the woken iPhone can still answer', async () => {
    const { a, b, laptop, callId } = await callLaptopAndSleepingIphone();
    const endings = record(a.socket, 'call:ended');
    assert.ok((await laptop.socket.emitWithAck('call:ringing', { callId })).ok);
    // A marker: a call to another sleeping iPhone, placed after the laptop rang, whose report
    // timeout (the same length) runs out. Once it has, this call's timeout would have too.
    const other = await connect(h.url, 'Other Caller');
    const c = await sleepingIphone();
    const markerEnded = next(other.socket, 'call:ended', REPORT_TIMEOUT_MS + 3_000);
    await invite(other.socket, c.self.id);
    assert.equal((await markerEnded).reason, EndReason.Unreachable);
    assert.deepEqual(endings, [], 'the call ended though a browser rang');

    const phone = await wake(b.user, b.deviceId);
    assert.ok((await phone.emitWithAck('call:reported', { callId })).ok);
    const elsewhere = next(laptop.socket, 'call:ended');
    assert.ok((await phone.emitWithAck('call:answer', { callId })).ok);
    assert.equal((await elsewhere).reason, EndReason.AnsweredElsewhere);
    await a.socket.emitWithAck('call:hangup', { callId });
    phone.disconnect();
    laptop.socket.disconnect();
  });
});

/**
 * A caller calls a user whose laptop is connected and whose iPhone is asleep: the laptop is offered
 * the call and the iPhone is pushed.
 */
async function callLaptopAndSleepingIphone() {
  const a = await connect(h.url, 'Caller');
  const b = await sleepingIphone();
  const laptop = await connectDevice(h.url, b.user);
  const incoming = next(laptop.socket, 'call:incoming');
  const pushed = nextPushTo(b.token);
  const callId = await invite(a.socket, b.self.id);
  await Promise.all([incoming, pushed]);
  return { a, b, laptop, callId };
}

describe('a ringing browser that leaves while a woken iPhone has yet to report', () => {
  it('does not end the call, nor make the caller wait for it: the iPhone reports and answers', async () => {
    const { a, b, laptop, callId } = await callLaptopAndSleepingIphone();
    const ringing = next(a.socket, 'call:state');
    assert.ok((await laptop.socket.emitWithAck('call:ringing', { callId })).ok);
    assert.equal((await ringing).state, CallState.Ringing);
    const endings = record(a.socket, 'call:ended');
    const waits = record(a.socket, 'call:peer-connection');
    // The only ringing device, a browser tab, is closed.
    laptop.socket.disconnect();
    await gone(h, laptop.deviceId);

    const phone = await wake(b.user, b.deviceId);
    const reported = await phone.emitWithAck('call:reported', { callId });
    assert.ok(reported.ok, JSON.stringify(reported));
    const answered = next(a.socket, 'call:state');
    assert.ok((await phone.emitWithAck('call:answer', { callId })).ok);
    assert.equal((await answered).state, CallState.Answered);
    assert.deepEqual(endings, []);
    assert.deepEqual(waits, [], 'the closed tab stopped ringing: nobody is reconnecting');
    await a.socket.emitWithAck('call:hangup', { callId });
    phone.disconnect();
  });
});

/**
 * The caller's page ready to receive, as mediasoup-client makes it: the router's capabilities and a
 * recv transport: the server can now give it consumers.
 */
async function receivingCaller(a: Client, callId: string) {
  const caps = await a.emitWithAck('media:capabilities', { callId });
  assert.ok(caps.ok);
  const recv = await a.emitWithAck('media:transport-create', {
    callId,
    direction: 'recv',
    rtpCapabilities: caps.data.rtpCapabilities,
  });
  assert.ok(recv.ok, 'caller makes its recv transport');
}

describe('the caller hears the device that answers', () => {
  /**
   * The callee's laptop rings alone and publishes its upstream: the caller is given a consumer of it.
   * Then the callee's iPhone, woken by the push, reports and answers, and the laptop is dropped.
   */
  async function laptopRingsFirst() {
    const { a, b, laptop, callId } = await callLaptopAndSleepingIphone();
    assert.ok((await laptop.socket.emitWithAck('call:ringing', { callId })).ok);
    await receivingCaller(a.socket, callId);
    const first = next(a.socket, 'media:consumer');
    assert.ok((await laptop.socket.emitWithAck('media:publish', { callId, sdp: audioOffer() })).ok);
    const laptopConsumer = (await first).consumer;
    const phone = await wake(b.user, b.deviceId);
    assert.ok((await phone.emitWithAck('call:reported', { callId })).ok);
    const done = async () => {
      await a.socket.emitWithAck('call:hangup', { callId });
      for (const s of [a.socket, phone, laptop.socket]) s.disconnect();
    };
    return { a, laptop, phone, callId, laptopConsumer, done };
  }

  it('the iPhone publishes, then answers: the caller is given a consumer of the iPhone instead of the dropped laptop', async () => {
    const { a, laptop, phone, callId, laptopConsumer, done } = await laptopRingsFirst();
    assert.ok((await phone.emitWithAck('media:publish', { callId, sdp: audioOffer() })).ok);
    const elsewhere = next(laptop.socket, 'call:ended');
    const second = next(a.socket, 'media:consumer');
    assert.ok((await phone.emitWithAck('call:answer', { callId })).ok);
    assert.equal((await elsewhere).reason, EndReason.AnsweredElsewhere);
    const { consumer } = await second;
    assert.notEqual(
      consumer.producerId,
      laptopConsumer.producerId,
      "the iPhone's producer, not the laptop's",
    );
    assert.notEqual(consumer.id, laptopConsumer.id);
    await done();
  });

  it('the iPhone answers before it has published: the caller is given a consumer of it once it does', async () => {
    const { a, laptop, phone, callId, laptopConsumer, done } = await laptopRingsFirst();
    const elsewhere = next(laptop.socket, 'call:ended');
    assert.ok((await phone.emitWithAck('call:answer', { callId })).ok);
    assert.equal((await elsewhere).reason, EndReason.AnsweredElsewhere);
    const second = next(a.socket, 'media:consumer');
    assert.ok((await phone.emitWithAck('media:publish', { callId, sdp: audioOffer() })).ok);
    const { consumer } = await second;
    assert.notEqual(
      consumer.producerId,
      laptopConsumer.producerId,
      "the iPhone's producer, not the laptop's",
    );
    await done();
  });
});

describe('VoIP registrations', () => {
  it('410 Unregistered deletes the token; the next call is unreachable at once, without a push', async () => {
    const a = await connect(h.url, 'Caller');
    const b = await sleepingIphone();
    standIn.unregister(b.token);
    const callId = await invite(a.socket, b.self.id);
    await h.server.pusher.settled();
    assert.deepEqual(
      pushesTo(b.token).map((r) => [r.status, r.reason]),
      [[410, 'Unregistered']],
    );
    assert.ok(!(await registeredTokens()).includes(b.token), 'token deleted');
    await a.socket.emitWithAck('call:hangup', { callId });

    const ended = next(a.socket, 'call:ended', 500);
    const again = await invite(a.socket, b.self.id);
    assert.deepEqual(await ended, {
      callId: again,
      reason: EndReason.Unreachable,
      by: 'server',
    });
    await h.server.pusher.settled();
    assert.equal(pushesTo(b.token).length, 1);
  });

  it('400 BadDeviceToken deletes the token too', async () => {
    const a = await connect(h.url, 'Caller');
    const b = await sleepingIphone(h, { knownToApns: false });
    const callId = await invite(a.socket, b.self.id);
    await h.server.pusher.settled();
    assert.equal(pushesTo(b.token)[0]?.reason, 'BadDeviceToken');
    assert.ok(!(await registeredTokens()).includes(b.token));
    await a.socket.emitWithAck('call:hangup', { callId });
  });

  it('push:unregister (sign-out) deletes the token: the callee is unreachable at once', async () => {
    const a = await connect(h.url, 'Caller');
    const b = await sleepingIphone();
    const phone = await wake(b.user, b.deviceId);
    assert.deepEqual(await phone.emitWithAck('push:unregister', {}), { ok: true, data: {} });
    phone.disconnect();
    await gone(h, b.deviceId);
    assert.ok(!(await registeredTokens()).includes(b.token));
    const ended = next(a.socket, 'call:ended', 500);
    const callId = await invite(a.socket, b.self.id);
    assert.deepEqual(await ended, {
      callId,
      reason: EndReason.Unreachable,
      by: 'server',
    });
    await h.server.pusher.settled();
    assert.equal(pushesTo(b.token).length, 0);
  });

  it("token rotation: the shell's push:unregister of the dead token keeps the page's fresh one", async () => {
    // PushKit invalidated the old token and issued a new one: the page registered the new one on its
    // socket first, then the shell's own socket (the same device) says the old one is dead.
    const a = await connect(h.url, 'Caller');
    const b = await sleepingIphone();
    const page = await wake(b.user, b.deviceId);
    const shell = await wake(b.user, b.deviceId);
    const fresh = newToken();
    standIn.register({ token: fresh, environment: 'sandbox', bundleId: BUNDLE });
    const reg = { token: fresh, environment: 'sandbox', bundleId: BUNDLE, appVersion: '1.1' } as const;
    assert.ok((await page.emitWithAck('push:register-voip', reg)).ok);
    assert.deepEqual(await shell.emitWithAck('push:unregister', { token: b.token }), { ok: true, data: {} });
    assert.deepEqual(
      (await registeredTokens()).filter((t) => t === fresh || t === b.token),
      [fresh],
    );
    page.disconnect();
    shell.disconnect();
    await gone(h, b.deviceId);
    const pushed = nextPushTo(fresh);
    const callId = await invite(a.socket, b.self.id);
    assert.equal(
      VoipPushPayloadSchema.parse((await pushed).payload).callId,
      callId,
      'the device is still woken, on its new token',
    );
    await a.socket.emitWithAck('call:hangup', { callId });
  });

  it("push:unregister of the device's current token removes it; a stranger's token is left alone", async () => {
    const b = await sleepingIphone();
    const other = await sleepingIphone();
    const shell = await wake(b.user, b.deviceId);
    assert.ok((await shell.emitWithAck('push:unregister', { token: other.token })).ok);
    assert.ok(
      (await registeredTokens()).includes(other.token),
      "another device's token is not this device's to remove",
    );
    assert.ok((await shell.emitWithAck('push:unregister', { token: b.token.toUpperCase() })).ok);
    assert.ok(
      !(await registeredTokens()).includes(b.token),
      'the invalidated token (any hex case) is removed',
    );
    shell.disconnect();
  });

  it('re-registering replaces the device token; a token moves to the device that registers it', async () => {
    const b = await sleepingIphone();
    const phone = await wake(b.user, b.deviceId);
    const fresh = newToken();
    const reg = { token: fresh, environment: 'production', bundleId: BUNDLE, appVersion: '1.1' } as const;
    assert.ok((await phone.emitWithAck('push:register-voip', reg)).ok);
    const tokens = await registeredTokens();
    assert.ok(tokens.includes(fresh) && !tokens.includes(b.token));
    const other = await connectDevice(h.url, b.user);
    assert.ok((await other.socket.emitWithAck('push:register-voip', reg)).ok);
    const rows = await h.server.db
      .selectFrom('voip_registrations')
      .select('device_id as d')
      .where('token', '=', fresh)
      .execute();
    assert.deepEqual(rows, [{ d: other.deviceId }]);
    phone.disconnect();
    other.socket.disconnect();
  });

  it("another account cannot take a device's VoIP token or Web Push endpoint: refused, and the owner keeps it", async () => {
    const b = await sleepingIphone();
    const owner = await connectDevice(h.url, b.user);
    const subscription = {
      endpoint: `https://fcm.googleapis.com/fcm/send/${crypto.randomBytes(16).toString('hex')}`,
      keys: {
        p256dh: crypto.randomBytes(65).toString('base64url'),
        auth: crypto.randomBytes(16).toString('base64url'),
      },
    };
    assert.ok((await owner.socket.emitWithAck('push:register-web', { subscription })).ok);
    const holders = async () => ({
      voip: await h.server.db
        .selectFrom('voip_registrations')
        .select('device_id as d')
        .where('token', '=', b.token)
        .execute(),
      web: await h.server.db
        .selectFrom('web_push_subscriptions')
        .select('device_id as d')
        .where('endpoint', '=', subscription.endpoint)
        .execute(),
    });
    const before = await holders();
    assert.deepEqual(before, { voip: [{ d: b.deviceId }], web: [{ d: owner.deviceId }] });

    const thief = await connect(h.url, 'Thief');
    const reg = { token: b.token, environment: 'sandbox', bundleId: BUNDLE, appVersion: '1.0' } as const;
    const voip = await thief.socket.emitWithAck('push:register-voip', reg);
    assert.equal(!voip.ok && voip.error.code, ErrorCode.PushAddressTaken);
    const web = await thief.socket.emitWithAck('push:register-web', { subscription });
    assert.equal(!web.ok && web.error.code, ErrorCode.PushAddressTaken);
    assert.deepEqual(await holders(), before);
    owner.socket.disconnect();
    thief.socket.disconnect();
  });

  it('refuses bad registrations with a clear error', async () => {
    const b = await connect(h.url, 'Callee');
    const bad = [
      { token: 'xyz', environment: 'sandbox', bundleId: BUNDLE, appVersion: '1' },
      { token: newToken(), environment: 'development', bundleId: BUNDLE, appVersion: '1' },
      { token: newToken(), environment: 'sandbox', bundleId: 'org.other.app', appVersion: '1' },
    ];
    for (const reg of bad) {
      const res = await b.socket.emitWithAck('push:register-voip', reg as VoipRegistration);
      assert.equal(!res.ok && res.error.code, ErrorCode.InvalidPayload, JSON.stringify(reg));
    }
    b.socket.disconnect();
  });
});

describe('pushes stop with the call', () => {
  // A retry 2–4 s after a 503, well inside the report timeout: only the call itself can stop it.
  let slow: Harness;
  before(async () => {
    slow = await startHarness({
      push: { ...push, reportTimeoutMs: 30_000, retry: { backoff: { baseMs: 4_000, maxMs: 4_000 } } },
    });
  });
  after(() => slow.stop());

  /** Calls a sleeping iPhone (and a connected laptop of the same user) whose first push gets a 503. */
  async function callAndGet503() {
    const a = await connect(slow.url, 'Caller');
    const b = await sleepingIphone(slow);
    const laptop = await connectDevice(slow.url, b.user);
    const incoming = next(laptop.socket, 'call:incoming');
    standIn.fail(1, { status: 503, reason: 'ServiceUnavailable' });
    const callId = await invite(a.socket, b.self.id);
    await incoming;
    while (pushesTo(b.token).length === 0) await new Promise((r) => setTimeout(r, 5));
    return { a, b, laptop, callId };
  }

  it(
    'a call cancelled while its VoIP push waits for a retry after a 503 sends no second request',
    { timeout: 30_000 },
    async () => {
      const { a, b, laptop, callId } = await callAndGet503();
      const cancelled = next(a.socket, 'call:ended');
      assert.ok((await a.socket.emitWithAck('call:hangup', { callId })).ok);
      assert.equal((await cancelled).reason, EndReason.Cancelled);
      await slow.server.pusher.settled();
      assert.deepEqual(
        pushesTo(b.token).map((r) => r.status),
        [503],
        'the retry of a cancelled call must not reach APNs',
      );
      laptop.socket.disconnect();
    },
  );

  it(
    'a call cancelled while its Web Push waits for a retry after a 503 sends no second incoming-call push',
    { timeout: 30_000 },
    async () => {
      const a = await connect(slow.url, 'Caller');
      const b = await connect(slow.url, 'Browser Callee');
      const subscription = service.subscribe(async () => undefined);
      const id = subscription.endpoint.split('/').pop();
      assert.ok((await b.socket.emitWithAck('push:register-web', { subscription })).ok);
      b.socket.disconnect();
      await gone(slow, b.deviceId);
      service.fail(1, 503);
      const callId = await invite(a.socket, b.self.id);
      while (!service.refused.some((p) => p.subscriptionId === id))
        await new Promise((r) => setTimeout(r, 5));
      const cancelled = next(a.socket, 'call:ended');
      assert.ok((await a.socket.emitWithAck('call:hangup', { callId })).ok);
      assert.equal((await cancelled).reason, EndReason.Cancelled);
      await slow.server.pusher.settled();
      const kinds = [...service.refused, ...service.received]
        .filter((p) => p.subscriptionId === id)
        .map((p) => (JSON.parse(p.plaintext) as { kind: string }).kind);
      assert.deepEqual(kinds, ['incoming-call', 'call-ended'], 'the refused push, then only "call ended"');
    },
  );

  it(
    'a call answered on another device meanwhile sends no second request either',
    { timeout: 30_000 },
    async () => {
      const { a, b, laptop, callId } = await callAndGet503();
      const ringing = next(a.socket, 'call:state');
      assert.ok((await laptop.socket.emitWithAck('call:ringing', { callId })).ok);
      assert.equal((await ringing).state, CallState.Ringing);
      const answered = next(a.socket, 'call:state');
      assert.ok((await laptop.socket.emitWithAck('call:answer', { callId })).ok);
      assert.equal((await answered).state, CallState.Answered);
      await slow.server.pusher.settled();
      assert.deepEqual(
        pushesTo(b.token).map((r) => r.status),
        [503],
        'no retry for an answered call',
      );
      await a.socket.emitWithAck('call:hangup', { callId });
      laptop.socket.disconnect();
    },
  );
});

describe('across a restart', () => {
  it('keeps VoIP registrations and the VAPID key', async () => {
    const first = await startHarness({ push });
    const b = await sleepingIphone(first);
    const device = await connectDevice(first.url, b.user);
    const config = await device.socket.emitWithAck('push:web-config', {});
    assert.ok(config.ok);
    device.socket.disconnect();
    await first.stop();

    const second = await startHarness({ push, dataDir: first.dataDir });
    try {
      const again = await connectDevice(second.url, b.user);
      assert.deepEqual(await again.socket.emitWithAck('push:web-config', {}), config);
      again.socket.disconnect();
      const a = await connect(second.url, 'Caller');
      const pushed = nextPushTo(b.token);
      const callId = await a.socket.emitWithAck('call:invite', { to: b.self.id });
      assert.ok(callId.ok);
      assert.equal(VoipPushPayloadSchema.parse((await pushed).payload).callId, callId.data.callId);
      await a.socket.emitWithAck('call:hangup', { callId: callId.data.callId });
    } finally {
      await second.stop();
    }
  });
});

describe('Web Push to a browser that is not connected', () => {
  it('pushes the incoming call, ends as unreachable without a report, then pushes "call ended"', async () => {
    const a = await connect(h.url, 'Ada Caller');
    const b = await connect(h.url, 'Browser Callee');
    const config = await b.socket.emitWithAck('push:web-config', {});
    assert.ok(config.ok && config.data.vapidPublicKey.length > 80);
    const subscription = service.subscribe(async () => undefined);
    const id = subscription.endpoint.split('/').pop();
    assert.ok((await b.socket.emitWithAck('push:register-web', { subscription })).ok);
    b.socket.disconnect();
    await gone(h, b.deviceId);

    const ended = next(a.socket, 'call:ended', REPORT_TIMEOUT_MS + 3_000);
    const callId = await invite(a.socket, b.self.id);
    const incoming = await service.nextPush((p) => p.subscriptionId === id);
    const message = WebPushMessageSchema.parse(JSON.parse(incoming.plaintext));
    assert.ok(message.kind === 'incoming-call');
    assert.deepEqual(
      [message.call.callId, message.call.caller],
      [callId, { id: a.self.id, handle: a.user.username, displayName: 'Ada Caller' }],
    );
    assert.equal(incoming.urgency, 'high');
    assert.ok(incoming.ttl > 0 && incoming.ttl <= REPORT_TIMEOUT_MS / 1000);
    assert.equal((await ended).reason, EndReason.Unreachable);
    const over = await service.nextPush(
      (p) => p.subscriptionId === id && (JSON.parse(p.plaintext) as { kind: string }).kind === 'call-ended',
    );
    assert.deepEqual(JSON.parse(over.plaintext), { kind: 'call-ended', callId });
  });

  it('a subscription the push service calls gone (410) is deleted', async () => {
    const a = await connect(h.url, 'Caller');
    const b = await connect(h.url, 'Callee');
    const live = service.subscribe(async () => undefined);
    const dead = { ...live, endpoint: `${service.origin}/push/${crypto.randomUUID()}` };
    assert.ok((await b.socket.emitWithAck('push:register-web', { subscription: dead })).ok);
    b.socket.disconnect();
    await gone(h, b.deviceId);
    const callId = await invite(a.socket, b.self.id);
    await h.server.pusher.settled();
    const rows = await h.server.db
      .selectFrom('web_push_subscriptions')
      .select('device_id')
      .where('endpoint', '=', dead.endpoint)
      .execute();
    assert.deepEqual(rows, []);
    await a.socket.emitWithAck('call:hangup', { callId });
  });
});
