/** Call history rows: written as a call moves through its states, read as a user's history. */
import type { DirectionRecord } from '../media/direction-watch.ts';
import {
  isMissed,
  MISSED_END_REASONS,
  type EndReason,
  type HistoryEntry,
  type MicPermission,
  type QualitySummary,
} from '../protocol/index.ts';
import type { Db } from './db.ts';

export interface CallsRepo {
  created(call: { id: string; callerId: string; calleeId: string; at: number }): void;
  answered(id: string, at: number): void;
  ended(id: string, at: number, reason: EndReason, endedBy: string): void;
  saveQuality(callId: string, userId: string, summary: QualitySummary): void;
  /** What the SFU saw of each direction of the call so far (replaces what was saved before). */
  saveDirections(callId: string, records: DirectionRecord[]): void;
  directions(callId: string): DirectionRecord[];
  /** A party's microphone permission for the call (replaces what that party said before). */
  saveMicPermission(callId: string, userId: string, state: MicPermission, at: number): void;
  /** Each party's microphone permission, by user id; a party that never said is absent. */
  micPermissions(callId: string): Record<string, MicPermission>;
  /** Whether the user was the caller or the callee of this call. */
  isParty(callId: string, userId: string): boolean;
  history(userId: string, limit: number): HistoryEntry[];
  unreadMissed(userId: string): number;
  markSeen(userId: string, now: number): void;
}

/** {@link isMissed} as SQL, to count a callee's missed calls in the database. */
const MISSED = `c.answered_at IS NULL AND c.end_reason IN (${MISSED_END_REASONS.map((r) => `'${r}'`).join(', ')})`;

interface Row {
  id: string;
  callerId: string;
  calleeId: string;
  createdAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  endReason: EndReason | null;
  calleeSeenAt: number | null;
  peerId: string;
  peerName: string;
  quality: string | null;
}

export class SqliteCallsRepo implements CallsRepo {
  constructor(private readonly db: Db) {}

  created(c: { id: string; callerId: string; calleeId: string; at: number }): void {
    this.db
      .prepare('INSERT INTO calls (id, caller_id, callee_id, created_at) VALUES (?, ?, ?, ?)')
      .run(c.id, c.callerId, c.calleeId, c.at);
  }

  answered(id: string, at: number): void {
    this.db.prepare('UPDATE calls SET answered_at = ? WHERE id = ?').run(at, id);
  }

  ended(id: string, at: number, reason: EndReason, endedBy: string): void {
    this.db
      .prepare(
        'UPDATE calls SET ended_at = ?, end_reason = ?, ended_by = ? WHERE id = ? AND ended_at IS NULL',
      )
      .run(at, reason, endedBy, id);
  }

  saveQuality(callId: string, userId: string, summary: QualitySummary): void {
    this.db
      .prepare(
        'INSERT INTO call_quality (call_id, user_id, summary) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET summary = excluded.summary',
      )
      .run(callId, userId, JSON.stringify(summary));
  }

  saveDirections(callId: string, records: DirectionRecord[]): void {
    const upsert = this.db.prepare(
      `INSERT INTO call_directions (call_id, direction, packets, first_rtp_ms, stalls, stalled_ms, last_cause)
       VALUES (@callId, @direction, @packets, @firstRtpMs, @stalls, @stalledMs, @lastCause)
       ON CONFLICT DO UPDATE SET packets = excluded.packets, first_rtp_ms = excluded.first_rtp_ms,
         stalls = excluded.stalls, stalled_ms = excluded.stalled_ms, last_cause = excluded.last_cause`,
    );
    this.db.transaction(() => {
      for (const r of records) upsert.run({ callId, ...r });
    })();
  }

  directions(callId: string): DirectionRecord[] {
    // DESC: caller->callee first, as the watcher lists them.
    return this.db
      .prepare(
        `SELECT direction, packets, first_rtp_ms AS firstRtpMs, stalls, stalled_ms AS stalledMs,
                last_cause AS lastCause
           FROM call_directions WHERE call_id = ? ORDER BY direction DESC`,
      )
      .all(callId) as DirectionRecord[];
  }

  saveMicPermission(callId: string, userId: string, state: MicPermission, at: number): void {
    this.db
      .prepare(
        `INSERT INTO call_mic_permissions (call_id, user_id, state, at) VALUES (?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET state = excluded.state, at = excluded.at`,
      )
      .run(callId, userId, state, at);
  }

  micPermissions(callId: string): Record<string, MicPermission> {
    const rows = this.db
      .prepare('SELECT user_id AS userId, state FROM call_mic_permissions WHERE call_id = ?')
      .all(callId) as { userId: string; state: MicPermission }[];
    return Object.fromEntries(rows.map((r) => [r.userId, r.state]));
  }

  isParty(callId: string, userId: string): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM calls WHERE id = ? AND (caller_id = ? OR callee_id = ?)')
        .get(callId, userId, userId) !== undefined
    );
  }

  history(userId: string, limit: number): HistoryEntry[] {
    const rows = this.db
      .prepare(
        `SELECT c.id, c.caller_id AS callerId, c.callee_id AS calleeId, c.created_at AS createdAt,
                c.answered_at AS answeredAt, c.ended_at AS endedAt, c.end_reason AS endReason,
                c.callee_seen_at AS calleeSeenAt, p.id AS peerId, p.display_name AS peerName,
                q.summary AS quality
           FROM calls c
           JOIN users p ON p.id = CASE WHEN c.caller_id = @user THEN c.callee_id ELSE c.caller_id END
           LEFT JOIN call_quality q ON q.call_id = c.id AND q.user_id = @user
          WHERE c.caller_id = @user OR c.callee_id = @user
          ORDER BY c.created_at DESC
          LIMIT @limit`,
      )
      .all({ user: userId, limit }) as Row[];
    return rows.map((r) => {
      const incoming = r.calleeId === userId;
      const missed = incoming && isMissed(r);
      return {
        callId: r.id,
        direction: incoming ? 'incoming' : 'outgoing',
        peer: { id: r.peerId, displayName: r.peerName },
        startedAt: r.createdAt,
        answeredAt: r.answeredAt,
        endedAt: r.endedAt,
        endReason: r.endReason,
        durationMs: r.answeredAt !== null && r.endedAt !== null ? r.endedAt - r.answeredAt : null,
        missed,
        unread: missed && r.calleeSeenAt === null,
        quality: r.quality ? (JSON.parse(r.quality) as QualitySummary) : null,
      };
    });
  }

  unreadMissed(userId: string): number {
    const row = this.db
      .prepare(
        `SELECT count(*) AS n FROM calls c WHERE c.callee_id = ? AND c.callee_seen_at IS NULL AND ${MISSED}`,
      )
      .get(userId) as { n: number };
    return row.n;
  }

  markSeen(userId: string, now: number): void {
    this.db
      .prepare('UPDATE calls SET callee_seen_at = ? WHERE callee_id = ? AND callee_seen_at IS NULL')
      .run(now, userId);
  }
}
