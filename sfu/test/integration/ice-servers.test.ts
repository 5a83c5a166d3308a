/**
 * TURN credentials reach signed-in devices only: in the welcome (valid for the relay: the HMAC of
 * their username under the relay's secret), refreshed before they expire, never to a connection
 * without a session and never in a REST answer.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { io } from 'socket.io-client';
import { connectDevice, next, signUp, startHarness, type Harness } from './harness.ts';

const SECRET = 'a-test-secret-of-some-length';
const TTL_MS = 4_000;

describe('ICE servers for signed-in devices', { timeout: 60_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      turn: {
        external: {
          urls: ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349'],
          secret: SECRET,
        },
        credentialTtlMs: TTL_MS,
        credentialRefreshMs: 500,
      },
    });
  });
  after(async () => {
    await h?.stop();
  });

  it('are in the welcome, with a TURN REST credential the relay accepts', async () => {
    const user = await signUp(h.url, 'Alice');
    const { socket, self } = await connectDevice(h.url, user);
    try {
      const welcome = await new Promise<{
        iceServers: { urls: string[]; username: string | null; credential: string | null }[];
      }>((resolve) => {
        const again = io(h.url, {
          auth: { deviceId: crypto.randomUUID(), deviceLabel: 'second' },
          extraHeaders: { cookie: user.cookie },
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
        });
        again.once('session:welcome', (w) => {
          again.close();
          resolve(w);
        });
      });
      const [server] = welcome.iceServers;
      assert.deepEqual(server?.urls, [
        'turn:turn.example.com:3478?transport=udp',
        'turns:turn.example.com:5349',
      ]);
      const [expiry, who] = (server?.username ?? '').split(':');
      assert.equal(who, self.id);
      const left = Number(expiry) * 1000 - Date.now();
      assert.ok(left > 0 && left <= TTL_MS, `expires in ${left} ms`);
      const expected = crypto
        .createHmac('sha1', SECRET)
        .update(server?.username ?? '')
        .digest('base64');
      assert.equal(server?.credential, expected);
    } finally {
      socket.close();
    }
  });

  it('are refreshed while connected, each later than the last', async () => {
    const { socket } = await connectDevice(h.url, await signUp(h.url, 'Bob'));
    try {
      const a = await next(socket, 'session:ice-servers');
      const b = await next(socket, 'session:ice-servers');
      const expiry = (s: typeof a) => Number(s.iceServers[0]?.username?.split(':')[0]);
      assert.ok(expiry(b) >= expiry(a));
      assert.notEqual(b.iceServers[0]?.credential, undefined);
    } finally {
      socket.close();
    }
  });

  it('never reach a connection without a session, nor a REST answer', async () => {
    const anonymous = io(h.url, {
      auth: { deviceId: crypto.randomUUID(), deviceLabel: 'nobody' },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    const outcome = await new Promise<string>((resolve) => {
      anonymous.once('connect_error', (err) => resolve(`refused: ${err.message}`));
      anonymous.once('session:welcome', () => resolve('welcomed'));
    });
    anonymous.close();
    assert.match(outcome, /^refused/);
    const user = await signUp(h.url, 'Carol');
    const me = await (await fetch(`${h.url}/api/me`, { headers: { cookie: user.cookie } })).text();
    assert.ok(!/turn:|credential/.test(me), me);
  });
});
