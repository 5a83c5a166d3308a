/**
 * Review H4: media requests are limited per connection and per device (its connections together);
 * a request over a limit is refused as `rate-limited` with how long to wait, before it costs the
 * media server anything. Against the real server, with small limits.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Socket } from 'socket.io-client';
import { ErrorCode, type Ack, type CallId } from '../../src/protocol/index.ts';
import { answeredCall, connectDevice, next, startHarness, type Client, type Harness } from './harness.ts';

const PER_SOCKET = 5;
const PER_DEVICE = 8;

let h: Harness;
const sockets: Client[] = [];
before(async () => {
  h = await startHarness({
    mediaLimits: { requestsPerSocketPerMinute: PER_SOCKET, requestsPerDevicePerMinute: PER_DEVICE },
  });
});
after(async () => {
  for (const s of sockets) s.disconnect();
  await h.stop();
});

/** `n` media requests at once on `socket`, in the call: taken, and the refusals as sent. */
async function burst(socket: Client, callId: CallId, n: number) {
  const answers: Ack<unknown>[] = await Promise.all(
    Array.from({ length: n }, () => socket.emitWithAck('media:capabilities', { callId })),
  );
  return {
    ok: answers.filter((r) => r.ok).length,
    refusals: answers.flatMap((r) => (r.ok ? [] : [r.error])),
  };
}

const retryAfter = (e: { retryAfterMs?: number }) => e.retryAfterMs ?? -1;

describe('media requests per connection and per device', { timeout: 30_000 }, () => {
  it('a burst over the limits is refused as rate-limited with a retry-after; other devices are untouched', async () => {
    const { a, b, callId } = await answeredCall(h.url, sockets);

    const first = await burst(a.socket, callId, PER_SOCKET * 2);
    assert.equal(first.ok, PER_SOCKET, 'the connection gets its limit');
    assert.equal(first.refusals.length, PER_SOCKET);
    for (const e of first.refusals) {
      assert.equal(e.code, ErrorCode.RateLimited, JSON.stringify(e));
      assert.ok(
        retryAfter(e) > 0 && retryAfter(e) <= 60_000,
        `retry after ${retryAfter(e)} ms, within the minute`,
      );
    }

    // A second connection of the same device (an iPhone's shell beside its page): its own
    // connection's budget, but the device's is shared.
    const shell = await connectDevice(h.url, a.user, a.deviceId);
    sockets.push(shell.socket);
    const second = await burst(shell.socket, callId, PER_SOCKET);
    assert.equal(second.ok, PER_DEVICE - PER_SOCKET, "what is left of the device's limit");
    assert.ok(second.refusals.every((e) => e.code === ErrorCode.RateLimited && retryAfter(e) > 0));

    // Without an ack the refusal comes as request:error, with the same retry-after.
    const told = next(shell.socket, 'request:error');
    // The typed client insists on an ack; a request without one is what the raw client sends.
    (shell.socket as unknown as Socket).emit('media:capabilities', { callId });
    const { event, error } = await told;
    assert.equal(event, 'media:capabilities');
    assert.equal(error.code, ErrorCode.RateLimited);
    assert.ok(retryAfter(error) > 0);

    // The partner's device has limits of its own.
    assert.equal((await burst(b.socket, callId, PER_SOCKET)).ok, PER_SOCKET);
    assert.ok(
      (await b.socket.emitWithAck('call:hangup', { callId })).ok,
      'call requests are not media requests',
    );
  });
});
