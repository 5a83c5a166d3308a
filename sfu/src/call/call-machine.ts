/**
 * The call lifecycle as one table: for each state, the events it accepts and where they lead.
 * Pure: no I/O, no timers. `call-session.ts` runs the side effects of each transition.
 *
 *   calling ──ring──▶ ringing ──answer──▶ answered
 *      │                 │                    │
 *      └──── cancel / decline / busy / no-answer / disconnect / media failure ──▶ ended
 */
import { CallState, EndReason, ErrorCode } from '../protocol/index.ts';

export type Role = 'caller' | 'callee';

export type CallEvent =
  /** The callee's device is alerting. */
  | { type: 'ring' }
  | { type: 'answer' }
  | { type: 'decline' }
  /** A party's own hang-up button: cancel before answer, hang-up after. */
  | { type: 'hangup'; by: Role }
  | { type: 'busy' }
  /** The callee has no device that can ring. */
  | { type: 'unreachable' }
  | { type: 'no-answer-timeout' }
  | { type: 'disconnect'; who: Role }
  | { type: 'media-server-restarted' }
  | { type: 'media-failed' }
  /** A party's media dropped and its ICE restarts did not bring it back. */
  | { type: 'media-lost'; who: Role };

export type EndedBy = Role | 'server';

export type Transition =
  | { ok: true; state: Exclude<CallState, CallState.Ended> }
  | { ok: true; state: CallState.Ended; reason: EndReason; by: EndedBy }
  | { ok: false; code: ErrorCode; message: string };

/** Which role may send each party-initiated event. */
const ACTOR: Partial<Record<CallEvent['type'], Role>> = {
  ring: 'callee',
  answer: 'callee',
  decline: 'callee',
};

export function actorOf(event: CallEvent['type']): Role | undefined {
  return ACTOR[event];
}

const end = (reason: EndReason, by: EndedBy): Transition => ({
  ok: true,
  state: CallState.Ended,
  reason,
  by,
});
const to = (state: CallState.Calling | CallState.Ringing | CallState.Answered): Transition => ({
  ok: true,
  state,
});

type Row = { [K in CallEvent['type']]?: (e: Extract<CallEvent, { type: K }>) => Transition };

/** Failures that end a call the same way in every live state. */
const always: Row = {
  disconnect: (e) => end(EndReason.Disconnected, e.who),
  'media-server-restarted': () => end(EndReason.MediaServerRestarted, 'server'),
  'media-failed': () => end(EndReason.MediaFailed, 'server'),
  'media-lost': (e) => end(EndReason.MediaLost, e.who),
};

const TABLE: Record<CallState, Row> = {
  [CallState.Calling]: {
    ...always,
    ring: () => to(CallState.Ringing),
    // A callee may answer from a push-woken device before its ringing report reaches us.
    answer: () => to(CallState.Answered),
    decline: () => end(EndReason.Declined, 'callee'),
    hangup: (e) =>
      e.by === 'caller' ? end(EndReason.Cancelled, 'caller') : end(EndReason.Declined, 'callee'),
    busy: () => end(EndReason.Busy, 'callee'),
    unreachable: () => end(EndReason.Unreachable, 'server'),
    'no-answer-timeout': () => end(EndReason.NoAnswer, 'server'),
  },
  [CallState.Ringing]: {
    ...always,
    answer: () => to(CallState.Answered),
    decline: () => end(EndReason.Declined, 'callee'),
    hangup: (e) =>
      e.by === 'caller' ? end(EndReason.Cancelled, 'caller') : end(EndReason.Declined, 'callee'),
    'no-answer-timeout': () => end(EndReason.NoAnswer, 'server'),
  },
  [CallState.Answered]: {
    ...always,
    hangup: (e) => end(EndReason.HungUp, e.by),
  },
  [CallState.Ended]: {},
};

export function transition(state: CallState, event: CallEvent): Transition {
  const handler = TABLE[state][event.type] as ((e: CallEvent) => Transition) | undefined;
  if (!handler) {
    return {
      ok: false,
      code: state === CallState.Ended ? ErrorCode.CallNotFound : ErrorCode.InvalidState,
      message: `cannot ${event.type} a call that is ${state}`,
    };
  }
  return handler(event);
}
