import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallId, ConsumerInfo } from '@softphone/sfu/protocol';
import { bindMediaSignalling, type MediaEvent } from '../src/media/media-signalling.ts';
import { SignallingLink } from '../src/signalling/signalling-link.ts';

const callId = '5b0f6a52-7a3e-4f43-9d0e-8d1f1b4a2c11' as CallId;
const otherCall = '0c7e2b1a-2f0d-4b8e-a1b2-3c4d5e6f7a8b' as CallId;
const consumer = (id: string): ConsumerInfo => ({
  id,
  producerId: 'p',
  kind: 'audio',
  rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48_000 }] },
});
const consumerEvent = (id: string, call = callId): MediaEvent => ({
  event: 'media:consumer',
  payload: { callId: call, consumer: consumer(id) },
});

describe("a call's media signalling", () => {
  it('keeps the media events that arrive before the engine listens, and hands them over in order', () => {
    const s = bindMediaSignalling(new SignallingLink(), callId, () => {});
    s.deliver(consumerEvent('c1'));
    s.deliver({ event: 'media:offer', payload: { callId, sdp: 'v=0' } });
    s.deliver(consumerEvent('c2'));
    const seen: string[] = [];
    s.on('media:consumer', ({ consumer: c }) => seen.push(c.id));
    assert.deepEqual(seen, ['c1', 'c2']);
    s.on('media:offer', ({ sdp }) => seen.push(sdp));
    assert.deepEqual(seen, ['c1', 'c2', 'v=0']);
    s.deliver(consumerEvent('c3'));
    assert.deepEqual(seen, ['c1', 'c2', 'v=0', 'c3']);
  });

  it("ignores another call's events and stops delivering once unsubscribed", () => {
    const s = bindMediaSignalling(new SignallingLink(), callId, () => {});
    const seen: string[] = [];
    const off = s.on('media:consumer', ({ consumer: c }) => seen.push(c.id));
    s.deliver(consumerEvent('theirs', otherCall));
    s.deliver(consumerEvent('ours'));
    off();
    s.deliver(consumerEvent('late'));
    assert.deepEqual(seen, ['ours']);
  });

  it('refuses a request with the reason when there is no connection, counting ICE restarts', async () => {
    let restarts = 0;
    const s = bindMediaSignalling(new SignallingLink(), callId, () => restarts++);
    await assert.rejects(s.request('media:restart-ice', { transportId: 't' }), /not connected/);
    assert.equal(restarts, 1);
  });
});
