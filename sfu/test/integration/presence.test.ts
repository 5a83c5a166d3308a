/**
 * Presence against a real server (review M7): a user is told only about their contacts (people they
 * added by username, called or were called by), or about everyone where the deployment turns the
 * directory on; a change reaches the watchers as one user's delta, never the whole list.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, type Peer, type ServerEventPayload } from '../../src/protocol/index.ts';
import {
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

type Heard =
  | { event: 'presence:users'; payload: ServerEventPayload<'presence:users'> }
  | { event: 'presence:changed'; payload: ServerEventPayload<'presence:changed'> };

/** Everything about presence a socket is sent, from its handshake on. */
function listen(socket: Client): Heard[] {
  const heard: Heard[] = [];
  socket.on('presence:users', (payload) => heard.push({ event: 'presence:users', payload }));
  socket.on('presence:changed', (payload) => heard.push({ event: 'presence:changed', payload }));
  return heard;
}

/**
 * Resolves once everything the server sent `socket` before now has arrived: one connection's
 * messages keep their order, so whatever came before the ack of a request made now has been heard.
 */
async function drained(socket: Client): Promise<void> {
  const res = await socket.emitWithAck('history:list', { limit: 1 });
  assert.ok(res.ok);
}

/** A new account with one connected device, whose presence messages are recorded from the start. */
async function person(h: Harness, name: string) {
  const user = await signUp(h.url, name);
  let heard: Heard[] = [];
  const device = await connectDevice(h.url, user, crypto.randomUUID(), (s) => (heard = listen(s)));
  return { user, ...device, heard };
}

/** Another device of `user`, and the list its connection was sent. */
async function device(h: Harness, user: User) {
  let list: Promise<ServerEventPayload<'presence:users'>> | undefined;
  const d = await connectDevice(h.url, user, crypto.randomUUID(), (s) => (list = next(s, 'presence:users')));
  assert.ok(list);
  return { ...d, list: await list };
}

const ids = (peers: Peer[]) => peers.map((p) => p.id);
const changes = (heard: Heard[]) => heard.flatMap((h) => (h.event === 'presence:changed' ? [h.payload] : []));

describe('presence for contacts only (the default)', { timeout: 20_000 }, () => {
  let h: Harness;
  const sockets: Client[] = [];
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    for (const s of sockets) s.disconnect();
    await h.stop();
  });

  it('a stranger is not told you are online, and you are not listed to them', async () => {
    const ann = await person(h, 'Stranger Ann');
    const bob = await person(h, 'Stranger Bob');
    sockets.push(ann.socket, bob.socket);
    await drained(ann.socket);
    assert.deepEqual(ann.heard, [{ event: 'presence:users', payload: { users: [], asleep: [] } }]);
    assert.deepEqual(bob.heard, [{ event: 'presence:users', payload: { users: [], asleep: [] } }]);
  });

  it('adding by exact username: the contact is listed and their comings and goings arrive as deltas', async () => {
    const ann = await person(h, 'Adder Ann');
    const bob = await person(h, 'Added Bob');
    sockets.push(ann.socket);
    const res = await ann.socket.emitWithAck('contacts:add', { username: bob.user.username.toUpperCase() });
    assert.ok(res.ok, JSON.stringify(res));
    assert.deepEqual(res.data, { contact: bob.self, presence: 'online' });
    // Adding is one way: Bob is not told about Ann.
    await drained(bob.socket);
    assert.deepEqual(changes(bob.heard), []);

    bob.socket.disconnect();
    await gone(h, bob.deviceId);
    const back = await connectDevice(h.url, bob.user);
    await drained(ann.socket);
    assert.deepEqual(changes(ann.heard), [
      { user: bob.self, presence: 'online' },
      { user: bob.self, presence: 'offline' },
      { user: bob.self, presence: 'online' },
    ]);
    // One list, on connect; everything after is one user at a time.
    assert.equal(ann.heard.filter((x) => x.event === 'presence:users').length, 1);
    // A new connection of Ann's is sent her contacts in its list.
    const annAgain = await device(h, ann.user);
    sockets.push(back.socket, annAgain.socket);
    assert.deepEqual(ids(annAgain.list.users), [bob.self.id]);
  });

  it('a contact whose phone can be woken goes asleep, not offline', async () => {
    const ann = await person(h, 'Waker Ann');
    const bob = await person(h, 'Sleeper Bob');
    sockets.push(ann.socket);
    assert.ok((await ann.socket.emitWithAck('contacts:add', { username: bob.user.username })).ok);
    const reg = {
      token: crypto.randomBytes(32).toString('hex'),
      environment: 'sandbox',
      bundleId: 'com.example.softphone',
      appVersion: '1.0 (1)',
    } as const;
    assert.ok((await bob.socket.emitWithAck('push:register-voip', reg)).ok);
    bob.socket.disconnect();
    await gone(h, bob.deviceId);
    await drained(ann.socket);
    assert.deepEqual(changes(ann.heard).at(-1), { user: bob.self, presence: 'asleep' });
    const later = await device(h, ann.user);
    sockets.push(later.socket);
    assert.deepEqual(later.list, { users: [], asleep: [bob.self] });
  });

  it('a call makes caller and callee each other’s contacts', async () => {
    const ann = await person(h, 'Caller Ann');
    const bob = await person(h, 'Callee Bob');
    sockets.push(ann.socket, bob.socket);
    const incoming = next(bob.socket, 'call:incoming');
    const res = await ann.socket.emitWithAck('call:invite', { to: bob.self.id });
    assert.ok(res.ok, JSON.stringify(res));
    await incoming;
    assert.ok((await bob.socket.emitWithAck('call:decline', { callId: res.data.callId })).ok);
    await drained(ann.socket);
    await drained(bob.socket);
    assert.deepEqual(changes(ann.heard), [{ user: bob.self, presence: 'online' }]);
    assert.deepEqual(changes(bob.heard), [{ user: ann.self, presence: 'online' }]);
  });

  it('refuses an unknown username and yourself, with typed errors', async () => {
    const ann = await person(h, 'Lonely Ann');
    sockets.push(ann.socket);
    const unknown = await ann.socket.emitWithAck('contacts:add', { username: 'nobody-by-that-name' });
    assert.deepEqual(!unknown.ok && unknown.error.code, ErrorCode.UserNotFound);
    const self = await ann.socket.emitWithAck('contacts:add', { username: ann.user.username });
    assert.deepEqual(!self.ok && self.error.code, ErrorCode.InvalidTarget);
  });
});

describe('presence with the directory turned on', () => {
  let h: Harness;
  const sockets: Client[] = [];
  before(async () => {
    h = await startHarness({ presenceDirectory: true });
  });
  after(async () => {
    for (const s of sockets) s.disconnect();
    await h.stop();
  });

  it('everyone is listed and told of everyone, and not of themselves', async () => {
    const ann = await person(h, 'Directory Ann');
    const bob = await person(h, 'Directory Bob');
    sockets.push(ann.socket, bob.socket);
    await drained(ann.socket);
    assert.deepEqual(changes(ann.heard), [{ user: bob.self, presence: 'online' }]);
    const bobsList = bob.heard[0];
    assert.equal(bobsList?.event, 'presence:users');
    assert.ok(bobsList.event === 'presence:users' && ids(bobsList.payload.users).includes(ann.self.id));
    assert.ok(!ids(bobsList.payload.users).includes(bob.self.id));
    await drained(bob.socket);
    assert.deepEqual(changes(bob.heard), []);
  });
});

/**
 * What one connect costs, counted: N devices are connected, one more connects, and every presence
 * message any of them is sent (and the users those messages carry) is counted.
 */
async function oneConnect(h: Harness, n: number, contactsOfNewcomer: number) {
  const everyone = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      connect(h.url, `Bench ${i}`).then((c) => ({ ...c, heard: listen(c.socket) })),
    ),
  );
  const newcomer = await signUp(h.url, 'Bench Newcomer');
  const first = await connectDevice(h.url, newcomer);
  for (const c of everyone.slice(0, contactsOfNewcomer)) {
    const res = await c.socket.emitWithAck('contacts:add', { username: newcomer.username });
    assert.ok(res.ok);
  }
  first.socket.disconnect();
  await gone(h, first.deviceId);
  // The first device's own comings and goings are still on their way to the watchers: let them
  // arrive before counting starts, or a loaded machine counts them as the connect's.
  await Promise.all(everyone.map((c) => drained(c.socket)));
  for (const c of everyone) c.heard.length = 0;

  let own: Heard[] = [];
  const again = await connectDevice(h.url, newcomer, crypto.randomUUID(), (s) => (own = listen(s)));
  await Promise.all(everyone.map((c) => drained(c.socket)));
  const heard = [...own, ...everyone.flatMap((c) => c.heard)];
  const carried = heard.reduce(
    (sum, x) => sum + (x.event === 'presence:users' ? x.payload.users.length + x.payload.asleep.length : 1),
    0,
  );
  for (const c of [...everyone, again]) c.socket.disconnect();
  return { messages: heard.length, carried };
}

describe('messages per connect', () => {
  const N = 40;

  it(`contacts: ${N} devices online, a user with 5 watchers connects → 1 list + 5 deltas`, async () => {
    const h = await startHarness();
    try {
      const figure = await oneConnect(h, N, 5);
      console.log(
        `contacts, ${N} devices online, 5 watchers: ${figure.messages} messages, ${figure.carried} users carried`,
      );
      assert.deepEqual(figure, { messages: 6, carried: 5 });
    } finally {
      await h.stop();
    }
  });

  it(`directory: ${N} devices online, one connects → 1 list + ${N} one-user deltas`, async () => {
    const h = await startHarness({ presenceDirectory: true });
    try {
      const figure = await oneConnect(h, N, 0);
      console.log(
        `directory, ${N} devices online: ${figure.messages} messages, ${figure.carried} users carried`,
      );
      assert.deepEqual(figure, { messages: N + 1, carried: 2 * N });
    } finally {
      await h.stop();
    }
  });
});
