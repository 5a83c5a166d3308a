/**
 * The call table's behaviour: the call lives that matter, played event by event, and the rules every
 * cell keeps. Not a copy of the table cell by cell: a copy only detects that a cell changed, never that
 * it is wrong.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  actorOf,
  CALL_EVENT_TYPES,
  transition,
  type CallEvent,
  type EndedBy,
  type Transition,
} from '../../src/call/call-machine.ts';
import { CallState, EndReason, ErrorCode } from '../../src/protocol/index.ts';

const S = CallState;
const R = EndReason;

/** Plays `events` from `from` as call-session does: a move changes the state, an end ends the call. */
function play(from: CallState, ...events: CallEvent[]): { state: CallState; last: Transition } {
  let state = from;
  let last: Transition = { kind: 'stay' };
  for (const e of events) {
    last = transition(state, e);
    if (last.kind === 'move') state = last.state;
    else if (last.kind === 'end') state = S.Ended;
  }
  return { state, last };
}

const ended = (reason: EndReason, by: EndedBy) => ({ kind: 'end', reason, by });
const refused = (t: Transition): ErrorCode | null => (t.kind === 'refuse' ? t.code : null);

/** Every concrete event: one per type, one per role for those that name a party. */
const ALL_EVENTS: CallEvent[] = CALL_EVENT_TYPES.flatMap((type): CallEvent[] => {
  if (type === 'hangup')
    return [
      { type, by: 'caller' },
      { type, by: 'callee' },
    ];
  if (
    type === 'party-away' ||
    type === 'party-back' ||
    type === 'reconnect-timeout' ||
    type === 'leg-failed' ||
    type === 'media-lost'
  )
    return [
      { type, who: 'caller' },
      { type, who: 'callee' },
    ];
  return [{ type } as CallEvent];
});
const LIVE = [S.Calling, S.Ringing, S.Answered];

describe('call state machine: the lives of a call', () => {
  it('rings, is answered and hung up: ended as hung up by whoever hung up', () => {
    const r = play(S.Calling, { type: 'ring' }, { type: 'answer' }, { type: 'hangup', by: 'callee' });
    assert.deepEqual(r.last, ended(R.HungUp, 'callee'));
  });

  it('a push-woken device may answer before any ringing report reached the server', () => {
    assert.equal(play(S.Calling, { type: 'report' }).state, S.Ringing);
    assert.equal(play(S.Calling, { type: 'answer' }).state, S.Answered);
  });

  it('before the answer, the caller hanging up cancels and the callee hanging up declines', () => {
    assert.deepEqual(play(S.Ringing, { type: 'hangup', by: 'caller' }).last, ended(R.Cancelled, 'caller'));
    assert.deepEqual(play(S.Ringing, { type: 'hangup', by: 'callee' }).last, ended(R.Declined, 'callee'));
    assert.deepEqual(play(S.Calling, { type: 'decline' }).last, ended(R.Declined, 'callee'));
  });

  it('no device reporting in time ends an unrung call as unreachable; once one rings the call waits', () => {
    assert.deepEqual(play(S.Calling, { type: 'report-timeout' }).last, ended(R.Unreachable, 'server'));
    const rung = play(S.Calling, { type: 'ring' }, { type: 'report-timeout' });
    assert.deepEqual([rung.state, rung.last.kind], [S.Ringing, 'stay']);
    assert.deepEqual(play(S.Ringing, { type: 'no-answer-timeout' }).last, ended(R.NoAnswer, 'server'));
  });

  it('one of several ringing devices leaving keeps the call ringing', () => {
    assert.equal(play(S.Ringing, { type: 'ringing-device-left' }).state, S.Ringing);
  });

  it('after the answer: late timers change nothing, another device cannot join, a second answer is refused', () => {
    for (const late of ['no-answer-timeout', 'report-timeout'] as const)
      assert.deepEqual(play(S.Answered, { type: late }), { state: S.Answered, last: { kind: 'stay' } });
    assert.equal(refused(play(S.Answered, { type: 'report' }).last), ErrorCode.CallNoLongerAvailable);
    assert.equal(
      refused(play(S.Answered, { type: 'notification-shown' }).last),
      ErrorCode.CallNoLongerAvailable,
    );
    assert.equal(refused(play(S.Answered, { type: 'answer' }).last), ErrorCode.InvalidState);
    assert.equal(refused(play(S.Answered, { type: 'ringing-device-left' }).last), ErrorCode.InvalidState);
  });

  it('a failed leg before the answer is a path never set up; after it, that party lost its media', () => {
    assert.deepEqual(
      play(S.Ringing, { type: 'leg-failed', who: 'callee' }).last,
      ended(R.MediaFailed, 'server'),
    );
    assert.deepEqual(
      play(S.Answered, { type: 'leg-failed', who: 'callee' }).last,
      ended(R.MediaLost, 'callee'),
    );
  });

  it('hold only once answered', () => {
    assert.equal(refused(play(S.Ringing, { type: 'hold' }).last), ErrorCode.InvalidState);
    assert.equal(play(S.Answered, { type: 'hold' }).state, S.Answered);
  });

  it("an ended call: a party acting on it is told it is gone, the server's late events change nothing", () => {
    const over = play(S.Calling, { type: 'ring' }, { type: 'hangup', by: 'caller' });
    assert.equal(over.state, S.Ended);
    for (const e of [
      { type: 'answer' },
      { type: 'decline' },
      { type: 'hangup', by: 'callee' },
      { type: 'negotiate' },
      { type: 'hold' },
    ] as CallEvent[])
      assert.equal(refused(transition(S.Ended, e)), ErrorCode.CallNotFound, e.type);
    for (const e of [{ type: 'no-answer-timeout' }, { type: 'media-server-restarted' }] as CallEvent[])
      assert.equal(transition(S.Ended, e).kind, 'stay', e.type);
  });

  it('only the callee may ring, answer or decline; either party may hang up', () => {
    assert.equal(actorOf('ring'), 'callee');
    assert.equal(actorOf('answer'), 'callee');
    assert.equal(actorOf('decline'), 'callee');
    assert.equal(actorOf('answer-failed'), 'callee');
    assert.equal(actorOf('hangup'), undefined);
  });
});

describe('call state machine: rules every cell keeps', () => {
  it('a party whose connection drops keeps the call; it ends only when the reconnect grace runs out', () => {
    for (const state of LIVE) {
      const back = play(state, { type: 'party-away', who: 'callee' }, { type: 'party-back', who: 'callee' });
      assert.equal(back.state, state, `${state}: away and back`);
      assert.deepEqual(
        play(state, { type: 'party-away', who: 'caller' }, { type: 'reconnect-timeout', who: 'caller' }).last,
        ended(R.Disconnected, 'caller'),
      );
    }
  });

  it('any live call ends when its media is lost or the media server restarts', () => {
    for (const state of LIVE) {
      assert.deepEqual(
        transition(state, { type: 'media-lost', who: 'callee' }),
        ended(R.MediaLost, 'callee'),
      );
      assert.deepEqual(
        transition(state, { type: 'media-server-restarted' }),
        ended(R.MediaServerRestarted, 'server'),
      );
    }
  });

  it('an answer that did not get through ends the call as answer failed, whatever the server saw of it', () => {
    for (const state of LIVE)
      assert.deepEqual(transition(state, { type: 'answer-failed' }), ended(R.AnswerFailed, 'callee'));
    assert.equal(actorOf('answer-failed'), 'callee');
  });

  it('a media stall or its recovery is told and kept, and changes no state', () => {
    for (const state of Object.values(CallState))
      for (const type of ['media-stall', 'media-recovered'] as const)
        assert.deepEqual(transition(state, { type }), { kind: 'stay' }, `${state} + ${type}`);
  });

  it('media negotiation goes on in every live state', () => {
    for (const state of LIVE) assert.deepEqual(transition(state, { type: 'negotiate' }), { kind: 'stay' });
  });

  it('no event revives an ended call or goes back to calling, and every refusal says why', () => {
    for (const state of Object.values(CallState))
      for (const e of ALL_EVENTS) {
        const t = transition(state, e);
        if (t.kind === 'move') {
          assert.notEqual(state, S.Ended, `${e.type} revived an ended call`);
          assert.notEqual(t.state, S.Calling, `${state} + ${e.type} went back to calling`);
        }
        if (t.kind === 'refuse') assert.match(t.message, /\S/, `${state} + ${e.type}`);
      }
  });
});
