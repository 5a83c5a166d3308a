import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actorOf, transition, type CallEvent } from '../../src/call/call-machine.ts';
import { CallState, EndReason, ErrorCode } from '../../src/protocol/index.ts';

const S = CallState;
const R = EndReason;

/** [from, event, expected]: expected is a state, an [Ended, reason, by] triple, or an error code. */
const TABLE: [CallState, CallEvent, CallState | [EndReason, string] | ErrorCode][] = [
  [S.Calling, { type: 'ring' }, S.Ringing],
  [S.Calling, { type: 'answer' }, S.Answered],
  [S.Calling, { type: 'decline' }, [R.Declined, 'callee']],
  [S.Calling, { type: 'hangup', by: 'caller' }, [R.Cancelled, 'caller']],
  [S.Calling, { type: 'hangup', by: 'callee' }, [R.Declined, 'callee']],
  [S.Calling, { type: 'busy' }, [R.Busy, 'callee']],
  [S.Calling, { type: 'unreachable' }, [R.Unreachable, 'server']],
  [S.Calling, { type: 'no-answer-timeout' }, [R.NoAnswer, 'server']],
  [S.Calling, { type: 'disconnect', who: 'callee' }, [R.Disconnected, 'callee']],
  [S.Calling, { type: 'media-server-restarted' }, [R.MediaServerRestarted, 'server']],
  [S.Calling, { type: 'media-failed' }, [R.MediaFailed, 'server']],
  [S.Ringing, { type: 'ring' }, ErrorCode.InvalidState],
  [S.Ringing, { type: 'answer' }, S.Answered],
  [S.Ringing, { type: 'decline' }, [R.Declined, 'callee']],
  [S.Ringing, { type: 'hangup', by: 'caller' }, [R.Cancelled, 'caller']],
  [S.Ringing, { type: 'hangup', by: 'callee' }, [R.Declined, 'callee']],
  [S.Ringing, { type: 'busy' }, ErrorCode.InvalidState],
  [S.Ringing, { type: 'unreachable' }, ErrorCode.InvalidState],
  [S.Ringing, { type: 'no-answer-timeout' }, [R.NoAnswer, 'server']],
  [S.Ringing, { type: 'disconnect', who: 'caller' }, [R.Disconnected, 'caller']],
  [S.Ringing, { type: 'media-server-restarted' }, [R.MediaServerRestarted, 'server']],
  [S.Answered, { type: 'ring' }, ErrorCode.InvalidState],
  [S.Answered, { type: 'answer' }, ErrorCode.InvalidState],
  [S.Answered, { type: 'decline' }, ErrorCode.InvalidState],
  [S.Answered, { type: 'hangup', by: 'caller' }, [R.HungUp, 'caller']],
  [S.Answered, { type: 'hangup', by: 'callee' }, [R.HungUp, 'callee']],
  [S.Answered, { type: 'no-answer-timeout' }, ErrorCode.InvalidState],
  [S.Answered, { type: 'busy' }, ErrorCode.InvalidState],
  [S.Answered, { type: 'disconnect', who: 'callee' }, [R.Disconnected, 'callee']],
  [S.Answered, { type: 'media-server-restarted' }, [R.MediaServerRestarted, 'server']],
  [S.Answered, { type: 'media-failed' }, [R.MediaFailed, 'server']],
  [S.Answered, { type: 'media-lost', who: 'caller' }, [R.MediaLost, 'caller']],
  [S.Answered, { type: 'media-lost', who: 'callee' }, [R.MediaLost, 'callee']],
  [S.Ended, { type: 'answer' }, ErrorCode.CallNotFound],
  [S.Ended, { type: 'hangup', by: 'caller' }, ErrorCode.CallNotFound],
  [S.Ended, { type: 'disconnect', who: 'caller' }, ErrorCode.CallNotFound],
];

describe('call state machine', () => {
  for (const [from, event, expected] of TABLE) {
    const label = `${from} + ${event.type}${'by' in event ? `(${event.by})` : ''}${'who' in event ? `(${event.who})` : ''}`;
    it(`${label} → ${Array.isArray(expected) ? `ended(${expected.join(', ')})` : expected}`, () => {
      const t = transition(from, event);
      if (Array.isArray(expected)) {
        assert.deepEqual(t, { ok: true, state: S.Ended, reason: expected[0], by: expected[1] });
      } else if (Object.values(ErrorCode).includes(expected as ErrorCode)) {
        assert.equal(t.ok, false);
        assert.equal(!t.ok && t.code, expected);
      } else {
        assert.deepEqual(t, { ok: true, state: expected });
      }
    });
  }

  it('only the callee may ring, answer or decline; either party may hang up', () => {
    assert.equal(actorOf('ring'), 'callee');
    assert.equal(actorOf('answer'), 'callee');
    assert.equal(actorOf('decline'), 'callee');
    assert.equal(actorOf('hangup'), undefined);
  });
});
