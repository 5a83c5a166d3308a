import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallState, EndReason } from '@softphone/sfu/protocol';
import { announcement } from '../src/app/announcement.ts';
import { initialPhoneState, newCall, type ActiveCall, type PhoneState } from '../src/call/phone-state.ts';

const self = { id: '00000000-0000-4000-8000-000000000001', displayName: 'Ann' };
const peer = { id: '00000000-0000-4000-8000-000000000002', displayName: 'Bob' };
const online: PhoneState = {
  ...initialPhoneState,
  connection: 'connected',
  account: { id: self.id, username: 'ann', displayName: 'Ann' },
  self,
};
const call: ActiveCall = newCall('outgoing', peer, null);
const inCall = { ...call, state: CallState.Answered, answeredAt: 1, audio: 'active' as const };

describe('the screen-reader announcement', () => {
  it('follows a call from dialling to the end', () => {
    const steps: [PhoneState, string][] = [
      [online, ''],
      [{ ...online, call }, 'Calling Bob…'],
      [{ ...online, call: { ...call, state: CallState.Ringing } }, 'Ringing Bob…'],
      [{ ...online, call: { ...call, direction: 'incoming' } }, 'Incoming call from Bob'],
      [{ ...online, call: inCall }, 'In call with Bob'],
      [{ ...online, call: { ...inCall, muted: true } }, 'Muted. In call with Bob'],
      [{ ...online, call: inCall }, 'In call with Bob'],
      [
        {
          ...online,
          call: {
            ...inCall,
            audio: 'failed',
            stalled: { 'to-peer': 'no-rtp-from-sender', 'from-peer': null },
          },
        },
        'Microphone unavailable',
      ],
      [{ ...online, call: { ...inCall, held: { self: true, peer: false } } }, 'Bob is on hold'],
      [{ ...online, call: { ...inCall, held: { self: false, peer: true } } }, 'Bob put you on hold'],
      [{ ...online, call: { ...inCall, audio: 'failed' } }, 'Microphone unavailable'],
      [{ ...online, call: { ...inCall, recovering: true } }, 'Connection lost, reconnecting…'],
      [
        { ...online, connection: 'reconnecting', call: { ...inCall, reconnecting: true } },
        'Reconnecting… the call with Bob goes on',
      ],
      [
        { ...online, call: { ...inCall, peerReconnecting: true } },
        "Bob's connection dropped — reconnecting…",
      ],
      [
        { ...online, call: { ...inCall, stalled: { 'to-peer': 'no-rtp-from-sender', 'from-peer': null } } },
        "Bob can't hear you. Check your microphone and your network connection.",
      ],
      [
        { ...online, call: { ...inCall, stalled: { 'to-peer': null, 'from-peer': 'no-rtp-from-sender' } } },
        "You can't hear Bob. Nothing arrives from Bob: their microphone or network may have a problem. If it does not come back, hang up and call again.",
      ],
      [{ ...online, call: inCall }, 'In call with Bob'],
      [
        {
          ...online,
          ended: {
            peer,
            direction: 'outgoing',
            reason: EndReason.Declined,
            by: 'peer',
            message: 'Bob declined the call',
            durationMs: null,
          },
        },
        'Call ended. Bob declined the call',
      ],
    ];
    for (const [state, said] of steps) assert.equal(announcement(state), said);
  });

  it('says the connection is lost, even during a call', () => {
    const s: PhoneState = {
      ...online,
      call: inCall,
      connection: 'reconnecting',
      notice: 'Connection lost, reconnecting…',
    };
    assert.equal(announcement(s), 'Connection lost, reconnecting…');
  });

  it('says the connection is weak once, whatever figure keeps it poor, and not while it is fair', () => {
    const poor = (cause: 'loss' | 'jitter' | 'delay'): PhoneState => ({
      ...online,
      call: { ...inCall, quality: { level: 'poor', cause, relayed: false } },
    });
    assert.equal(announcement(poor('loss')), 'Your connection is weak');
    // A live region speaks when its text changes: the same text for every cause is said once.
    assert.equal(announcement(poor('jitter')), announcement(poor('loss')));
    assert.equal(announcement(poor('delay')), announcement(poor('loss')));
    assert.equal(
      announcement({
        ...online,
        call: { ...inCall, quality: { level: 'fair', cause: 'jitter', relayed: true } },
      }),
      'In call with Bob',
    );
  });
});
