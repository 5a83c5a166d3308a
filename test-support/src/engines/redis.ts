/**
 * A throwaway Redis (Debian's `redis-server`, the real engine — not a stand-in) for tests and the
 * multi-node rig: no persistence, its own port, optionally inside a network namespace. `restart()`
 * brings it back on the same address, for tests of a Redis outage.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startChild, type Started } from '../child.ts';

export interface RedisOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  port: number;
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string;
  /** Where its log goes (default a temp dir). */
  logDir?: string;
}

export interface RedisInstance {
  url: string;
  /** Stops it (SIGTERM, then SIGKILL after 5 s). Idempotent. */
  stop(): Promise<void>;
  /** Starts it again on the same address after a `stop()`. */
  start(): Promise<void>;
}

export const REDIS_SERVER = '/usr/bin/redis-server';

export async function startRedis(o: RedisOptions): Promise<RedisInstance> {
  const host = o.host ?? '127.0.0.1';
  const logDir = o.logDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'redis-'));
  const args = [
    '--bind',
    host,
    '--port',
    String(o.port),
    // Ephemeral state only (registry, presence, adapter stream): nothing to persist.
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    logDir,
    // Protected mode answers DENIED to every client not on loopback when there is no password:
    // the multi-node rig's nodes reach it over a private backbone.
    '--protected-mode',
    'no',
  ];
  const cmd = o.netns ? 'ip' : REDIS_SERVER;
  const argv = o.netns ? ['netns', 'exec', o.netns, REDIS_SERVER, ...args] : args;
  let running: Started | undefined;
  const start = async (): Promise<void> => {
    running = await startChild('redis-server', cmd, argv, {
      ready: /Ready to accept connections/,
      timeoutMs: 15_000,
      logFile: path.join(logDir, 'redis.log'),
    });
  };
  await start();
  return {
    url: `redis://${host.includes(':') ? `[${host}]` : host}:${o.port}`,
    stop: async () => {
      await running?.stop();
      running = undefined;
    },
    start,
  };
}
