/**
 * A native engine rebuilt after iOS reset its media services (AVAudioSessionMediaServicesWereReset):
 * its peer connections are new, so it publishes again on the same call. The SFU takes the new
 * upstream in place of the old one, the partner is given the new producer, and the engine's own
 * downstream is offered again on a new transport. Against the real server and mediasoup workers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sdpTransform from 'sdp-transform';
import type { CallId, ServerEventPayload } from '../../src/protocol/index.ts';
import { answeredCall, audioOffer, next, startHarness, type Client, type Harness } from './harness.ts';

let h: Harness;
const sockets: Client[] = [];
before(async () => {
  h = await startHarness();
});
after(async () => {
  for (const s of sockets) s.disconnect();
  await h.stop();
});

const ufragOf = (sdp: string) => sdpTransform.parse(sdp).media[0]?.iceUfrag;
const ssrcOf = (sdp: string) => sdpTransform.parse(sdp).media[0]?.ssrcs?.[0]?.id;

/** An answered call between two native engines, each hearing the other. */
async function nativeCall() {
  const { a, b, callId } = await answeredCall(h.url, sockets);
  const bobHearsAnn = next(b.socket, 'media:offer');
  const annHearsBob = next(a.socket, 'media:offer');
  assert.ok((await a.socket.emitWithAck('media:publish', { callId, sdp: audioOffer() })).ok);
  assert.ok((await b.socket.emitWithAck('media:publish', { callId, sdp: audioOffer() })).ok);
  return { a, b, callId, offers: { a: (await annHearsBob).sdp, b: (await bobHearsAnn).sdp } };
}

/** `party` rebuilds its engine and publishes again: what it and its partner are offered. */
async function republish(party: Client, partner: Client, callId: CallId) {
  const ended: ServerEventPayload<'call:ended'>[] = [];
  for (const s of [party, partner]) s.on('call:ended', (e) => ended.push(e));
  const own = next(party, 'media:offer');
  const partners = next(partner, 'media:offer');
  const res = await party.emitWithAck('media:publish', { callId, sdp: audioOffer() });
  assert.ok(res.ok, `the republish is taken: ${JSON.stringify(res)}`);
  assert.match(res.data.sdp, /^v=0\r\n/);
  return { own: (await own).sdp, partners: (await partners).sdp, ended };
}

describe('a media-services reset: the native engine publishes again mid-call', { timeout: 60_000 }, () => {
  it('the callee: Ann is offered its new upstream, Bob his downstream again on a new transport', async () => {
    const { a, b, callId, offers } = await nativeCall();
    const after = await republish(b.socket, a.socket, callId);
    assert.notEqual(ssrcOf(after.partners), ssrcOf(offers.a), "Ann's downstream carries Bob's new producer");
    assert.notEqual(ufragOf(after.own), ufragOf(offers.b), "Bob's downstream is on a new transport");
    assert.deepEqual(after.ended, []);
    assert.ok((await a.socket.emitWithAck('call:hangup', { callId })).ok, 'the same call goes on');
  });

  it('the caller: the same, the other way round', async () => {
    const { a, b, callId, offers } = await nativeCall();
    const after = await republish(a.socket, b.socket, callId);
    assert.notEqual(ssrcOf(after.partners), ssrcOf(offers.b));
    assert.notEqual(ufragOf(after.own), ufragOf(offers.a));
    assert.deepEqual(after.ended, []);
    assert.ok((await b.socket.emitWithAck('call:hangup', { callId })).ok);
  });
});
