/**
 * Where the rate limits count. One node: in memory, as the calls themselves are. Several nodes
 * (REDIS_URL): in Redis, so a limit holds across the cluster (invites spread over two nodes are
 * counted once), each with an in-memory insurance limiter that counts on this node while Redis is
 * unreachable: an outage then neither refuses every request nor lets every one through.
 * Both count a `consume` atomically (the memory one synchronously, RateLimiterMemory.js, v11.4.0;
 * the Redis one in one Lua script, RateLimiterRedis.js), so parallel requests can't all slip past
 * one check.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** A limiter of `points` per `durationS` seconds; `name` keeps each limit's keys apart in Redis. */
export type MakeLimiter = (name: string, points: number, durationS: number) => RateLimiterAbstract;

export const memoryLimiter: MakeLimiter = (_name, points, duration) =>
  new RateLimiterMemory({ points, duration });

export const redisLimiter =
  (redis: Redis): MakeLimiter =>
  (name, points, duration) =>
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `limit:${name}`,
      points,
      duration,
      // Straight to the insurance while the connection is down, not after a failed round trip.
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ points, duration }),
    });
