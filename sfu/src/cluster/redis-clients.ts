/**
 * The Redis connections of a clustered node. Commands fail at once while Redis is unreachable
 * (no offline queue): a heartbeat, a lookup or a broadcast that can't be written now is worth
 * nothing later, and a node must go on serving its own calls through a Redis outage (livekit#4663:
 * a cluster whose health waited on Redis went down with it). Subscriptions and the adapter's
 * stream reader wait for Redis to come back and resume by themselves.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../log.ts';

export interface RedisClients {
  /** Commands, and the socket.io adapter's writes. */
  cmd: Redis;
  /** The node's request channels (subscriber mode). */
  sub: Redis;
  /** Since when Redis has answered without a break (null while it is unreachable). */
  upSince(): number | null;
  /** Since when Redis has answered again after an outage (null before any outage, or while out). */
  backSince(): number | null;
  /** Resolves true once Redis answers again (at once when it does), false after `ms`. */
  whenUp(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

const READY_WAIT_MS = 5_000;

export async function connectRedis(
  url: string,
  log: Logger,
  now: () => number = Date.now,
): Promise<RedisClients> {
  const cmd = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  // The adapter reads its stream on a duplicate of the client it writes with: that one blocks in
  // XREAD and must wait through an outage rather than fail in a tight loop.
  const readers: Redis[] = [];
  const reader = () => {
    const r = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
    readers.push(r);
    return r;
  };
  cmd.duplicate = reader as Redis['duplicate'];
  const sub = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
  let upSince: number | null = null;
  let wasDown = false;
  cmd.on('ready', () => {
    upSince = now();
    if (wasDown) log.info('Redis reachable again');
  });
  cmd.on('close', () => {
    if (upSince !== null) log.warn('Redis unreachable: calls go on, signalling across nodes waits for it');
    upSince = null;
    wasDown = true;
  });
  // ioredis reports each failed reconnect as an error too; `close` above says it once.
  cmd.on('error', () => undefined);
  sub.on('error', () => undefined);
  // A node starts without Redis (it serves its own connections) and joins the cluster when it comes.
  await Promise.race([
    Promise.all([cmd.connect(), sub.connect()]).catch((err: unknown) =>
      log.warn({ err }, 'Redis not reachable at start'),
    ),
    new Promise((r) => setTimeout(r, READY_WAIT_MS).unref()),
  ]);
  return {
    cmd,
    sub,
    upSince: () => upSince,
    backSince: () => (wasDown ? upSince : null),
    whenUp: (ms) =>
      upSince !== null
        ? Promise.resolve(true)
        : new Promise((resolve) => {
            const ready = () => {
              clearTimeout(timer);
              resolve(true);
            };
            const timer = setTimeout(() => {
              cmd.off('ready', ready);
              resolve(false);
            }, ms);
            cmd.once('ready', ready);
          }),
    async close() {
      // The adapter's readers too: one blocked in XREAD would otherwise wait for Redis forever.
      for (const c of [cmd, sub, ...readers]) c.disconnect();
    },
  };
}
