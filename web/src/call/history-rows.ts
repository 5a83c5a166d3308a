/** What the history and the people list make of past calls: each call's outcome, and recent people. */
import { EndReason, type HistoryEntry, type Peer, type PresenceState } from '@softphone/sfu/protocol';
import type { PhoneState } from './phone-state.ts';

/** How a call went, in the words a phone's call log uses. */
export type CallOutcome =
  'answered' | 'missed' | 'not-answered' | 'declined' | 'cancelled' | 'failed' | 'live';

/** The reasons a call that was never answered counts as failed, not as turned down or unanswered. */
const FAILED: ReadonlySet<EndReason> = new Set([
  EndReason.MediaFailed,
  EndReason.MediaLost,
  EndReason.MediaServerRestarted,
  EndReason.ServerLost,
  EndReason.AnswerFailed,
  EndReason.Disconnected,
]);

/**
 * One call's outcome for this user. Answered wins (the user answered here or on another device);
 * `missed` is the server's (`isMissed`, incoming only); an outgoing call the callee never picked up
 * (busy, no answer, unreachable) is `not-answered`.
 */
export function callOutcome(e: Pick<HistoryEntry, 'answeredAt' | 'endReason' | 'missed'>): CallOutcome {
  if (e.answeredAt !== null) return 'answered';
  if (e.endReason === null) return 'live';
  if (e.missed) return 'missed';
  if (e.endReason === EndReason.Declined) return 'declined';
  if (e.endReason === EndReason.Cancelled) return 'cancelled';
  if (FAILED.has(e.endReason)) return 'failed';
  return 'not-answered';
}

export interface RecentPerson {
  peer: Peer;
  presence: PresenceState;
}

/**
 * The people of the latest calls, newest first, each once, with their presence from the contact
 * lists (someone in neither is offline: still callable, a push may be registered since).
 */
export function recentPeople(
  s: Pick<PhoneState, 'history' | 'users' | 'asleep'>,
  max: number,
): RecentPerson[] {
  const seen = new Map<string, RecentPerson>();
  const presenceOf = (id: string): PresenceState =>
    s.users.some((u) => u.id === id) ? 'online' : s.asleep.some((u) => u.id === id) ? 'asleep' : 'offline';
  for (const e of s.history) {
    if (seen.size === max) break;
    if (!seen.has(e.peer.id)) seen.set(e.peer.id, { peer: e.peer, presence: presenceOf(e.peer.id) });
  }
  return [...seen.values()];
}
