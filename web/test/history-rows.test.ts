import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndReason, isMissed, type HistoryEntry, type Peer } from '@softphone/sfu/protocol';
import { callOutcome, recentPeople } from '../src/call/history-rows.ts';

const ann: Peer = { id: '00000000-0000-4000-8000-000000000001', displayName: 'Ann' };
const bob: Peer = { id: '00000000-0000-4000-8000-000000000002', displayName: 'Bob' };
const cy: Peer = { id: '00000000-0000-4000-8000-000000000003', displayName: 'Cy' };

function entry(
  peer: Peer,
  direction: HistoryEntry['direction'],
  endReason: EndReason | null,
  answered = false,
): HistoryEntry {
  const answeredAt = answered ? 2_000 : null;
  return {
    callId: crypto.randomUUID(),
    direction,
    peer,
    startedAt: 1_000,
    answeredAt,
    endedAt: endReason ? 9_000 : null,
    endReason,
    durationMs: answered && endReason ? 7_000 : null,
    missed: direction === 'incoming' && isMissed({ answeredAt, endReason }),
    unread: false,
    quality: null,
  };
}

describe('a call’s outcome in the history', () => {
  const cases: [HistoryEntry, string][] = [
    [entry(bob, 'incoming', EndReason.HungUp, true), 'answered'],
    [entry(bob, 'outgoing', EndReason.MediaLost, true), 'answered'],
    [entry(bob, 'incoming', EndReason.AnsweredElsewhere, true), 'answered'],
    [entry(bob, 'incoming', EndReason.Cancelled), 'missed'],
    [entry(bob, 'incoming', EndReason.NoAnswer), 'missed'],
    [entry(bob, 'incoming', EndReason.Declined), 'declined'],
    [entry(bob, 'outgoing', EndReason.Declined), 'declined'],
    [entry(bob, 'outgoing', EndReason.Cancelled), 'cancelled'],
    [entry(bob, 'outgoing', EndReason.Busy), 'not-answered'],
    [entry(bob, 'outgoing', EndReason.NoAnswer), 'not-answered'],
    [entry(bob, 'outgoing', EndReason.Unreachable), 'not-answered'],
    [entry(bob, 'outgoing', EndReason.MediaFailed), 'failed'],
    [entry(bob, 'incoming', EndReason.AnswerFailed), 'failed'],
    [entry(bob, 'outgoing', null), 'live'],
  ];
  for (const [e, outcome] of cases)
    it(`${e.direction} ${e.endReason ?? 'live'}${e.answeredAt ? ' answered' : ''} is ${outcome}`, () =>
      assert.equal(callOutcome(e), outcome));
});

describe('recent people', () => {
  it('are the people of the latest calls, newest first, each once, with their presence', () => {
    const history = [
      entry(bob, 'incoming', EndReason.HungUp, true),
      entry(cy, 'outgoing', EndReason.Unreachable),
      entry(bob, 'outgoing', EndReason.Declined),
      entry(ann, 'incoming', EndReason.Cancelled),
    ];
    assert.deepEqual(recentPeople({ history, users: [bob], asleep: [ann] }, 5), [
      { peer: bob, presence: 'online' },
      { peer: cy, presence: 'offline' },
      { peer: ann, presence: 'asleep' },
    ]);
  });

  it('stop at the number asked for', () => {
    const history = [entry(bob, 'incoming', null), entry(cy, 'incoming', null), entry(ann, 'incoming', null)];
    assert.deepEqual(
      recentPeople({ history, users: [], asleep: [] }, 2).map((r) => r.peer),
      [bob, cy],
    );
  });
});
