/**
 * A real server on port 0 with real mediasoup workers, for tests in any package (`@softphone/sfu/testing`):
 * this package's integration tests and the page's controllers running in Node.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { InviteLimitOptions } from '../../src/call/invite-limits.ts';
import type { MediaLimitOptions } from '../../src/call/media-limits.ts';
import { createLogger } from '../../src/log.ts';
import {
  startServer,
  type ClusterOptions,
  type PushOptions,
  type Server,
  type TurnOptions,
} from '../../src/server.ts';

export interface TestServerOptions {
  noAnswerTimeoutMs?: number;
  reconnectGraceMs?: number;
  dataDir?: string;
  /** postgres://… : the store on PostgreSQL instead of `dataDir`'s SQLite file. */
  databaseUrl?: string;
  nodeId?: string;
  push?: PushOptions;
  turn?: TurnOptions;
  /** Everyone sees everyone's presence (the deployment setting `PRESENCE_DIRECTORY=on`). */
  presenceDirectory?: boolean;
  /** Usernames who may read the call-quality rates (`QUALITY_OPERATORS`). */
  qualityOperators?: string[];
  sessionSweepMs?: number;
  inviteLimits?: InviteLimitOptions;
  /** The clock sessions expire by. */
  now?: () => number;
  mediaLimits?: MediaLimitOptions;
  /** A node of a cluster over Redis. */
  cluster?: ClusterOptions;
  /** Where its WebRTC transports listen (default 41000-41199: give each node of a cluster its own). */
  mediaPorts?: { min: number; max: number };
  drainDeadlineMs?: number;
  /** The node's load as it reports it for placement (default its workers' CPU). */
  load?: () => Promise<number>;
}

export interface TestServer {
  url: string;
  server: Server;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sfu-it-'));
  const server = await startServer({
    dataDir,
    webDir: path.join(dataDir, 'no-web'),
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
    ...(opts.nodeId ? { nodeId: opts.nodeId } : {}),
    noAnswerTimeoutMs: opts.noAnswerTimeoutMs ?? 30_000,
    ...(opts.reconnectGraceMs ? { reconnectGraceMs: opts.reconnectGraceMs } : {}),
    media: { workers: 2, listen: { ip: '127.0.0.1', ports: opts.mediaPorts ?? { min: 41000, max: 41199 } } },
    // Suites sign many accounts up from one address; the limit itself is tested in exposed.test.ts.
    accountLimits: { signUpsPerHour: 10_000 },
    // And place many calls between the same two accounts; the limits are tested in invite-limits.test.ts.
    inviteLimits: opts.inviteLimits ?? {
      invitesPerCallerPerMinute: 10_000,
      invitesPerCalleePerMinute: 10_000,
      pushesPerDevicePerMinute: 10_000,
    },
    // And set up many calls on one connection; the limits are tested in media-limits.test.ts.
    mediaLimits: opts.mediaLimits ?? {
      requestsPerSocketPerMinute: 10_000,
      requestsPerDevicePerMinute: 10_000,
    },
    ...(opts.push ? { push: opts.push } : {}),
    ...(opts.turn ? { turn: opts.turn } : {}),
    ...(opts.presenceDirectory ? { presenceDirectory: true } : {}),
    ...(opts.qualityOperators ? { qualityOperators: opts.qualityOperators } : {}),
    ...(opts.sessionSweepMs ? { sessionSweepMs: opts.sessionSweepMs } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.cluster ? { cluster: opts.cluster } : {}),
    ...(opts.drainDeadlineMs ? { drainDeadlineMs: opts.drainDeadlineMs } : {}),
    ...(opts.load ? { load: opts.load } : {}),
    log: createLogger(process.env['LOG_LEVEL'] ?? 'silent'),
  });
  await new Promise<void>((r) => server.httpServer.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`;
  return { url, server, dataDir, stop: () => server.stop() };
}
