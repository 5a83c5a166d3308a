/**
 * The multi-node rig on real engines (cluster-topology.ts): Redis and PostgreSQL (Debian's) on the
 * backbone, the real server (sfu/src/main.ts, as softphone-server.ts starts it) as each node in its
 * own namespace with its own SFU, embedded coturn and self-signed certificate, and HAProxy holding
 * the signalling address. Parties are pinned to a node by the load balancer (its `use-server` rule
 * on their NAT's address), which sends them to any live node when theirs is down or draining.
 * Helpers crash a node (every process of its host, kill -9), drain it (SIGTERM), stop and start
 * Redis, and restart everything on the same data.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { POSTGRES_BIN, startPostgres, type PostgresInstance } from '@softphone/test-support/engines/postgres';
import { startRedis, type RedisInstance } from '@softphone/test-support/engines/redis';
import { WebPushServiceStandIn } from '@softphone/test-support/web-push';
import {
  BACKBONE,
  ClusterTopology,
  INFRA_IP,
  LB_IP,
  NODE_IP,
  NODE_NAMES,
  ROOT_MGMT_IP,
  type NodeName,
} from './cluster-topology.ts';
import { startHaproxy, type Haproxy, type HaproxyOptions } from './haproxy.ts';
import { startSoftphoneServer, type SoftphoneServer } from './softphone-server.ts';
import { startTcpForwarder, type TcpForwarder } from './tcp-forwarder.ts';

/** The same ports on every host (each is its own namespace): what the load balancer knows. */
export const CLUSTER_PORTS = { web: 8443, turn: 3478, turnTls: 5349, redis: 6379, postgres: 5432 };
export const CLUSTER_RTC_PORTS = '40000-40039';

export interface ClusterOptions {
  logDir: string;
  /** Which nodes to start (default both). */
  nodes?: readonly NodeName[];
  /**
   * true (default): the nodes share Redis and PostgreSQL, and each may relay to the other (REDIS_URL,
   * DATABASE_URL, NODE_ID, TURN_PEERS). false: each node is today's lone server (SQLite, in-memory), the rig
   * itself checked with a server that predates the cluster.
   */
  shared?: boolean;
  /** Extra environment for every node. */
  env?: Record<string, string>;
  /**
   * Start a Web Push service stand-in (in the root namespace, on the management link) that the
   * nodes post to: each node reaches it through a forwarder on its own loopback, the only place a
   * server lets a stand-in be (WEB_PUSH_TEST_ORIGINS, with NODE_ENV=test).
   */
  webPush?: boolean;
}

export interface ClusterNode {
  name: NodeName;
  /** Its own address, not the load balancer's (the test process reaches it for /healthz). */
  url: string;
  running: boolean;
  healthz(): Promise<{ status: number; body: unknown }>;
}

export interface Cluster {
  topology: ClusterTopology;
  /** Where parties open the app: the load balancer. */
  url: string;
  lb: Haproxy;
  redis: RedisInstance;
  postgres: PostgresInstance;
  /** The nodes' DATABASE_URL (the `softphone` database). */
  databaseUrl: string;
  /** With the `webPush` option: the push service every node posts to. */
  webPush: WebPushServiceStandIn | null;
  node(n: NodeName): ClusterNode;
  /** Starts a node (again, on its own data dir) and waits until the load balancer has it up. */
  startNode(n: NodeName): Promise<void>;
  /** The node's host dies: every process in its namespace is killed (-9), then nothing runs there. */
  crashNode(n: NodeName): void;
  /** SIGTERM: resolves with how the node exited (a drain ends in 0). */
  terminateNode(n: NodeName): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Rows of a query on the nodes' database (through psql in the infra namespace). */
  query(sql: string): string[][];
  /** Stops every node, the engines and the load balancer, and starts them all again on the same data. */
  restartAll(): Promise<void>;
  stop(): Promise<void>;
}

const waitUntil = async (what: string, ok: () => boolean, timeoutMs: number): Promise<void> => {
  const until = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** kill -9 of each of a host's processes (every one of them started by this rig). */
function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already (a worker that died with its parent).
    }
  }
}

/** Self-signed certificates of the nodes: the test process checks /healthz without trusting them. */
async function insecureGet(url: string): Promise<{ status: number; body: unknown }> {
  const { default: https } = await import('node:https');
  return new Promise((resolve, reject) => {
    https
      .get(url, { rejectUnauthorized: false, timeout: 3_000 }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // Not JSON: kept as text.
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      })
      .on('error', reject)
      .on('timeout', function (this: { destroy(e: Error): void }) {
        this.destroy(new Error(`${url}: no answer within 3 s`));
      });
  });
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  fs.mkdirSync(o.logDir, { recursive: true });
  const shared = o.shared ?? true;
  const topology = ClusterTopology.build();
  const stoppers: (() => Promise<void>)[] = [];
  try {
    const postgres = await startPostgres({
      netns: topology.infraNs,
      host: INFRA_IP,
      port: CLUSTER_PORTS.postgres,
      // Not under logDir: the postgres user must reach it, and a test's temp dir is its owner's alone.
      dir: fs.mkdtempSync(path.join(os.tmpdir(), 'spm-pg-')),
      trustNetwork: BACKBONE,
    });
    stoppers.push(() => postgres.stop());
    const databaseUrl = postgres.createDatabase('softphone');
    const redis = await startRedis({
      netns: topology.infraNs,
      host: INFRA_IP,
      port: CLUSTER_PORTS.redis,
      logDir: o.logDir,
    });
    stoppers.push(() => redis.stop());
    const lbOptions: HaproxyOptions = {
      netns: topology.lbNs,
      bind: { address: LB_IP, port: CLUSTER_PORTS.web },
      backends: NODE_NAMES.map((n) => ({
        name: n,
        address: NODE_IP[n],
        port: CLUSTER_PORTS.web,
        // The caller lives on n1, the callee on n2, while those are up.
        pinnedSource: topology.natAddressOf(n === 'n1' ? 'caller' : 'callee'),
      })),
      dir: path.join(o.logDir, 'lb'),
    };
    let lb = await startHaproxy(lbOptions);
    stoppers.push(() => lb.stop());
    const webPush = o.webPush
      ? await WebPushServiceStandIn.start({ host: ROOT_MGMT_IP, reachedAs: '127.0.0.1' })
      : null;
    if (webPush) stoppers.push(() => webPush.stop());
    const servers = new Map<NodeName, SoftphoneServer>();
    const pushForwarders = new Map<NodeName, TcpForwarder>();
    const nodeEnv = (n: NodeName): Record<string, string> => ({
      HOST: NODE_IP[n],
      PUBLIC_IP: NODE_IP[n],
      MEDIA_LISTEN_IP: NODE_IP[n],
      MEDIA_RTC_PORTS: CLUSTER_RTC_PORTS,
      MEDIA_WORKERS: '1',
      TURN_PORT: String(CLUSTER_PORTS.turn),
      TURN_TLS_PORT: String(CLUSTER_PORTS.turnTls),
      ...(shared
        ? {
            NODE_ID: n,
            REDIS_URL: redis.url,
            DATABASE_URL: databaseUrl,
            // Each node's own relay; a device on one node may relay to the other (its call's home).
            TURN_PEERS: NODE_NAMES.filter((m) => m !== n)
              .map((m) => NODE_IP[m])
              .join(','),
          }
        : {}),
      ...(webPush ? { NODE_ENV: 'test', WEB_PUSH_TEST_ORIGINS: webPush.origin } : {}),
      ...o.env,
    });
    const startNode = async (n: NodeName): Promise<void> => {
      // The forwarder is a process of the node's host: a crash takes it with the server.
      if (webPush && !pushForwarders.get(n)?.running()) {
        const port = webPush.port;
        pushForwarders.set(
          n,
          await startTcpForwarder({
            ns: topology.nodeNs(n),
            listen: { host: '127.0.0.1', port },
            target: { host: ROOT_MGMT_IP, port },
            logFile: path.join(o.logDir, `${n}-push-forwarder.log`),
          }),
        );
      }
      const existing = servers.get(n);
      if (existing) await existing.restart();
      else {
        servers.set(
          n,
          await startSoftphoneServer({
            env: nodeEnv(n),
            logDir: fs.mkdtempSync(path.join(o.logDir, `${n}-`)),
            netns: topology.nodeNs(n),
            port: CLUSTER_PORTS.web,
          }),
        );
      }
      await lb.waitForState(n, 'UP');
    };
    stoppers.push(async () => {
      await Promise.allSettled([...servers.values(), ...pushForwarders.values()].map((s) => s.stop()));
    });
    for (const n of o.nodes ?? NODE_NAMES) await startNode(n);

    /** The node's own processes: its host's, but for the rig's push forwarder. */
    const nodePids = (n: NodeName) =>
      topology.pidsIn(topology.nodeNs(n)).filter((pid) => pid !== pushForwarders.get(n)?.pid);
    const nodeUrl = (n: NodeName) => `https://${NODE_IP[n]}:${CLUSTER_PORTS.web}/`;
    const stopAll = async (): Promise<void> => {
      for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
      stoppers.length = 0;
    };
    return {
      topology,
      url: `https://${LB_IP}:${CLUSTER_PORTS.web}/`,
      get lb() {
        return lb;
      },
      redis,
      postgres,
      databaseUrl,
      webPush,
      node: (n) => ({
        name: n,
        url: nodeUrl(n),
        running: nodePids(n).length > 0,
        healthz: () => insecureGet(new URL('/healthz', nodeUrl(n)).toString()),
      }),
      startNode,
      crashNode(n) {
        killAll(topology.pidsIn(topology.nodeNs(n)));
      },
      async terminateNode(n) {
        const s = servers.get(n);
        if (!s) throw new Error(`${n} was never started`);
        return s.signal('SIGTERM');
      },
      query: (sql) => postgres.query('softphone', sql),
      async restartAll() {
        const running = NODE_NAMES.filter((n) => nodePids(n).length > 0);
        await Promise.all(running.map((n) => servers.get(n)?.stop()));
        await lb.stop();
        await redis.stop();
        await postgres.stop();
        await postgres.start();
        await redis.start();
        lb = await startHaproxy(lbOptions);
        for (const n of running) await startNode(n);
      },
      stop: async () => {
        await stopAll();
        // A host's processes the server did not reap (its coturn after a crash) go with the host.
        for (const n of NODE_NAMES) {
          const ns = topology.nodeNs(n);
          killAll(topology.pidsIn(ns));
          await waitUntil(`${ns} empty`, () => topology.pidsIn(ns).length === 0, 5_000);
        }
        topology.destroy();
        fs.rmSync(postgres.dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    topology.destroy();
    throw err;
  }
}

/** Whether a node reaches the backbone's engines (redis-cli PING and psql from inside its namespace). */
export function backboneReachable(c: Cluster, n: NodeName): { redis: string; postgres: string } {
  const inNode = (...args: string[]) =>
    execFileSync('ip', ['netns', 'exec', c.topology.nodeNs(n), ...args], { stdio: 'pipe' })
      .toString()
      .trim();
  return {
    redis: inNode('redis-cli', '-h', INFRA_IP, '-p', String(CLUSTER_PORTS.redis), 'PING'),
    postgres: inNode(
      'runuser',
      '-u',
      'postgres',
      '--',
      path.join(POSTGRES_BIN, 'psql'),
      c.databaseUrl,
      '-qAt',
      '-c',
      'SELECT 1',
    ),
  };
}
