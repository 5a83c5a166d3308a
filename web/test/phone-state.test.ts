import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallState, EndReason } from '@softphone/sfu/protocol';
import { endMessage } from '../src/call/end-messages.ts';
import {
  applyPresence,
  initialPhoneState,
  microphoneMessage,
  screenOf,
  type PhoneState,
} from '../src/call/phone-state.ts';
import { formatDuration } from '../src/components/format.ts';

const self = { id: '00000000-0000-4000-8000-000000000001', displayName: 'Ann' };
const peer = { id: '00000000-0000-4000-8000-000000000002', displayName: 'Bob' };
const account = { id: self.id, username: 'ann', displayName: 'Ann' };
const online: PhoneState = { ...initialPhoneState, connection: 'connected', account, self };
const call = {
  id: null,
  peer,
  state: CallState.Calling,
  answeredAt: null,
  muted: false,
  audio: 'idle' as const,
  held: { self: false, peer: false },
  recovering: false,
  reconnecting: false,
  peerReconnecting: false,
  stalled: { 'to-peer': null, 'from-peer': null },
  route: null,
  quality: null,
};

describe('screenOf', () => {
  it('shows sign-in until signed in and welcomed by the server', () => {
    assert.equal(screenOf(initialPhoneState), 'sign-in');
    assert.equal(screenOf({ ...online, self: null }), 'sign-in');
    assert.equal(screenOf({ ...online, account: null }), 'sign-in');
  });
  it('shows people or history as chosen', () => {
    assert.equal(screenOf({ ...online, view: 'history' }), 'history');
  });
  it('follows the call: outgoing / incoming before answer, in-call after', () => {
    assert.equal(screenOf(online), 'contacts');
    assert.equal(screenOf({ ...online, call: { ...call, direction: 'outgoing' } }), 'outgoing');
    assert.equal(screenOf({ ...online, call: { ...call, direction: 'incoming' } }), 'incoming');
    assert.equal(screenOf({ ...online, call: { ...call, direction: 'incoming', answeredAt: 1 } }), 'in-call');
  });
  it('shows the ended screen until dismissed', () => {
    const ended = {
      peer,
      direction: 'outgoing' as const,
      reason: EndReason.Busy,
      by: 'peer' as const,
      message: '',
      durationMs: null,
    };
    assert.equal(screenOf({ ...online, ended }), 'ended');
  });
});

describe('microphoneMessage', () => {
  const answered = { ...call, direction: 'incoming' as const, answeredAt: 1 };
  it('says where to turn a denied microphone on, on every screen', () => {
    assert.match(
      microphoneMessage({ microphone: 'denied', call: null }) ?? '',
      /Settings › Softphone › Microphone/,
    );
  });
  it('says the other party hears nothing in a call answered before the prompt could show', () => {
    assert.match(microphoneMessage({ microphone: 'undetermined', call: answered }) ?? '', /can't hear you/);
    assert.equal(microphoneMessage({ microphone: 'undetermined', call: null }), null);
  });
  it('says nothing when granted, or outside the shell', () => {
    assert.equal(microphoneMessage({ microphone: 'granted', call: answered }), null);
    assert.equal(microphoneMessage({ microphone: null, call: answered }), null);
  });
});

describe('endMessage', () => {
  it('words each end from the reader’s side', () => {
    assert.equal(endMessage(EndReason.HungUp, 'self', 'outgoing', 'Bob'), 'You hung up');
    assert.equal(endMessage(EndReason.HungUp, 'peer', 'outgoing', 'Bob'), 'Bob hung up');
    assert.equal(endMessage(EndReason.Cancelled, 'peer', 'incoming', 'Bob'), 'Missed call from Bob');
    assert.equal(endMessage(EndReason.NoAnswer, 'server', 'outgoing', 'Bob'), 'Bob did not answer');
    assert.equal(
      endMessage(EndReason.MediaServerRestarted, 'server', 'incoming', 'Bob'),
      'Call failed: media server restarted',
    );
  });
});

describe('formatDuration', () => {
  it('formats minutes and hours', () => {
    assert.equal(formatDuration(65_000), '1:05');
    assert.equal(formatDuration(3_725_000), '1:02:05');
    assert.equal(formatDuration(-5), '0:00');
  });
});

describe('applyPresence', () => {
  const cy = { id: '00000000-0000-4000-8000-000000000003', displayName: 'Cy' };
  const al = { id: '00000000-0000-4000-8000-000000000004', displayName: 'Al' };

  it('moves one user between the lists their presence says, keeping the others and the order by name', () => {
    let s: Pick<PhoneState, 'users' | 'asleep'> = { users: [peer, cy], asleep: [] };
    s = applyPresence(s, { user: al, presence: 'online' });
    assert.deepEqual(s, { users: [al, peer, cy], asleep: [] });
    s = applyPresence(s, { user: peer, presence: 'asleep' });
    assert.deepEqual(s, { users: [al, cy], asleep: [peer] });
    s = applyPresence(s, { user: peer, presence: 'offline' });
    assert.deepEqual(s, { users: [al, cy], asleep: [] });
  });

  it('a repeated change lists the user once, under the name it carries now', () => {
    const renamed = { ...peer, displayName: 'Bobby' };
    const s = applyPresence({ users: [peer], asleep: [] }, { user: renamed, presence: 'online' });
    assert.deepEqual(s, { users: [renamed], asleep: [] });
  });
});
