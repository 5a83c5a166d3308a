/**
 * An iPhone is one device with two sockets: the page's, and the shell's own (same device id, same
 * session), which carries call control while the page is frozen. The server treats every socket of
 * a device as that one device: call events reach all of them, requests come from any of them, the
 * sibling never hears "answered elsewhere", and the call waits for a reconnection only once the
 * device's last socket has gone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CallState, EndReason, type CallId } from '../../src/protocol/index.ts';
import { connect, connectDevice, gone, next, startHarness, type Client, type Harness } from './harness.ts';

let h: Harness;
const sockets: Client[] = [];
before(async () => {
  h = await startHarness({ noAnswerTimeoutMs: 10_000, reconnectGraceMs: 1_000 });
});
after(async () => {
  for (const s of sockets) s.disconnect();
  await h.stop();
});

let n = 0;
/** A caller, and a callee whose device has the page's socket and the shell's. */
async function callerAndIphone() {
  n++;
  const caller = await connect(h.url, `Caller ${n}`);
  const page = await connect(h.url, `Iphone ${n}`);
  const shell = await connectDevice(h.url, page.user, page.deviceId);
  sockets.push(caller.socket, page.socket, shell.socket);
  return {
    caller,
    page: page.socket,
    shell: shell.socket,
    callee: page.self,
    user: page.user,
    deviceId: page.deviceId,
  };
}

async function invite(from: Client, to: string): Promise<CallId> {
  const res = await from.emitWithAck('call:invite', { to });
  assert.ok(res.ok, JSON.stringify(res));
  return res.data.callId;
}

/** Collects every event of `name` a socket gets from now on. */
function record(socket: Client, name: 'call:ended' | 'call:state' | 'call:incoming'): unknown[] {
  const seen: unknown[] = [];
  (socket as unknown as { on(e: string, f: (p: unknown) => void): void }).on(name, (p) => seen.push(p));
  return seen;
}

describe('one device, several sockets', () => {
  it('rings on every socket of the device; answered on the shell socket, the page hears "answered", never "answered elsewhere"', async () => {
    const { caller, page, shell, callee } = await callerAndIphone();
    const ringPage = next(page, 'call:incoming');
    const ringShell = next(shell, 'call:incoming');
    const callId = await invite(caller.socket, callee.id);
    assert.equal((await ringPage).callId, callId);
    assert.equal((await ringShell).callId, callId);

    const pageEnded = record(page, 'call:ended');
    const answeredOnPage = next(page, 'call:state');
    const answeredOnCaller = next(caller.socket, 'call:state');
    assert.ok((await shell.emitWithAck('call:answer', { callId })).ok);
    assert.deepEqual(await answeredOnPage, { callId, state: CallState.Answered });
    assert.deepEqual(await answeredOnCaller, { callId, state: CallState.Answered });

    // A request from the page's socket is the same device's: it may hang up the call it answered.
    const endedShell = next(shell, 'call:ended');
    const endedPage = next(page, 'call:ended');
    assert.ok((await page.emitWithAck('call:hangup', { callId })).ok);
    assert.deepEqual(await endedShell, { callId, reason: EndReason.HungUp, by: 'self' });
    assert.deepEqual(await endedPage, { callId, reason: EndReason.HungUp, by: 'self' });
    assert.deepEqual(pageEnded, [{ callId, reason: EndReason.HungUp, by: 'self' }]);
  });

  it("the shell's claim of a pushed call joins the device the page's socket already rings for", async () => {
    const { caller, page, shell, callee } = await callerAndIphone();
    const ring = next(page, 'call:incoming');
    const callId = await invite(caller.socket, callee.id);
    await ring;
    const claim = await shell.emitWithAck('call:reported', { callId });
    assert.ok(claim.ok, JSON.stringify(claim));
    assert.deepEqual(claim.data.call.from, caller.self);
    assert.ok((await shell.emitWithAck('call:answer', { callId })).ok);
    assert.ok((await caller.socket.emitWithAck('call:hangup', { callId })).ok);
  });

  it("a frozen page's socket dropping does not end the call while the shell's socket is up", async () => {
    const { caller, page, shell, callee, deviceId } = await callerAndIphone();
    const callId = await invite(caller.socket, callee.id);
    assert.ok((await shell.emitWithAck('call:answer', { callId })).ok);
    const callerEnded = record(caller.socket, 'call:ended');
    page.disconnect();
    // The page's socket is gone on the server; the device is still connected through the shell's.
    while ([...h.server.io.sockets.sockets.values()].filter((s) => s.data.deviceId === deviceId).length > 1)
      await new Promise((r) => setTimeout(r, 5));
    const held = next(caller.socket, 'call:hold');
    assert.ok((await shell.emitWithAck('call:hold', { callId, held: true })).ok);
    assert.deepEqual(await held, { callId, held: true, by: 'peer' });
    assert.deepEqual(callerEnded, []);

    // The device's last socket goes and does not come back: the call ends as disconnected.
    const ended = next(caller.socket, 'call:ended');
    shell.disconnect();
    await gone(h, deviceId);
    assert.deepEqual(await ended, { callId, reason: EndReason.Disconnected, by: 'peer' });
  });

  it('a page reconnecting during the call is the same device again: it hears the call end', async () => {
    const { caller, page, shell, callee, user, deviceId } = await callerAndIphone();
    const callId = await invite(caller.socket, callee.id);
    assert.ok((await shell.emitWithAck('call:answer', { callId })).ok);
    page.disconnect();
    const thawed = await connectDevice(h.url, user, deviceId);
    sockets.push(thawed.socket);
    const endedPage = next(thawed.socket, 'call:ended');
    const endedShell = next(shell, 'call:ended');
    assert.ok((await caller.socket.emitWithAck('call:hangup', { callId })).ok);
    assert.deepEqual(await endedPage, { callId, reason: EndReason.HungUp, by: 'peer' });
    assert.deepEqual(await endedShell, { callId, reason: EndReason.HungUp, by: 'peer' });
  });

  it('another device of the same user still hears "answered elsewhere" when the shell answers', async () => {
    const { caller, shell, callee, user } = await callerAndIphone();
    const laptop = await connectDevice(h.url, user);
    sockets.push(laptop.socket);
    const elsewhere = next(laptop.socket, 'call:ended');
    const callId = await invite(caller.socket, callee.id);
    assert.ok((await shell.emitWithAck('call:answer', { callId })).ok);
    assert.deepEqual(await elsewhere, { callId, reason: EndReason.AnsweredElsewhere, by: 'self' });
    assert.ok((await caller.socket.emitWithAck('call:hangup', { callId })).ok);
  });
});
