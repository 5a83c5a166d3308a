/**
 * Which node holds each call (`call:<id>`), the call each user is in (`user-call:<user>`) and the
 * calls of each node (`node-calls:<node>`). Redis is the index, the home's memory the truth
 * (livekit#1821, #989): the home writes these when its call starts, rewrites them every beat (so
 * they come back after a Redis restart, and a dead home's expire), and deletes them at the end.
 */
import type { Redis } from 'ioredis';
import { CallHomeSchema, type CallHome, type CallId, type NodeId, type UserId } from '../protocol/index.ts';

const callKey = (id: CallId) => `call:${id}`;
const userKey = (id: UserId) => `user-call:${id}`;
const nodeKey = (id: NodeId) => `node-calls:${id}`;
/** Long enough to outlive a few missed beats; a dead home's records go with their reaping, or expire. */
const TTL_MS = 30_000;

/** Deletes a key only while it still names this call: a user's next call may already have replaced it. */
const DELETE_IF = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

export class CallHomes {
  constructor(private readonly redis: Redis) {}

  /** Writes (or rewrites) a call's records; the call key is taken only if no other node holds it. */
  async hold(call: CallHome): Promise<void> {
    const m = this.redis.multi().set(callKey(call.callId), JSON.stringify(call), 'PX', TTL_MS);
    for (const u of call.users) m.set(userKey(u), call.callId, 'PX', TTL_MS);
    m.sadd(nodeKey(call.home), call.callId).pexpire(nodeKey(call.home), TTL_MS);
    await m.exec();
  }

  async release(call: CallHome): Promise<void> {
    const m = this.redis.multi().del(callKey(call.callId)).srem(nodeKey(call.home), call.callId);
    for (const u of call.users) m.eval(DELETE_IF, 1, userKey(u), call.callId);
    await m.exec();
  }

  async homeOf(callId: CallId): Promise<CallHome | null> {
    const json = await this.redis.get(callKey(callId));
    if (json === null) return null;
    try {
      const parsed = CallHomeSchema.safeParse(JSON.parse(json));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  /** The call the user is in, wherever it is. */
  async callOf(user: UserId): Promise<CallHome | null> {
    const callId = await this.redis.get(userKey(user));
    return callId === null ? null : this.homeOf(callId);
  }

  /** The calls a node held, as far as Redis knows: for its reaper. */
  async callsOf(node: NodeId): Promise<CallHome[]> {
    const ids = await this.redis.smembers(nodeKey(node));
    const homes = await Promise.all(ids.map((id) => this.homeOf(id)));
    return homes.filter((h): h is CallHome => h !== null && h.home === node);
  }

  async forgetNode(node: NodeId, calls: CallHome[]): Promise<void> {
    await Promise.all(calls.map((c) => this.release(c)));
    await this.redis.del(nodeKey(node));
  }
}
