/**
 * Builds every component of the server and wires them: the SFU (mediasoup workers), the store, accounts, presence,
 * calls, HTTP + socket.io. Used by `main.ts` and by the integration tests, so both run the same thing.
 */
import path from 'node:path';
import { AccountService, type AccountLimits } from './accounts/account-service.ts';
import { createApplication, type Application, type IceServerSource } from './app.ts';
import { CallService, type HeldCall } from './call/call-service.ts';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { generatedNodeId, LocalCluster, RedisCluster, type Cluster } from './cluster/cluster.ts';
import { CpuMeter } from './cluster/cpu-meter.ts';
import { Drain } from './cluster/drain.ts';
import { connectRedis } from './cluster/redis-clients.ts';
import { EndReason } from './protocol/index.ts';
import { InviteLimits, type InviteLimitOptions } from './call/invite-limits.ts';
import type { HostPolicy } from './http/host-policy.ts';
import { MediaLimits, type MediaLimitOptions } from './call/media-limits.ts';
import { memoryLimiter, redisLimiter } from './call/rate-limiters.ts';
import { createRequestView } from './http/proxy-trust.ts';
import { MediaServer, type MediaServerOptions } from './media/media-server.ts';
import { CoturnRelay, type CoturnOptions } from './turn/coturn-relay.ts';
import { iceServersFor, type TurnService } from './turn/turn-credentials.ts';
import type { Logger } from './log.ts';
import { Presence } from './presence/presence.ts';
import type { ApsEnvironment } from './protocol/index.ts';
import { ProviderToken } from './push/apns-token.ts';
import { APNS_ORIGINS, ApnsVoipSender } from './push/apns-voip.ts';
import { Http2Pool } from './push/http2-pool.ts';
import { IncomingCallPusher } from './push/incoming-call-pusher.ts';
import { FilePushLog } from './push/push-log.ts';
import { PushEndpointPolicy, type PushEndpointMode, type Resolve } from './push/push-endpoints.ts';
import { loadVapidKeys, WebPushSender, type VapidKeys } from './push/web-push-sender.ts';
import { CallRecord } from './call/call-record.ts';
import { SqlQualityRepo, type QualityRepo } from './store/quality.repo.ts';
import { SqlCallsRepo, type CallsRepo } from './store/calls.repo.ts';
import { SqlContactsRepo } from './store/contacts.repo.ts';
import { openStore, type Db, type Store } from './store/db.ts';
import { SqlDevicesRepo } from './store/devices.repo.ts';
import { SqlPushRepo } from './store/push.repo.ts';
import { SqlSessionsRepo } from './store/sessions.repo.ts';
import { SqlUsersRepo } from './store/users.repo.ts';

/**
 * The node id a server writes its calls under when none is given: one node, the same across
 * restarts, so a restart finalises what the previous run left unfinished (migration 014 gives
 * older rows this id too).
 */
export const SINGLE_NODE_ID = 'local';

const DAY_MS = 86_400_000;

export interface ServerOptions {
  dataDir: string;
  /** postgres://… (`DATABASE_URL`); without it the store is `softphone.db` in `dataDir`. */
  databaseUrl?: string;
  /**
   * This node's id, written with each call it holds (default {@link SINGLE_NODE_ID}). At start, the
   * calls a previous run under this id left unfinished are ended as `server-lost`.
   */
  nodeId?: string;
  webDir: string;
  noAnswerTimeoutMs: number;
  /** How long a device whose signalling dropped keeps its place in its call (default 20 s). */
  reconnectGraceMs?: number;
  /** socket.io's heartbeat (default socket.io's own: 25 s, then 20 s for the answer). */
  ping?: { intervalMs: number; timeoutMs: number };
  /** An answered call's direction that carries no audio for this long is a media stall (default 3000). */
  mediaStallMs?: number;
  media: Omit<MediaServerOptions, 'log'>;
  push?: PushOptions;
  /** Certificate chain and key (PEM): serve HTTPS. */
  tls?: { cert: string; key: string };
  /** Reverse proxies whose `X-Forwarded-*` are believed (proxy-addr's list; default none). */
  trustProxy?: string[];
  /** The host names it answers to (default: loopback names and IP literals only). */
  hosts?: HostPolicy;
  accountLimits?: AccountLimits;
  /** Invites per caller and per callee, pushes per device (default DEFAULT_INVITE_LIMITS). */
  inviteLimits?: InviteLimitOptions;
  /** How often expired sessions are deleted and their live connections closed (default 60 s). */
  sessionSweepMs?: number;
  /** Days a call's quality record is kept (`QUALITY_RETENTION_DAYS`, default 90). */
  qualityRetentionDays?: number;
  /** The clock sessions expire by (default `Date.now`; tests move it). */
  now?: () => number;
  /** Media requests per connection and per device (default DEFAULT_MEDIA_LIMITS). */
  mediaLimits?: MediaLimitOptions;
  /** TURN: the embedded relay (coturn as a child), an external one, or none (the default). */
  turn?: TurnOptions;
  /** Everyone is told everyone's presence, not only their contacts' (default off: `PRESENCE_DIRECTORY`). */
  presenceDirectory?: boolean;
  /** Usernames who may read the call-quality rates (`QUALITY_OPERATORS`; default nobody). */
  qualityOperators?: string[];
  /** Several nodes sharing Redis (`REDIS_URL`); without it, one node. */
  cluster?: ClusterOptions;
  /** How long a SIGTERM drain lets calls go on before ending them (default 60 s). */
  drainDeadlineMs?: number;
  /** This node's load for placement, 0..1 (default its mediasoup workers' CPU use; tests set one). */
  load?: () => Promise<number>;
  log: Logger;
}

export interface ClusterOptions {
  redisUrl: string;
  /** This node's id in the registry (default a generated one). */
  nodeId?: string;
  /** Where this node's media and TURN are reached (its PUBLIC_IP, or its listen address). */
  address: string;
  /** Past this load (0..1), calls dialled here are placed on the least-loaded live node (default 0.7). */
  homeLoadThreshold?: number;
}

export type TurnOptions = (
  { embedded: Omit<CoturnOptions, 'dataDir' | 'log' | 'tls'> } | { external: TurnService }
) & {
  /** How long a handed-out credential is valid. */
  credentialTtlMs: number;
  /** How often connected clients get fresh ones (default: at half their life). */
  credentialRefreshMs?: number;
};

export interface PushOptions {
  /** How long a call whose callee was woken waits for a device to report (default 8000). */
  reportTimeoutMs?: number;
  /** APNs token auth; without it VoIP tokens are stored but nobody is woken through APNs. */
  apns?: {
    teamId: string;
    keyId: string;
    /** The `.p8` PEM. */
    privateKey: string;
    /** Where each environment's APNs is (default Apple's; the stand-in's in tests). */
    origins?: Partial<Record<ApsEnvironment, string>>;
    /** Extra CA (PEM) to trust for APNs (the stand-in's self-signed certificate). */
    ca?: string;
    /** Fires when a push request has been written to the connection (the bench measures up to here). */
    onRequestWritten?: (callId: string, attempt: number) => void;
  };
  /** iOS bundle ids accepted in `push:register-voip`; empty accepts any. */
  bundleIds?: string[];
  /** VAPID keys; generated once and kept in the database when not given. */
  vapid?: VapidKeys;
  vapidSubject?: string;
  /** Extra CA (PEM) to trust for Web Push endpoints (a test's push-service stand-in). */
  webPushCa?: string;
  /**
   * Which Web Push endpoints are pushed to (push-endpoints.ts): browsers' push services only (the
   * default), or any https host whose addresses are public.
   */
  webPushEndpoints?: PushEndpointMode;
  /**
   * Exact loopback origins of tests' push-service stand-ins, let through the endpoint check. Only
   * tests set it; `main.ts` only with NODE_ENV=test and WEB_PUSH_TEST_ORIGINS.
   */
  webPushTestOrigins?: string[];
  /** How Web Push hosts are resolved (default the system's); tests inject one. */
  webPushResolve?: Resolve;
  /** Retry pacing for both channels (default: up to 4 VoIP / 3 Web Push tries, 250 ms doubling to 2 s). */
  retry?: { backoff: { baseMs: number; maxMs: number } };
}

export interface Server extends Application {
  media: MediaServer;
  /** The embedded TURN relay, when the server runs one. */
  relay: CoturnRelay | null;
  calls: CallService;
  /** Call history, with what the SFU saw of each call's directions. */
  history: CallsRepo;
  pusher: IncomingCallPusher;
  /** The query layer over the store (SQLite or PostgreSQL). */
  db: Db;
  cluster: Cluster;
  /** Drains (SIGTERM): no new calls, /healthz 503; resolves once no call is left (ended at the deadline). */
  drain(): Promise<void>;
  store: Store;
  /** Each ended call's quality record (issue 21). */
  quality: QualityRepo;
  /** Live calls' history writes (tests wait for them with `settled()`). */
  record: CallRecord;
  /** Closes connections, stops the media workers, waits for history writes, closes the database. */
  stop(): Promise<void>;
}

export async function startServer(o: ServerOptions): Promise<Server> {
  const store = await openStore({
    databaseUrl: o.databaseUrl,
    sqliteFile: path.join(o.dataDir, 'softphone.db'),
  });
  try {
    return await startOn(store, o);
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function startOn(store: Store, o: ServerOptions): Promise<Server> {
  const { db } = store;
  // One node keeps one id across restarts (its previous run's rows are found by it); a node of
  // several is given one or makes one up (a dead node's rows are found by the survivors' reaper).
  const nodeId = o.cluster?.nodeId ?? o.nodeId ?? (o.cluster ? generatedNodeId() : SINGLE_NODE_ID);
  const redis = o.cluster ? await connectRedis(o.cluster.redisUrl, o.log.child({ module: 'redis' })) : null;
  const limiter = redis ? redisLimiter(redis.cmd) : memoryLimiter;
  const cluster: Cluster = redis
    ? new RedisCluster(redis, nodeId, o.log, o.cluster?.homeLoadThreshold ?? 0.7)
    : new LocalCluster(nodeId);
  const history = new SqlCallsRepo(db);
  // A node that starts holds no call yet: any row under its id is a previous run's, cut short.
  const lost = await history.finaliseNode(nodeId, Date.now());
  if (lost.length)
    o.log.warn(
      { calls: lost.length, nodeId },
      "calls the previous run left unfinished ended as 'server-lost'",
    );
  const users = new SqlUsersRepo(db);
  const devices = new SqlDevicesRepo(db);
  const accounts = new AccountService(users, new SqlSessionsRepo(db), o.accountLimits, o.now, limiter);
  const pushRepo = new SqlPushRepo(db);
  const p = o.push ?? {};
  const vapid = await loadVapidKeys(pushRepo, p.vapid ?? null);
  const media = new MediaServer({ ...o.media, log: o.log });
  await media.start();
  const relay =
    o.turn && 'embedded' in o.turn
      ? new CoturnRelay({
          ...o.turn.embedded,
          dataDir: o.dataDir,
          log: o.log,
          ...(o.tls ? { tls: o.tls } : {}),
        })
      : null;
  try {
    await relay?.start();
  } catch (err) {
    await media.stop();
    throw err;
  }
  const turn = relay?.service ?? (o.turn && 'external' in o.turn ? o.turn.external : null);
  const ttlMs = o.turn?.credentialTtlMs ?? 0;
  const ice: IceServerSource = {
    // Several nodes sit behind a load balancer that carries the web port only: a device reaches
    // this node's relay by the node's own address, not by the name it dialled.
    servers: (userId, host) => iceServersFor(turn, userId, ttlMs, o.cluster?.address || host),
    refreshMs: o.turn?.credentialRefreshMs ?? Math.max(ttlMs / 2, 1_000),
  };
  const presence = new Presence({
    contacts: new SqlContactsRepo(db),
    users,
    directory: o.presenceDirectory ?? false,
    wakeableUsers: () => pushRepo.wakeableUsers(),
    shared: cluster.presence,
  });
  const pushLog = new FilePushLog(path.join(o.dataDir, 'apns-pushes.jsonl'));
  const pool = new Http2Pool({
    size: 2,
    requestTimeoutMs: 5_000,
    ...(p.apns?.ca ? { tls: { ca: p.apns.ca } } : {}),
    log: o.log,
  });
  const voip = p.apns
    ? new ApnsVoipSender({
        origins: { ...APNS_ORIGINS, ...p.apns.origins },
        token: new ProviderToken({
          teamId: p.apns.teamId,
          keyId: p.apns.keyId,
          privateKey: p.apns.privateKey,
        }),
        pool,
        pushLog,
        log: o.log.child({ module: 'apns' }),
        ...(p.apns.onRequestWritten ? { onRequestWritten: p.apns.onRequestWritten } : {}),
        ...(p.retry ? { backoff: p.retry.backoff } : {}),
      })
    : null;
  if (!voip) o.log.warn('no APNs key configured: iPhones that are not connected cannot be woken');
  const endpoints = new PushEndpointPolicy({
    mode: p.webPushEndpoints ?? 'push-services',
    ...(p.webPushTestOrigins ? { testOrigins: p.webPushTestOrigins } : {}),
    ...(p.webPushResolve ? { resolve: p.webPushResolve } : {}),
  });
  const web = new WebPushSender({
    vapid,
    subject: p.vapidSubject ?? 'mailto:softphone@localhost',
    endpoints,
    ...(p.webPushCa ? { ca: p.webPushCa } : {}),
    ...(p.retry ? { backoff: p.retry.backoff } : {}),
    log: o.log.child({ module: 'web-push' }),
  });
  const limits = new InviteLimits(o.inviteLimits, limiter);
  const pusher = new IncomingCallPusher({ repo: pushRepo, voip, web, limits, log: o.log });
  // The node's current id: a node declared dead re-registers under a new one.
  const quality = new SqlQualityRepo(db);
  const record = new CallRecord(history, () => cluster.nodeId(), o.log.child({ module: 'history' }), quality);
  const calls = new CallService({
    presence,
    media,
    users,
    calls: history,
    record,
    log: o.log,
    noAnswerTimeoutMs: o.noAnswerTimeoutMs,
    reconnectGraceMs: o.reconnectGraceMs ?? 20_000,
    // Counters read twice a second: a stall is seen within half a second of its threshold.
    watch: { stallAfterMs: o.mediaStallMs ?? 3_000, everyMs: 500 },
    waker: pusher,
    reportTimeoutMs: p.reportTimeoutMs ?? 8_000,
    limits,
    homes: {
      started: (call) => cluster.callStarted(heldCall(call)),
      ended: (call) => {
        cluster.callEnded(heldCall(call));
        app.router.released(call.users);
        for (const listener of callsEnded) listener();
      },
    },
  });
  const heldCall = (call: HeldCall) => ({ callId: call.id, home: cluster.nodeId(), users: call.users });
  /** Told when a call ends here (the drain waits for the last). */
  const callsEnded = new Set<() => void>();
  const drain = new Drain();
  const app = createApplication({
    cluster,
    drain,
    // Streams rather than pub/sub (@socket.io/redis-adapter): after a Redis outage the stream is
    // read on from where it stopped, so no event sent meanwhile is lost, and it supports connection
    // state recovery (pub/sub keeps nothing; socket.io docs, Adapters).
    ...(redis ? { adapter: createAdapter(redis.cmd) } : {}),
    accounts,
    devices,
    history,
    presence,
    calls,
    mediaLimits: new MediaLimits(o.mediaLimits, limiter),
    media,
    log: o.log,
    webDir: o.webDir,
    noAnswerTimeoutMs: o.noAnswerTimeoutMs,
    ping: o.ping,
    push: { repo: pushRepo, vapidPublicKey: web.publicKey, bundleIds: p.bundleIds ?? [], endpoints },
    tls: o.tls,
    view: createRequestView(o.trustProxy ?? []),
    hosts: o.hosts ?? { names: [], anyName: false },
    ice,
    relay,
    quality: { repo: quality, operators: o.qualityOperators ?? [] },
  });
  // A session's expiry is checked at each connection and request; this ends the connections it
  // outlived, within a sweep of its expiry, and keeps the table from growing forever.
  const purge = async () => {
    try {
      const ended = await accounts.purgeExpired();
      if (ended) o.log.info({ ended }, 'expired sessions purged');
    } catch (err) {
      o.log.error({ err }, 'expired sessions not purged: the store did not answer');
    }
  };
  // At start too: sessions that expired while the server was down are never read again.
  await purge();
  const sweep = setInterval(() => void purge(), o.sessionSweepMs ?? 60_000);
  sweep.unref();
  // Quality records older than the retention are no one's business: pruned at start, then daily.
  const retentionMs = (o.qualityRetentionDays ?? 90) * DAY_MS;
  const prune = async () => {
    try {
      const pruned = await quality.prune(Date.now() - retentionMs);
      if (pruned) o.log.info({ pruned }, 'quality records past their retention pruned');
    } catch (err) {
      o.log.error({ err }, 'quality records not pruned: the store did not answer');
    }
  };
  await prune();
  const pruning = setInterval(() => void prune(), DAY_MS);
  pruning.unref();
  const cpu = new CpuMeter(() => media.cpuUsage());
  const load = o.load ?? (() => cpu.read());
  await cluster.start({
    serve: app.router.serve,
    load: async () => ({
      address: o.cluster?.address ?? '',
      calls: calls.activeCalls,
      cpu: await load(),
      draining: drain.draining,
    }),
    heldCalls: () => calls.held().map(heldCall),
    localDevices: () => presence.connectedDevices(),
    tellEnded: (call) => {
      for (const u of call.users)
        app.io
          .to(`user:${u}`)
          .emit('call:ended', { callId: call.callId, reason: EndReason.ServerLost, by: 'server' });
    },
    nodeLost: (node) => app.router.nodeLost(node),
    presenceGone: (peers) => presence.gone(app.io.of('/'), peers),
    fenced: () => calls.endAllLostElsewhere(),
    finaliser: { finaliseCallsOf: (node, at) => history.finaliseNode(node, at) },
  });
  o.log.info({ node: cluster.nodeId(), clustered: cluster.clustered }, 'node started');
  return {
    ...app,
    cluster,
    drain: () =>
      drain.run(
        {
          activeCalls: () => calls.activeCalls,
          endAll: () => calls.endAll(),
          callsChanged: (l) => (callsEnded.add(l), () => callsEnded.delete(l)),
        },
        o.drainDeadlineMs ?? 60_000,
      ),
    media,
    relay,
    calls,
    history,
    pusher,
    db,
    store,
    quality,
    record,
    async stop() {
      clearInterval(sweep);
      clearInterval(pruning);
      // The adapter stops reading before its Redis connections close. Open HTTP connections (a
      // page's keep-alive, through a load balancer's long tunnel) would hold the close for as long
      // as they live: they are cut, the sockets with them.
      const closed = app.io.close();
      app.httpServer.closeAllConnections();
      await closed;
      await cluster.stop();
      await pusher.settled();
      await pool.close();
      await pushLog.close();
      web.close();
      await media.stop();
      await relay?.stop();
      // The calls the workers' exit ended have their end rows queued: none is lost.
      await record.settled();
      await store.close();
    },
  };
}
