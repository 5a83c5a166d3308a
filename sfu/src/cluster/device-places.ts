/**
 * Where each user's devices are connected, cluster-wide (`devices:<user>`: device → node and
 * peer), and which devices each node holds (`node-devices:<node>`), so a dead node's entries are
 * purged by its reaper. Written when a device's first socket connects to a node and removed when
 * its last one goes; rewritten by each node when Redis comes back (it keeps nothing through a restart).
 */
import type { Redis } from 'ioredis';
import {
  DevicePlaceSchema,
  type DevicePlace,
  type NodeId,
  type Peer,
  type UserId,
} from '../protocol/index.ts';

const userKey = (id: UserId) => `devices:${id}`;
const nodeKey = (id: NodeId) => `node-devices:${id}`;

export interface PlacedDevice extends DevicePlace {
  deviceId: string;
}

export class DevicePlaces {
  constructor(private readonly redis: Redis) {}

  async connected(node: NodeId, peer: Peer, deviceId: string): Promise<void> {
    await this.redis
      .multi()
      .hset(userKey(peer.id), deviceId, JSON.stringify({ node, peer }))
      .sadd(nodeKey(node), `${peer.id} ${deviceId}`)
      .exec();
  }

  async left(node: NodeId, user: UserId, deviceId: string): Promise<void> {
    const place = (await this.of(user)).find((d) => d.deviceId === deviceId);
    const m = this.redis.multi().srem(nodeKey(node), `${user} ${deviceId}`);
    // The device may already be connected to another node, which wrote its own place.
    if (place?.node === node) m.hdel(userKey(user), deviceId);
    await m.exec();
  }

  async of(user: UserId): Promise<PlacedDevice[]> {
    const all = await this.redis.hgetall(userKey(user));
    return Object.entries(all).flatMap(([deviceId, json]) => {
      try {
        const parsed = DevicePlaceSchema.safeParse(JSON.parse(json));
        return parsed.success && parsed.data.peer.id === user ? [{ deviceId, ...parsed.data }] : [];
      } catch {
        return [];
      }
    });
  }

  /** Removes every device a dead node held. */
  async purge(node: NodeId): Promise<void> {
    const members = await this.redis.smembers(nodeKey(node));
    for (const m of members) {
      const [user, deviceId] = m.split(' ');
      if (user && deviceId) await this.left(node, user, deviceId);
    }
    await this.redis.del(nodeKey(node));
  }
}
