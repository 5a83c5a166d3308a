/**
 * Ends the history rows of a dead node's calls, once: the reaper holds `reap:<node>`, and a row
 * that already has its end keeps it (`ended_at IS NULL`). This one works on the SQLite store,
 * given the node's calls from Redis; the PostgreSQL store (issue 20, part B) finds them by its
 * `home_node` column behind the same interface.
 */
import type { CallId, EndReason, NodeId } from '../protocol/index.ts';
import type { Db } from '../store/db.ts';

export interface CallFinaliser {
  /** Ends the node's unfinished calls; returns those this call ended. */
  finaliseCallsOf(node: NodeId, reason: EndReason, at: number): Promise<CallId[]>;
}

export class SqliteCallFinaliser implements CallFinaliser {
  constructor(
    private readonly db: Db,
    private readonly callsOf: (node: NodeId) => Promise<CallId[]>,
  ) {}

  async finaliseCallsOf(node: NodeId, reason: EndReason, at: number): Promise<CallId[]> {
    const ids = await this.callsOf(node);
    const end = this.db.prepare(
      "UPDATE calls SET ended_at = ?, end_reason = ?, ended_by = 'server' WHERE id = ? AND ended_at IS NULL",
    );
    return this.db.transaction(() => ids.filter((id) => end.run(at, reason, id).changes === 1))();
  }
}
