/**
 * Who is online across the cluster (scale-out-notes §7): `presence:<user>` holds one member per
 * device connected to a node ([node, device]); `node-presence:<node>` the devices each node holds,
 * so a dead node's entries are purged by its reaper; `online` the peers online somewhere (the
 * directory's list). Each change runs as one script, so exactly one node sees a user's first device
 * arrive and last device go, and tells the user's watchers once.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod/mini';
import { NodeIdSchema, PeerSchema, type NodeId, type Peer, type UserId } from '../protocol/index.ts';

/** What {@link Presence} asks of the cluster about users whose devices are on other nodes. */
export interface SharedPresence {
  /** A device's first socket on this node: true when its user was online on no node before. */
  arrived(peer: Peer, deviceId: string): Promise<boolean>;
  /** The device's last socket on this node went: true when its user is now online on no node. */
  departed(peer: Peer, deviceId: string): Promise<boolean>;
  /** Of these users, those with a device connected to another node. */
  onlineElsewhere(users: UserId[]): Promise<Set<UserId>>;
  /** Every user online on any node (the directory). */
  everyone(): Promise<Peer[]>;
}

const userKey = (id: UserId) => `presence:${id}`;
const nodeKey = (id: NodeId) => `node-presence:${id}`;
const ONLINE = 'online';

/** KEYS: user's set, node's set, online hash. ARGV: [node, device], {peer, deviceId}, user, peer. */
const ARRIVE = `
local added = redis.call('sadd', KEYS[1], ARGV[1])
redis.call('sadd', KEYS[2], ARGV[2])
redis.call('hset', KEYS[3], ARGV[3], ARGV[4])
if added == 1 and redis.call('scard', KEYS[1]) == 1 then return 1 end
return 0`;

const DEPART = `
local removed = redis.call('srem', KEYS[1], ARGV[1])
redis.call('srem', KEYS[2], ARGV[2])
if redis.call('scard', KEYS[1]) == 0 then
  redis.call('hdel', KEYS[3], ARGV[3])
  if removed == 1 then return 1 end
end
return 0`;

const PlaceSchema = z.tuple([NodeIdSchema, z.string()]);
const HeldSchema = z.object({ peer: PeerSchema, deviceId: z.string() });

export class RedisPresence implements SharedPresence {
  constructor(
    private readonly redis: Redis,
    /** This node's id now (it changes when the node is fenced). */
    private readonly nodeId: () => NodeId,
  ) {}

  async arrived(peer: Peer, deviceId: string): Promise<boolean> {
    return (await this.run(ARRIVE, this.nodeId(), peer, deviceId)) === 1;
  }

  async departed(peer: Peer, deviceId: string): Promise<boolean> {
    return (await this.run(DEPART, this.nodeId(), peer, deviceId)) === 1;
  }

  async onlineElsewhere(users: UserId[]): Promise<Set<UserId>> {
    const self = this.nodeId();
    const m = this.redis.multi();
    for (const u of users) m.smembers(userKey(u));
    const replies = (await m.exec()) ?? [];
    return new Set(
      users.filter((_, i) => {
        const members = replies[i]?.[1];
        return Array.isArray(members) && members.some((json) => placeOf(json)?.[0] !== self);
      }),
    );
  }

  async everyone(): Promise<Peer[]> {
    return Object.values(await this.redis.hgetall(ONLINE)).flatMap((json) => {
      const peer = PeerSchema.safeParse(parse(json));
      return peer.success ? [peer.data] : [];
    });
  }

  /** A dead node's devices go: the users that left online on no node. */
  async purge(node: NodeId): Promise<Peer[]> {
    const gone: Peer[] = [];
    for (const json of await this.redis.smembers(nodeKey(node))) {
      const held = HeldSchema.safeParse(parse(json));
      if (held.success && (await this.run(DEPART, node, held.data.peer, held.data.deviceId)) === 1)
        gone.push(held.data.peer);
    }
    await this.redis.del(nodeKey(node));
    return gone;
  }

  private run(script: string, node: NodeId, peer: Peer, deviceId: string): Promise<unknown> {
    return this.redis.eval(
      script,
      3,
      userKey(peer.id),
      nodeKey(node),
      ONLINE,
      JSON.stringify([node, deviceId]),
      JSON.stringify({ peer, deviceId }),
      peer.id,
      JSON.stringify(peer),
    );
  }
}

function parse(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

const placeOf = (json: string) => {
  const place = PlaceSchema.safeParse(parse(json));
  return place.success ? place.data : null;
};
