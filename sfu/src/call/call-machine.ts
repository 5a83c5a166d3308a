/**
 * The call lifecycle as one table: for each state, every event and what it does there. Pure: no
 * I/O, no timers. `call-session.ts` runs the side effects of each outcome.
 *
 *   calling ──ring / report / notification-shown──▶ ringing ──answer──▶ answered
 *      │                          │                                        │
 *      └── cancel / decline / busy / no-answer / reconnect-timeout / media failure ──▶ ended
 *
 * A party whose signalling drops (`party-away`) stays in the call, its media still flowing, until
 * it reconnects (`party-back`) or the reconnect grace runs out (`reconnect-timeout`).
 *
 * Every (state, event) cell is written out, so adding a state or an event does not compile until
 * each new cell says what happens.
 */
import { CallState, EndReason, ErrorCode } from '../protocol/index.ts';

export type Role = 'caller' | 'callee';

export type CallEvent =
  /** A callee device says it is alerting (`call:ringing`). */
  | { type: 'ring' }
  /** A callee device woken by a push has reported the call to CallKit: it rings with the others. */
  | { type: 'report' }
  /** A Web Push notification for the call is showing on one of the callee's browsers. */
  | { type: 'notification-shown' }
  | { type: 'answer' }
  /** The callee's device could not complete its answer (refused, or not confirmed in time). */
  | { type: 'answer-failed' }
  | { type: 'decline' }
  /** A party's own hang-up button: cancel before answer, hang-up after. */
  | { type: 'hangup'; by: Role }
  /** A party puts the call on hold or resumes it. */
  | { type: 'hold' }
  /** A party's media negotiation step: publish, subscription answer, candidate, ICE restart. */
  | { type: 'negotiate' }
  | { type: 'busy' }
  /** The callee has no device that can ring. */
  | { type: 'unreachable' }
  | { type: 'no-answer-timeout' }
  /** No device woken by a push reported the call in time. */
  | { type: 'report-timeout' }
  /** A party's device in the call lost its last connection to the server: the reconnect grace starts. */
  | { type: 'party-away'; who: Role }
  /** That device connected again within the grace: it gets the call back. */
  | { type: 'party-back'; who: Role }
  /** That device did not connect again within the grace. */
  | { type: 'reconnect-timeout'; who: Role }
  /**
   * A ringing callee device lost its connection while another device can still take the call (one
   * rings too, or a push-woken one has yet to report): it stops ringing, the call goes on.
   */
  | { type: 'ringing-device-left' }
  | { type: 'media-server-restarted' }
  /** The node holding the call is going away (declared dead, or past its drain deadline). */
  | { type: 'server-lost' }
  /** The media room could not be opened, or a subscription could not be set up. */
  | { type: 'media-failed' }
  /** The media server gave up on one of a party's legs (ICE failed, or it hung the leg up). */
  | { type: 'leg-failed'; who: Role }
  /** A party's media dropped and its ICE restarts did not bring it back. */
  | { type: 'media-lost'; who: Role }
  /** A direction of the answered call carries no audio (the SFU's counters), or does again. */
  | { type: 'media-stall' }
  | { type: 'media-recovered' };

export type CallEventType = CallEvent['type'];

export type EndedBy = Role | 'server';

type LiveState = Exclude<CallState, CallState.Ended>;

export type Transition =
  /** The call moves to another live state. */
  | { kind: 'move'; state: LiveState }
  /** The state does not change; the event's own effect (if any) still happens. */
  | { kind: 'stay' }
  | { kind: 'end'; reason: EndReason; by: EndedBy }
  /** The event is refused in this state; the sender is told why. */
  | { kind: 'refuse'; code: ErrorCode; message: string };

/** Which role may send each party-initiated event. */
const ACTOR: Partial<Record<CallEventType, Role>> = {
  ring: 'callee',
  answer: 'callee',
  'answer-failed': 'callee',
  decline: 'callee',
};

export function actorOf(event: CallEventType): Role | undefined {
  return ACTOR[event];
}

const end = (reason: EndReason, by: EndedBy): Transition => ({ kind: 'end', reason, by });
const move = (state: LiveState): Transition => ({ kind: 'move', state });
const stay = (): Transition => ({ kind: 'stay' });
const refuse =
  (code: ErrorCode) =>
  (e: CallEvent, state: CallState): Transition => ({
    kind: 'refuse',
    code,
    message: `cannot ${e.type} a call that is ${state}`,
  });
const invalid = refuse(ErrorCode.InvalidState);
const noLongerAvailable = (): Transition => ({
  kind: 'refuse',
  code: ErrorCode.CallNoLongerAvailable,
  message: 'the call is no longer available',
});

type Row = {
  [K in CallEventType]: (e: Extract<CallEvent, { type: K }>, state: CallState) => Transition;
};

/**
 * The same in every live state: failures end the call; media negotiation goes on; hold waits for
 * answer; a party whose signalling dropped keeps the call through the reconnect grace.
 */
const live = {
  'party-away': stay,
  'party-back': stay,
  'reconnect-timeout': (e) => end(EndReason.Disconnected, e.who),
  'media-server-restarted': () => end(EndReason.MediaServerRestarted, 'server'),
  'server-lost': () => end(EndReason.ServerLost, 'server'),
  'media-failed': () => end(EndReason.MediaFailed, 'server'),
  'media-lost': (e) => end(EndReason.MediaLost, e.who),
  // The callee's device gave up on its answer: whether or not the server had it, the call is over.
  'answer-failed': () => end(EndReason.AnswerFailed, 'callee'),
  hold: invalid,
  negotiate: stay,
  // A stall is told to both parties and healed where it can be; the call itself goes on.
  'media-stall': stay,
  'media-recovered': stay,
} satisfies Partial<Row>;

/** Before answer: the callee is being offered the call (calling) or is alerted (ringing). */
const unanswered = {
  ...live,
  report: () => move(CallState.Ringing),
  'notification-shown': () => move(CallState.Ringing),
  // A callee may answer from a push-woken device before its ringing report reaches us.
  answer: () => move(CallState.Answered),
  decline: () => end(EndReason.Declined, 'callee'),
  hangup: (e) => (e.by === 'caller' ? end(EndReason.Cancelled, 'caller') : end(EndReason.Declined, 'callee')),
  'no-answer-timeout': () => end(EndReason.NoAnswer, 'server'),
  'ringing-device-left': stay,
  // Before answer, a leg that fails is a media path that could not be set up.
  'leg-failed': () => end(EndReason.MediaFailed, 'server'),
} satisfies Partial<Row>;

const TABLE: Record<CallState, Row> = {
  [CallState.Calling]: {
    ...unanswered,
    ring: () => move(CallState.Ringing),
    busy: () => end(EndReason.Busy, 'callee'),
    unreachable: () => end(EndReason.Unreachable, 'server'),
    'report-timeout': () => end(EndReason.Unreachable, 'server'),
  },
  [CallState.Ringing]: {
    ...unanswered,
    ring: invalid,
    // Another device joins the ringing; the caller already hears ringing.
    report: stay,
    'notification-shown': stay,
    busy: invalid,
    unreachable: invalid,
    // A device is alerting: the call now waits for an answer, not for a report.
    'report-timeout': stay,
  },
  [CallState.Answered]: {
    ...live,
    ring: invalid,
    report: noLongerAvailable,
    'notification-shown': noLongerAvailable,
    answer: invalid,
    decline: invalid,
    hangup: (e) => end(EndReason.HungUp, e.by),
    hold: stay,
    busy: invalid,
    unreachable: invalid,
    // Timers that fire late change nothing.
    'no-answer-timeout': stay,
    'report-timeout': stay,
    // After answer no other device rings.
    'ringing-device-left': invalid,
    // After answer it is a connection that dropped (the media server gave up on it).
    'leg-failed': (e) => end(EndReason.MediaLost, e.who),
  },
  // A party acting on an ended call is told it is gone; the server's own late events change nothing.
  [CallState.Ended]: {
    ring: refuse(ErrorCode.CallNotFound),
    report: noLongerAvailable,
    'notification-shown': noLongerAvailable,
    answer: refuse(ErrorCode.CallNotFound),
    'answer-failed': refuse(ErrorCode.CallNotFound),
    decline: refuse(ErrorCode.CallNotFound),
    hangup: refuse(ErrorCode.CallNotFound),
    hold: refuse(ErrorCode.CallNotFound),
    negotiate: refuse(ErrorCode.CallNotFound),
    'media-lost': refuse(ErrorCode.CallNotFound),
    // A device that comes back to an ended call has nothing to resume; its grace ran for nothing.
    'party-away': stay,
    'party-back': stay,
    'reconnect-timeout': stay,
    busy: stay,
    unreachable: stay,
    'no-answer-timeout': stay,
    'report-timeout': stay,
    'ringing-device-left': stay,
    'media-server-restarted': stay,
    'server-lost': stay,
    'media-failed': stay,
    'leg-failed': stay,
    'media-stall': stay,
    'media-recovered': stay,
  },
};

/** Every event type, in the table's order. */
export const CALL_EVENT_TYPES = Object.keys(TABLE[CallState.Calling]) as CallEventType[];

export function transition(state: CallState, event: CallEvent): Transition {
  const handler = TABLE[state][event.type] as (e: CallEvent, s: CallState) => Transition;
  return handler(event, state);
}
