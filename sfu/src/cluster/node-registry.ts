/**
 * The node registry in Redis (hash `nodes`: id → entry): each node rewrites its entry every beat
 * with its address and load. A node is live while its entry is fresh and it is not draining; a
 * stale one is reaped by a survivor (reaper.ts), which marks it `reap:<id>`. A node whose own id is
 * marked has been declared dead while alive (a partition, a long pause): its beat is refused and it
 * must end its calls and register again under a new id (fencing).
 */
import type { Redis } from 'ioredis';
import { NodeEntrySchema, type NodeEntry, type NodeId } from '../protocol/index.ts';

/** An entry older than this is a dead node's. */
export const STALE_MS = 3_000;
const NODES = 'nodes';
export const reapKey = (node: NodeId) => `reap:${node}`;

/** Writes the entry unless the node has been reaped: one step, so a reaped node can't come back. */
const BEAT = `
if redis.call('exists', KEYS[2]) == 1 then return 0 end
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
return 1`;

export type BeatResult = 'ok' | 'reaped';

export class NodeRegistry {
  constructor(private readonly redis: Redis) {}

  async beat(entry: NodeEntry): Promise<BeatResult> {
    const written = await this.redis.eval(BEAT, 2, NODES, reapKey(entry.id), entry.id, JSON.stringify(entry));
    return written === 1 ? 'ok' : 'reaped';
  }

  /** Every entry that parses; anything else in the hash is ignored. */
  async entries(): Promise<NodeEntry[]> {
    const all = await this.redis.hgetall(NODES);
    return Object.values(all).flatMap((json) => {
      try {
        const parsed = NodeEntrySchema.safeParse(JSON.parse(json));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
  }

  async remove(node: NodeId): Promise<void> {
    await this.redis.hdel(NODES, node);
  }
}

export const isLive = (e: NodeEntry, now: number): boolean => !e.draining && now - e.updatedAt <= STALE_MS;
export const isStale = (e: NodeEntry, now: number): boolean => now - e.updatedAt > STALE_MS;
