import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallState } from '@softphone/sfu/protocol';
import type { ActiveCall } from '../src/call/phone-state.ts';
import { ringSoundOf } from '../src/call/ring-sound.ts';

const peer = { id: '00000000-0000-4000-8000-000000000002', displayName: 'Bob' };
const call: ActiveCall = {
  id: null,
  direction: 'outgoing',
  peer,
  state: CallState.Calling,
  answeredAt: null,
  muted: false,
  audio: 'idle',
  held: { self: false, peer: false },
  recovering: false,
  reconnecting: false,
  peerReconnecting: false,
  stalled: { 'to-peer': null, 'from-peer': null },
  route: null,
};

describe('what the page sounds before an answer', () => {
  it('rings back only once a callee device rings, and stops when the callee answers', () => {
    assert.equal(ringSoundOf({ call }), null);
    assert.equal(ringSoundOf({ call: { ...call, state: CallState.Ringing } }), 'ringback');
    assert.equal(ringSoundOf({ call: { ...call, state: CallState.Answered, answeredAt: 1 } }), null);
  });

  it('rings an incoming call until it is answered here', () => {
    const incoming = { ...call, direction: 'incoming' as const, state: CallState.Ringing };
    assert.equal(ringSoundOf({ call: incoming }), 'ringtone');
    // Answering sets answeredAt before the server confirms: the ringing stops on the click.
    assert.equal(ringSoundOf({ call: { ...incoming, answeredAt: 1 } }), null);
  });

  it('is silent with no call: declined, cancelled, answered elsewhere and ended calls all leave none', () => {
    assert.equal(ringSoundOf({ call: null }), null);
  });
});
