/** Runs the real softphone server (and so its mediasoup workers) as a child, on free ports, for the rig. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqlCallsRepo } from '@softphone/sfu/store/calls.repo.ts';
import { openSqlite, type Db } from '@softphone/sfu/store/db.ts';
import { ApnsStandIn, createTestProviderKey } from '@softphone/test-support/apns';
import { startChild } from '@softphone/test-support/child';
import { freePort } from './free-port.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The QA build (`npm run build:qa`): the product plus the shell simulator the rig plays an iPhone with. */
export const WEB_QA_DIR = path.join(REPO_ROOT, 'web', 'dist-qa');

export interface SoftphoneServer {
  url: string;
  dataDir: string;
  /** The SFU's workers as the server reports them: pid and live calls (tests kill one on purpose). */
  mediaWorkers(): Promise<{ pid: number; calls: number }[]>;
  /** What the server kept of a call's directions (packets, first RTP, media stalls), from its database. */
  callDirections(callId: string): ReturnType<SqlCallsRepo['directions']>;
  /** Every VoIP token the server would push to, from its database. */
  voipTokens(): Promise<string[]>;
  /** Each party's microphone permission the server kept with a call, by user id. */
  callMicPermissions(callId: string): ReturnType<SqlCallsRepo['micPermissions']>;
  /** With the `apns` option: the APNs stand-in the server pushes to. */
  apns: ApnsStandInHandle | null;
  /** Stops and starts the server again on the same port and data: a deploy, or a crash and restart. */
  restart(): Promise<void>;
  /** Sends the server process a signal and waits for it to exit, however long it takes (a drain). */
  signal(sig: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export interface ApnsStandInHandle {
  standIn: ApnsStandIn;
  /**
   * Where a simulated iPhone gets its pushes: `GET <deviceOrigin>/devices/<token>/pushes` (SSE of
   * `SimulatedDelivery`, see `@softphone/test-support/simulated-apns`).
   */
  deviceOrigin: string;
  /** The server's JSON-lines push log (what `voip-doctor --server-log` reads). */
  pushLog: string;
}

export interface ApnsOption {
  /** Bundle ids the stand-in's test key may push to (default: any). */
  bundleIds?: string[];
  /** The server's PUSH_REPORT_TIMEOUT_MS (default the server's, 8000). */
  reportTimeoutMs?: number;
}

/**
 * Starts the APNs stand-in with a fresh test key and returns the server environment that points at
 * it. Tokens are learnt on their first push: a simulated iPhone makes up its own token.
 */
async function startApns(
  dataDir: string,
  o: ApnsOption,
): Promise<{ handle: ApnsStandInHandle; env: Record<string, string> }> {
  const key = createTestProviderKey();
  const standIn = await ApnsStandIn.start({
    keys: [{ key, bundleIds: o.bundleIds ?? 'any' }],
    learnTokens: true,
  });
  const keyFile = path.join(dataDir, 'apns-test-key.p8');
  const caFile = path.join(dataDir, 'apns-stand-in-ca.pem');
  fs.writeFileSync(keyFile, key.privateKeyPem, { mode: 0o600 });
  fs.writeFileSync(caFile, standIn.ca);
  return {
    handle: { standIn, deviceOrigin: standIn.deviceOrigin, pushLog: path.join(dataDir, 'apns-pushes.jsonl') },
    env: {
      APNS_KEY_FILE: keyFile,
      APNS_KEY_ID: key.keyId,
      APNS_TEAM_ID: key.teamId,
      APNS_SANDBOX_ORIGIN: standIn.origins.sandbox,
      APNS_PRODUCTION_ORIGIN: standIn.origins.production,
      APNS_CA_FILE: caFile,
      ...(o.bundleIds ? { APNS_BUNDLE_IDS: o.bundleIds.join(',') } : {}),
      ...(o.reportTimeoutMs ? { PUSH_REPORT_TIMEOUT_MS: String(o.reportTimeoutMs) } : {}),
    },
  };
}

export async function startSoftphoneServer(
  opts: {
    env?: Record<string, string>;
    logDir?: string;
    apns?: ApnsOption;
    /** Run it inside this network namespace (a topology's public host). */
    netns?: string;
    /** Its port (default a free one): a node of a cluster listens on the port the load balancer knows. */
    port?: number;
  } = {},
): Promise<SoftphoneServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'softphone-'));
  const apns = opts.apns ? await startApns(dataDir, opts.apns) : null;
  // Another build (WEB_DIR) is the caller's to have made.
  if (!opts.env?.['WEB_DIR'] && !fs.existsSync(path.join(WEB_QA_DIR, 'shell-simulator.html'))) {
    throw new Error('the QA build of the web app is missing: run `npm run build:qa` first');
  }
  const port = opts.port ?? (await freePort());
  const logFile = path.join(opts.logDir ?? dataDir, 'server.log');
  const start = () =>
    startChild(
      'softphone server',
      opts.netns ? 'ip' : process.execPath,
      [
        ...(opts.netns ? ['netns', 'exec', opts.netns, process.execPath] : []),
        '--import',
        'tsx',
        'sfu/src/main.ts',
      ],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          PORT: String(port),
          DATA_DIR: dataDir,
          LOG_LEVEL: 'info',
          WEB_DIR: WEB_QA_DIR,
          // The rig's parties all know each other, like a team's deployment: the directory is on, so
          // a test can wait for someone to be listed before it calls them. `Party.call` still adds the
          // callee by username when they are not listed (a server with the directory off).
          PRESENCE_DIRECTORY: 'on',
          // The rig places calls back to back between the same accounts, faster than a person
          // would (the farm: 12 calls a minute, ~6 media requests each on one connection); the limits
          // themselves are tested in sfu/test/integration/{invite,media}-limits.test.ts.
          INVITES_PER_CALLER_PER_MINUTE: '10000',
          INVITES_PER_CALLEE_PER_MINUTE: '10000',
          PUSHES_PER_DEVICE_PER_MINUTE: '10000',
          MEDIA_REQUESTS_PER_SOCKET_PER_MINUTE: '10000',
          MEDIA_REQUESTS_PER_DEVICE_PER_MINUTE: '10000',
          ...apns?.env,
          ...opts.env,
        },
        ready: /softphone ready at (https?:\/\/\S+)/,
        timeoutMs: 20_000,
        logFile,
      },
    );
  let started = await start();
  const url = started.match[1] ?? `http://127.0.0.1:${port}/`;
  /** The server's database is in WAL mode: a second connection reads it while the server runs. */
  const read = async <T>(query: (db: Db) => Promise<T>): Promise<T> => {
    const store = await openSqlite(path.join(dataDir, 'softphone.db'));
    try {
      return await query(store.db);
    } finally {
      await store.close();
    }
  };
  return {
    url,
    dataDir,
    apns: apns?.handle ?? null,
    async mediaWorkers() {
      const res = await fetch(new URL('/healthz', url));
      const body = (await res.json()) as { media: { workers: { slot: number; calls: number }[] } };
      // /healthz shows no process ids: which process runs each slot is in the server's log.
      const pids = new Map<number, number>();
      for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
        if (!line.includes('"media worker started"')) continue;
        const { slot, pid } = JSON.parse(line) as { slot: number; pid: number };
        pids.set(slot, pid);
      }
      return body.media.workers.map(({ slot, calls }) => {
        const pid = pids.get(slot);
        if (pid === undefined)
          throw new Error(`the server log names no process for media worker slot ${slot}`);
        return { pid, calls };
      });
    },
    callDirections(callId) {
      return read((db) => new SqlCallsRepo(db).directions(callId));
    },
    voipTokens() {
      return read(async (db) =>
        (await db.selectFrom('voip_registrations').select('token').execute()).map((r) => r.token),
      );
    },
    callMicPermissions(callId) {
      return read((db) => new SqlCallsRepo(db).micPermissions(callId));
    },
    async restart() {
      await started.stop();
      started = await start();
    },
    async signal(sig) {
      const { child } = started;
      if (child.exitCode !== null || child.signalCode !== null)
        return { code: child.exitCode, signal: child.signalCode };
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      child.kill(sig);
      return exited;
    },
    async stop() {
      await started.stop();
      await apns?.handle.standIn.stop();
    },
  };
}
