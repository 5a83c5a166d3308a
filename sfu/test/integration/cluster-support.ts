/**
 * What the cluster tests share: free ports, waiting for a condition the nodes reach as they beat,
 * and a node started as `npm start` does (a child process, to be killed or paused).
 */
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, type Started } from '@softphone/test-support/child';
import { startTestServer, type TestServer, type TestServerOptions } from '../support/test-server.ts';

const sfuDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Resolves once `cond` holds (checked every 20 ms), rejects after `ms`. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Calls whose router is on this node. */
export const roomsOn = (node: TestServer) => node.server.media.workers.reduce((n, w) => n + w.calls, 0);

/** A node in this process on Redis, sharing `dataDir` (the store) with the others, its media on ports `min`…`min + 99`. */
export function inProcessNode(
  redisUrl: string,
  dataDir: string,
  id: string,
  min: number,
  extra: Partial<TestServerOptions> = {},
): Promise<TestServer> {
  return startTestServer({
    dataDir,
    mediaPorts: { min, max: min + 99 },
    cluster: { redisUrl, nodeId: id, address: '127.0.0.1' },
    ...extra,
  });
}

/** A node as `npm start` runs it, with REDIS_URL and NODE_ID; `url` is where it listens. */
export async function startChildNode(o: {
  id: string;
  redisUrl: string;
  dataDir: string;
  rtcPorts: string;
}): Promise<Started & { url: string }> {
  const started = await startChild(o.id, process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: sfuDir,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: o.dataDir,
      REDIS_URL: o.redisUrl,
      NODE_ID: o.id,
      MEDIA_WORKERS: '1',
      MEDIA_RTC_PORTS: o.rtcPorts,
      TURN_URLS: 'none',
      LOG_LEVEL: 'warn',
    },
    ready: new RegExp(`node ${o.id}: clustered over Redis\\nsoftphone ready at (\\S+)/`),
    timeoutMs: 30_000,
    logFile: path.join(o.dataDir, `${o.id}.log`),
  });
  return { ...started, url: started.match[1] ?? '' };
}
