/** Call history rows: written as a call moves through its states, read as a user's history. */
import { sql } from 'kysely';
import type { DirectionRecord } from '../media/direction-watch.ts';
import {
  EndReason,
  isMissed,
  MISSED_END_REASONS,
  type HistoryEntry,
  type MicPermission,
  type QualitySummary,
} from '../protocol/index.ts';
import type { Db } from './db.ts';

export interface CallsRepo {
  /** `homeNode`: the node holding the call, which alone writes its rows while it lives. */
  created(call: {
    id: string;
    callerId: string;
    calleeId: string;
    at: number;
    homeNode: string;
  }): Promise<void>;
  answered(id: string, at: number): Promise<void>;
  ended(id: string, at: number, reason: EndReason, endedBy: string): Promise<void>;
  /**
   * Ends every unfinished call of a node that is gone ({@link EndReason.ServerLost}, by the server)
   * and returns their ids. One statement: callers racing on the same node get disjoint sets, so each
   * call is finalised exactly once, by whoever returns it.
   */
  finaliseNode(homeNode: string, at: number): Promise<string[]>;
  saveQuality(callId: string, userId: string, summary: QualitySummary): Promise<void>;
  /** What the SFU saw of each direction of the call so far (replaces what was saved before). */
  saveDirections(callId: string, records: DirectionRecord[]): Promise<void>;
  directions(callId: string): Promise<DirectionRecord[]>;
  /** A party's microphone permission for the call (replaces what that party said before). */
  saveMicPermission(callId: string, userId: string, state: MicPermission, at: number): Promise<void>;
  /** Each party's microphone permission, by user id; a party that never said is absent. */
  micPermissions(callId: string): Promise<Record<string, MicPermission>>;
  /** Whether the user was the caller or the callee of this call. */
  isParty(callId: string, userId: string): Promise<boolean>;
  history(userId: string, limit: number): Promise<HistoryEntry[]>;
  unreadMissed(userId: string): Promise<number>;
  markSeen(userId: string, now: number): Promise<void>;
}

export class SqlCallsRepo implements CallsRepo {
  constructor(private readonly db: Db) {}

  async created(c: {
    id: string;
    callerId: string;
    calleeId: string;
    at: number;
    homeNode: string;
  }): Promise<void> {
    await this.db
      .insertInto('calls')
      .values({
        id: c.id,
        caller_id: c.callerId,
        callee_id: c.calleeId,
        created_at: c.at,
        home_node: c.homeNode,
      })
      .execute();
  }

  async answered(id: string, at: number): Promise<void> {
    await this.db.updateTable('calls').set({ answered_at: at }).where('id', '=', id).execute();
  }

  async ended(id: string, at: number, reason: EndReason, endedBy: string): Promise<void> {
    await this.db
      .updateTable('calls')
      .set({ ended_at: at, end_reason: reason, ended_by: endedBy })
      .where('id', '=', id)
      .where('ended_at', 'is', null)
      .execute();
  }

  async finaliseNode(homeNode: string, at: number): Promise<string[]> {
    const rows = await this.db
      .updateTable('calls')
      .set({ ended_at: at, end_reason: EndReason.ServerLost, ended_by: 'server' })
      .where('home_node', '=', homeNode)
      .where('ended_at', 'is', null)
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async saveQuality(callId: string, userId: string, summary: QualitySummary): Promise<void> {
    const json = JSON.stringify(summary);
    await this.db
      .insertInto('call_party_summaries')
      .values({ call_id: callId, user_id: userId, summary: json })
      .onConflict((c) => c.columns(['call_id', 'user_id']).doUpdateSet({ summary: json }))
      .execute();
  }

  async saveDirections(callId: string, records: DirectionRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.db
      .insertInto('call_directions')
      .values(
        records.map((r) => ({
          call_id: callId,
          direction: r.direction,
          packets: r.packets,
          first_rtp_ms: r.firstRtpMs,
          stalls: r.stalls,
          stalled_ms: r.stalledMs,
          last_cause: r.lastCause,
        })),
      )
      .onConflict((c) =>
        c.columns(['call_id', 'direction']).doUpdateSet((eb) => ({
          packets: eb.ref('excluded.packets'),
          first_rtp_ms: eb.ref('excluded.first_rtp_ms'),
          stalls: eb.ref('excluded.stalls'),
          stalled_ms: eb.ref('excluded.stalled_ms'),
          last_cause: eb.ref('excluded.last_cause'),
        })),
      )
      .execute();
  }

  async directions(callId: string): Promise<DirectionRecord[]> {
    const rows = await this.db
      .selectFrom('call_directions')
      .select([
        'direction',
        'packets',
        'first_rtp_ms as firstRtpMs',
        'stalls',
        'stalled_ms as stalledMs',
        'last_cause as lastCause',
      ])
      .where('call_id', '=', callId)
      // DESC: caller->callee first, as the watcher lists them.
      .orderBy('direction', 'desc')
      .execute();
    // The columns' CHECKs admit only the watcher's directions and causes.
    return rows as DirectionRecord[];
  }

  async saveMicPermission(callId: string, userId: string, state: MicPermission, at: number): Promise<void> {
    await this.db
      .insertInto('call_mic_permissions')
      .values({ call_id: callId, user_id: userId, state, at })
      .onConflict((c) => c.columns(['call_id', 'user_id']).doUpdateSet({ state, at }))
      .execute();
  }

  async micPermissions(callId: string): Promise<Record<string, MicPermission>> {
    const rows = await this.db
      .selectFrom('call_mic_permissions')
      .select(['user_id', 'state'])
      .where('call_id', '=', callId)
      .execute();
    // The column's CHECK admits only the three states.
    return Object.fromEntries(rows.map((r) => [r.user_id, r.state as MicPermission]));
  }

  async isParty(callId: string, userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('calls')
      .select('id')
      .where('id', '=', callId)
      .where((eb) => eb.or([eb('caller_id', '=', userId), eb('callee_id', '=', userId)]))
      .executeTakeFirst();
    return row !== undefined;
  }

  async history(userId: string, limit: number): Promise<HistoryEntry[]> {
    const rows = await this.db
      .selectFrom('calls as c')
      .innerJoin('users as p', (j) =>
        j.on(sql<boolean>`p.id = CASE WHEN c.caller_id = ${userId} THEN c.callee_id ELSE c.caller_id END`),
      )
      .leftJoin('call_party_summaries as q', (j) =>
        j.onRef('q.call_id', '=', 'c.id').on('q.user_id', '=', userId),
      )
      .select([
        'c.id',
        'c.callee_id as calleeId',
        'c.created_at as createdAt',
        'c.answered_at as answeredAt',
        'c.ended_at as endedAt',
        'c.end_reason as endReason',
        'c.callee_seen_at as calleeSeenAt',
        'p.id as peerId',
        'p.display_name as peerName',
        'q.summary as quality',
      ])
      .where((eb) => eb.or([eb('c.caller_id', '=', userId), eb('c.callee_id', '=', userId)]))
      .orderBy('c.created_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => {
      const incoming = r.calleeId === userId;
      // Written only from EndReason values (ended, finaliseNode).
      const endReason = r.endReason as EndReason | null;
      const missed = incoming && isMissed({ answeredAt: r.answeredAt, endReason });
      return {
        callId: r.id,
        direction: incoming ? 'incoming' : 'outgoing',
        peer: { id: r.peerId, displayName: r.peerName },
        startedAt: r.createdAt,
        answeredAt: r.answeredAt,
        endedAt: r.endedAt,
        endReason,
        durationMs: r.answeredAt !== null && r.endedAt !== null ? r.endedAt - r.answeredAt : null,
        missed,
        unread: missed && r.calleeSeenAt === null,
        quality: r.quality ? (JSON.parse(r.quality) as QualitySummary) : null,
      };
    });
  }

  /** {@link isMissed} as SQL, to count a callee's missed calls in the database. */
  async unreadMissed(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('calls')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('callee_id', '=', userId)
      .where('callee_seen_at', 'is', null)
      .where('answered_at', 'is', null)
      .where('end_reason', 'in', MISSED_END_REASONS)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async markSeen(userId: string, now: number): Promise<void> {
    await this.db
      .updateTable('calls')
      .set({ callee_seen_at: now })
      .where('callee_id', '=', userId)
      .where('callee_seen_at', 'is', null)
      .execute();
  }
}
