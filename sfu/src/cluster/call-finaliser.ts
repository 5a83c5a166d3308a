/**
 * Ends the history rows of a dead node's calls, once: the reaper holds `reap:<node>`, and the store
 * ends only rows still unfinished (`CallsRepo.finaliseNode`), so two survivors racing end disjoint
 * sets.
 */
import type { CallId, NodeId } from '../protocol/index.ts';

export interface CallFinaliser {
  /** Ends the node's unfinished calls as server-lost; returns those this call ended. */
  finaliseCallsOf(node: NodeId, at: number): Promise<CallId[]>;
}
