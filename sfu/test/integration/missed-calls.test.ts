/**
 * What counts as a missed call (the protocol's `isMissed`) is what the callee's badge shows, what
 * history says and what `history:changed` pushes, however the call ended; against the real server
 * and real mediasoup workers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EndReason } from '../../src/protocol/index.ts';
import { audioOffer, connect, connectDevice, next, startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => {
  // Long enough that the media failure, not the no-answer timeout, ends the call.
  h = await startHarness({ noAnswerTimeoutMs: 60_000 });
});
after(async () => h.stop());

describe('missed calls', () => {
  it('a media failure before answer is a missed call: history:changed raises the badge it counts', async () => {
    const a = await connect(h.url, 'Caller');
    const b = await connect(h.url, 'Callee');
    const res = await a.socket.emitWithAck('call:invite', { to: b.self.id });
    assert.ok(res.ok);
    const callId = res.data.callId;
    // The callee's device says it cannot receive Opus: the SFU cannot give it the caller's audio.
    const ended = next(a.socket, 'call:ended', 10_000);
    const badge = next(b.socket, 'history:changed', 10_000);
    const deaf = { codecs: [] };
    assert.ok(
      (
        await b.socket.emitWithAck('media:transport-create', {
          callId,
          direction: 'recv',
          rtpCapabilities: deaf,
        })
      ).ok,
    );
    assert.ok((await a.socket.emitWithAck('media:publish', { callId, sdp: audioOffer() })).ok);

    assert.deepEqual(await ended, { callId, reason: EndReason.MediaFailed, by: 'server' });
    assert.equal((await badge).unreadMissed, 1);
    const list = await b.socket.emitWithAck('history:list', {});
    assert.ok(list.ok);
    assert.equal(list.data.unreadMissed, 1);
    assert.equal(list.data.entries[0]?.callId, callId);
    assert.equal(list.data.entries[0]?.missed, true);
    assert.equal((await connectDevice(h.url, b.user)).unreadMissed, 1, 'the welcome counts it too');
  });
});
