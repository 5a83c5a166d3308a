import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  actorOf,
  CALL_EVENT_TYPES,
  transition,
  type CallEvent,
  type CallEventType,
  type EndedBy,
  type Role,
} from '../../src/call/call-machine.ts';
import { CallState, EndReason, ErrorCode } from '../../src/protocol/index.ts';

const S = CallState;
const R = EndReason;

type Expected =
  | { kind: 'move'; state: CallState }
  | { kind: 'stay' }
  | { kind: 'end'; reason: EndReason; by: EndedBy }
  | { kind: 'refuse'; code: ErrorCode };
const move = (state: CallState): Expected => ({ kind: 'move', state });
const stay: Expected = { kind: 'stay' };
const end = (reason: EndReason, by: EndedBy): Expected => ({ kind: 'end', reason, by });
const refuse = (code: ErrorCode): Expected => ({ kind: 'refuse', code });
const invalid = refuse(ErrorCode.InvalidState);
const notFound = refuse(ErrorCode.CallNotFound);
const gone = refuse(ErrorCode.CallNoLongerAvailable);

/** An event that names a party has one expected outcome per role. */
type Cell<K extends CallEventType> =
  Extract<CallEvent, { type: K }> extends { by: Role } | { who: Role } ? Record<Role, Expected> : Expected;
type RoleEvent = { [K in CallEventType]: Cell<K> extends Expected ? never : K }[CallEventType];

/** Which field carries the party, for each event that names one. */
const ROLE_FIELD = {
  hangup: 'by',
  disconnect: 'who',
  'leg-failed': 'who',
  'media-lost': 'who',
} satisfies Record<RoleEvent, 'by' | 'who'>;

const both = (e: Expected) => ({ caller: e, callee: e });
const byRole = (f: (role: Role) => Expected) => ({ caller: f('caller'), callee: f('callee') });

/**
 * The expected outcome of every (state, event) pair. The compiler refuses this table when a state
 * or an event has no cell, and the first test below fails at run time for the same reason.
 */
const EXPECTED = {
  [S.Calling]: {
    ring: move(S.Ringing),
    report: move(S.Ringing),
    'notification-shown': move(S.Ringing),
    answer: move(S.Answered),
    'answer-failed': end(R.AnswerFailed, 'callee'),
    decline: end(R.Declined, 'callee'),
    hangup: { caller: end(R.Cancelled, 'caller'), callee: end(R.Declined, 'callee') },
    hold: invalid,
    negotiate: stay,
    busy: end(R.Busy, 'callee'),
    unreachable: end(R.Unreachable, 'server'),
    'no-answer-timeout': end(R.NoAnswer, 'server'),
    'report-timeout': end(R.Unreachable, 'server'),
    disconnect: byRole((r) => end(R.Disconnected, r)),
    'ringing-device-left': stay,
    'media-server-restarted': end(R.MediaServerRestarted, 'server'),
    'media-failed': end(R.MediaFailed, 'server'),
    'leg-failed': both(end(R.MediaFailed, 'server')),
    'media-lost': byRole((r) => end(R.MediaLost, r)),
    'media-stall': stay,
    'media-recovered': stay,
  },
  [S.Ringing]: {
    ring: invalid,
    report: stay,
    'notification-shown': stay,
    answer: move(S.Answered),
    'answer-failed': end(R.AnswerFailed, 'callee'),
    decline: end(R.Declined, 'callee'),
    hangup: { caller: end(R.Cancelled, 'caller'), callee: end(R.Declined, 'callee') },
    hold: invalid,
    negotiate: stay,
    busy: invalid,
    unreachable: invalid,
    'no-answer-timeout': end(R.NoAnswer, 'server'),
    'report-timeout': stay,
    disconnect: byRole((r) => end(R.Disconnected, r)),
    'ringing-device-left': stay,
    'media-server-restarted': end(R.MediaServerRestarted, 'server'),
    'media-failed': end(R.MediaFailed, 'server'),
    'leg-failed': both(end(R.MediaFailed, 'server')),
    'media-lost': byRole((r) => end(R.MediaLost, r)),
    'media-stall': stay,
    'media-recovered': stay,
  },
  [S.Answered]: {
    ring: invalid,
    report: gone,
    'notification-shown': gone,
    answer: invalid,
    'answer-failed': end(R.AnswerFailed, 'callee'),
    decline: invalid,
    hangup: byRole((r) => end(R.HungUp, r)),
    hold: stay,
    negotiate: stay,
    busy: invalid,
    unreachable: invalid,
    'no-answer-timeout': stay,
    'report-timeout': stay,
    disconnect: byRole((r) => end(R.Disconnected, r)),
    'ringing-device-left': invalid,
    'media-server-restarted': end(R.MediaServerRestarted, 'server'),
    'media-failed': end(R.MediaFailed, 'server'),
    'leg-failed': byRole((r) => end(R.MediaLost, r)),
    'media-lost': byRole((r) => end(R.MediaLost, r)),
    'media-stall': stay,
    'media-recovered': stay,
  },
  [S.Ended]: {
    ring: notFound,
    report: gone,
    'notification-shown': gone,
    answer: notFound,
    'answer-failed': notFound,
    decline: notFound,
    hangup: both(notFound),
    hold: notFound,
    negotiate: notFound,
    busy: stay,
    unreachable: stay,
    'no-answer-timeout': stay,
    'report-timeout': stay,
    disconnect: both(notFound),
    'ringing-device-left': stay,
    'media-server-restarted': stay,
    'media-failed': stay,
    'leg-failed': both(stay),
    'media-lost': both(notFound),
    'media-stall': stay,
    'media-recovered': stay,
  },
} satisfies Record<CallState, { [K in CallEventType]: Cell<K> }>;

/** Every concrete event of the table: one per event type, or one per role for those that name one. */
function cases(state: CallState): [CallEvent, Expected][] {
  const row: Record<string, Expected | Record<Role, Expected>> = EXPECTED[state as keyof typeof EXPECTED];
  return Object.entries(row).flatMap(([type, cell]): [CallEvent, Expected][] => {
    if ('kind' in cell) return [[{ type } as CallEvent, cell as Expected]];
    const field = ROLE_FIELD[type as RoleEvent];
    return (['caller', 'callee'] as const).map((role) => [
      { type, [field]: role } as CallEvent,
      (cell as Record<Role, Expected>)[role],
    ]);
  });
}

const label = (e: CallEvent) => `${e.type}${'by' in e ? `(${e.by})` : ''}${'who' in e ? `(${e.who})` : ''}`;
const show = (x: Expected) =>
  x.kind === 'move'
    ? x.state
    : x.kind === 'end'
      ? `ended(${x.reason}, ${x.by})`
      : x.kind === 'refuse'
        ? x.code
        : 'stays';

describe('call state machine', () => {
  it('has an expected outcome for every state and every event', () => {
    assert.deepEqual(Object.keys(EXPECTED).sort(), Object.values(CallState).sort(), 'states');
    for (const state of Object.values(CallState)) {
      const row = EXPECTED[state as keyof typeof EXPECTED];
      assert.deepEqual(Object.keys(row ?? {}).sort(), [...CALL_EVENT_TYPES].sort(), `events in ${state}`);
    }
  });

  for (const state of Object.values(CallState)) {
    for (const [event, expected] of cases(state)) {
      it(`${state} + ${label(event)} → ${show(expected)}`, () => {
        const t = transition(state, event);
        const { message, ...outcome } = { message: undefined, ...t };
        if (t.kind === 'refuse') assert.match(String(message), /\S/, 'a refusal says why');
        assert.deepEqual(outcome, expected);
      });
    }
  }

  it('only the callee may ring, answer or decline; either party may hang up', () => {
    assert.equal(actorOf('ring'), 'callee');
    assert.equal(actorOf('answer'), 'callee');
    assert.equal(actorOf('decline'), 'callee');
    assert.equal(actorOf('answer-failed'), 'callee');
    assert.equal(actorOf('hangup'), undefined);
  });
});
