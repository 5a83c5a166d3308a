/**
 * What a node knows of the others. {@link LocalCluster}: one node, nothing elsewhere (no REDIS_URL,
 * as before the cluster existed). {@link RedisCluster}: nodes that share Redis: the registry and
 * its heartbeat, the call → home map, where devices are, requests between nodes, and the reaper.
 * The rest of the server takes a {@link Cluster} and has one code path for both.
 */
import crypto from 'node:crypto';
import type { Logger } from '../log.ts';
import {
  type CallHome,
  type CallId,
  type NodeEntry,
  type NodeId,
  type NodeRequest,
  type Peer,
  type UserId,
} from '../protocol/index.ts';
import { CallHomes } from './call-homes.ts';
import type { CallFinaliser } from './call-finaliser.ts';
import { DevicePlaces, type PlacedDevice } from './device-places.ts';
import { NodeRegistry, isLive, isStale, reapKey, STALE_MS } from './node-registry.ts';
import { NodeRpc, type NodeRequestHandler } from './node-rpc.ts';
import type { RedisClients } from './redis-clients.ts';
import { RedisPresence, type SharedPresence } from './shared-presence.ts';

/** What the node tells and asks the cluster machinery, once the server is built. */
export interface ClusterHost {
  /** Runs a request another node forwarded to this one. */
  serve: NodeRequestHandler;
  /** This node's registry entry now, but for its id and time. */
  load: () => Promise<Pick<NodeEntry, 'address' | 'calls' | 'cpu' | 'draining'>>;
  /** The calls this node holds, to rewrite their records every beat. */
  heldCalls: () => CallHome[];
  /** The devices connected here, to write their places again after a Redis restart. */
  localDevices: () => { peer: Peer; deviceId: string }[];
  /** The parties of a dead node's call are told it ended (they may be connected anywhere). */
  tellEnded: (call: CallHome) => void;
  /** Another node died: devices of this node's calls that were connected to it are away now. */
  nodeLost: (node: NodeId) => void;
  /** Users whose devices were all on a node that died: their watchers are told. */
  presenceGone: (peers: Peer[]) => void;
  /** This node was declared dead by the others while alive: its calls end (they were told so). */
  fenced: () => void;
  finaliser: CallFinaliser;
}

export interface Cluster {
  readonly clustered: boolean;
  /** Who is online on the other nodes (none when not clustered). */
  readonly presence: SharedPresence | undefined;
  nodeId(): NodeId;
  /** The nodes seen live at the last beat (this one alone when not clustered). */
  liveNodes(): NodeId[];
  /**
   * Where a call dialled here lives: this node, unless its load is past the threshold, then the
   * least-loaded live node (fewest calls on a tie), as seen at the last beat.
   */
  placeCall(): NodeId;
  start(host: ClusterHost): Promise<void>;
  /** The call's record, when another node holds it. */
  /** Whether the shared state (Redis) answers now; a node alone always does. */
  reachable(): boolean;
  callElsewhere(callId: CallId): Promise<CallHome | null>;
  /** The call the user is in on another node, if any. */
  userCallElsewhere(user: UserId): Promise<CallHome | null>;
  /** The user's devices connected to other live nodes. */
  devicesElsewhere(user: UserId): Promise<PlacedDevice[]>;
  request(node: NodeId, request: NodeRequest): Promise<unknown>;
  callStarted(call: CallHome): void;
  callEnded(call: CallHome): void;
  deviceConnected(peer: Peer, deviceId: string): void;
  deviceLeft(user: UserId, deviceId: string): void;
  stop(): Promise<void>;
}

export class LocalCluster implements Cluster {
  readonly clustered = false;
  readonly presence = undefined;
  constructor(private readonly id: NodeId) {}
  nodeId(): NodeId {
    return this.id;
  }
  liveNodes(): NodeId[] {
    return [this.id];
  }
  placeCall(): NodeId {
    return this.id;
  }
  async start(): Promise<void> {}
  reachable(): boolean {
    return true;
  }
  async callElsewhere(): Promise<null> {
    return null;
  }
  async userCallElsewhere(): Promise<null> {
    return null;
  }
  async devicesElsewhere(): Promise<PlacedDevice[]> {
    return [];
  }
  request(): Promise<unknown> {
    return Promise.reject(new Error('a single node has no other node to ask'));
  }
  callStarted(): void {}
  callEnded(): void {}
  deviceConnected(): void {}
  deviceLeft(): void {}
  async stop(): Promise<void> {}
}

/** How long a lookup about a call waits for Redis to come back (the node RPC's own timeout). */
const LOOKUP_WAIT_MS = 5_000;
/** The beat; the registry's staleness (STALE_MS) allows a few missed ones. */
const BEAT_MS = 1_000;
/** How long a reaper holds a dead node's mark: its id is never reused, the mark only fences it. */
const REAP_MARK_MS = 60_000;

export class RedisCluster implements Cluster {
  readonly clustered = true;
  readonly presence: RedisPresence;
  private id: NodeId;
  private readonly registry: NodeRegistry;
  private readonly homes: CallHomes;
  private readonly places: DevicePlaces;
  private readonly rpc: NodeRpc;
  private host: ClusterHost | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** The beat under way, awaited by stop() so none runs on a closed store. */
  private beating: Promise<void> | null = null;
  private stopped = false;
  /** The entries of the nodes seen live at the last beat. */
  private live = new Map<NodeId, NodeEntry>();
  /** When a beat last waited on Redis (paused, overloaded): no node's beat got through meanwhile. */
  private waitedAt = -Infinity;
  private readonly log: Logger;

  constructor(
    private readonly redis: RedisClients,
    private readonly baseId: NodeId,
    log: Logger,
    /** Past this load (0..1) this node places the calls dialled on it elsewhere. */
    private readonly homeLoadThreshold: number,
    private readonly now: () => number = Date.now,
  ) {
    this.id = baseId;
    this.log = log.child({ module: 'cluster' });
    this.registry = new NodeRegistry(redis.cmd);
    this.homes = new CallHomes(redis.cmd);
    this.places = new DevicePlaces(redis.cmd);
    this.rpc = new NodeRpc(redis.cmd, redis.sub, () => this.id, this.log);
    this.presence = new RedisPresence(redis.cmd, () => this.id);
    // Redis keeps nothing through a restart: what this node holds is written again.
    redis.cmd.on('ready', () => void this.rewriteDevices());
  }

  nodeId(): NodeId {
    return this.id;
  }

  liveNodes(): NodeId[] {
    return [...this.live.keys()];
  }

  placeCall(): NodeId {
    const self = this.live.get(this.id);
    if (!self || self.cpu <= this.homeLoadThreshold) return this.id;
    const [least] = [...this.live.values()].sort((x, y) => x.cpu - y.cpu || x.calls - y.calls);
    return least?.id ?? this.id;
  }

  async start(host: ClusterHost): Promise<void> {
    this.host = host;
    await this.rpc.listen(host.serve);
    await this.beatOnce();
    this.timer = setInterval(() => void this.beatOnce(), BEAT_MS);
  }

  reachable(): boolean {
    return this.redis.upSince() !== null;
  }

  async callElsewhere(callId: CallId): Promise<CallHome | null> {
    const home = await this.lookup(() => this.homes.homeOf(callId));
    return home && home.home !== this.id ? home : null;
  }

  async userCallElsewhere(user: UserId): Promise<CallHome | null> {
    const call = await this.lookup(() => this.homes.callOf(user));
    return call && call.home !== this.id ? call : null;
  }

  /**
   * A lookup made while Redis is briefly away (a restart, a failover) waits for it, a while: a
   * hang-up sent just then reaches the call's home instead of being refused as "no such call".
   * Redis still away after that: nothing found, as on a node alone. Just back (a restart loses
   * what Redis held), a miss is asked again once every home has written its calls again.
   */
  private async lookup<T>(read: () => Promise<T | null>): Promise<T | null> {
    let found: T | null;
    try {
      found = await read();
    } catch {
      if (!(await this.redis.whenUp(LOOKUP_WAIT_MS))) return null;
      found = await read().catch(() => null);
    }
    // A Redis that restarted empty has the records back once every home has beaten again.
    const back = this.redis.backSince();
    const rewritten = back === null ? 0 : back + 2 * BEAT_MS - this.now();
    if (found !== null || rewritten <= 0) return found;
    await new Promise((r) => setTimeout(r, rewritten));
    return read().catch(() => null);
  }

  async devicesElsewhere(user: UserId): Promise<PlacedDevice[]> {
    const devices = (await this.places.of(user).catch(() => [])).filter((d) => d.node !== this.id);
    // A node that joined (or came back under a new id) since the last beat: ask the registry now
    // rather than ring none of the devices connected to it.
    if (devices.some((d) => !this.live.has(d.node)))
      await this.registry
        .entries()
        .then((entries) => this.noteLive(entries, this.now()))
        .catch(() => undefined);
    return devices.filter((d) => this.live.has(d.node));
  }

  private noteLive(entries: NodeEntry[], now: number): void {
    this.live = new Map(entries.filter((e) => isLive(e, now)).map((e) => [e.id, e]));
  }

  request(node: NodeId, request: NodeRequest): Promise<unknown> {
    return this.rpc.request(node, request);
  }

  callStarted(call: CallHome): void {
    this.homes
      .hold(call)
      .catch((err: unknown) => this.log.warn({ err, callId: call.callId }, 'call home not written'));
  }

  callEnded(call: CallHome): void {
    this.homes
      .release(call)
      .catch((err: unknown) => this.log.warn({ err, callId: call.callId }, 'call home not removed'));
  }

  deviceConnected(peer: Peer, deviceId: string): void {
    this.places.connected(this.id, peer, deviceId).catch(() => undefined);
  }

  deviceLeft(user: UserId, deviceId: string): void {
    this.places.left(this.id, user, deviceId).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.beating;
    this.rpc.close();
    await this.registry.remove(this.id).catch(() => undefined);
    await this.redis.close();
  }

  private beatOnce(): Promise<void> {
    if (this.stopped || this.beating) return this.beating ?? Promise.resolve();
    this.beating = this.beat().finally(() => (this.beating = null));
    return this.beating;
  }

  /** Writes the entry and the held calls' records, then looks for dead nodes. */
  private async beat(): Promise<void> {
    const host = this.host;
    if (!host) return;
    try {
      const entry = { id: this.id, ...(await host.load()), updatedAt: this.now() };
      const verdict = await this.registry.beat(entry);
      this.noteWait(entry.updatedAt);
      // Under its new id it goes on as any node: it learns at once who is live (its first calls
      // look for devices on them), rather than a beat later.
      if (verdict === 'reaped') await this.fence(host);
      await Promise.all(host.heldCalls().map((c) => this.homes.hold({ ...c, home: this.id })));
      await this.reapStale(host);
    } catch (err) {
      this.log.debug({ err }, 'beat not written (Redis unreachable?)');
    }
  }

  private async reapStale(host: ClusterHost): Promise<void> {
    const now = this.now();
    const entries = await this.registry.entries();
    this.noteWait(now);
    this.noteLive(entries, now);
    // Nobody could beat while Redis was away, or while it made every client wait (a pause, a
    // stall: the connections stay up, the beats queue and land late with old times): entries are
    // judged only once every node has had the time to write again since then.
    const upSince = this.redis.upSince();
    if (upSince === null || now - upSince <= STALE_MS || this.now() - this.waitedAt <= STALE_MS) return;
    for (const e of entries) {
      if (e.id === this.id || !isStale(e, now)) continue;
      const mine = await this.redis.cmd.set(reapKey(e.id), this.id, 'PX', REAP_MARK_MS, 'NX');
      if (mine === 'OK') await this.reap(host, e.id);
    }
  }

  /** A Redis round trip begun at `since` that took longer than a beat: Redis kept everyone waiting. */
  private noteWait(since: number): void {
    const now = this.now();
    if (now - since > BEAT_MS) this.waitedAt = now;
  }

  /** This node alone ends the dead node's calls for their parties and in history. */
  private async reap(host: ClusterHost, node: NodeId): Promise<void> {
    const calls = await this.homes.callsOf(node);
    const finalised = await host.finaliser.finaliseCallsOf(node, this.now());
    for (const call of calls) host.tellEnded(call);
    await this.homes.forgetNode(node, calls);
    await this.places.purge(node);
    host.presenceGone(await this.presence.purge(node));
    await this.registry.remove(node);
    host.nodeLost(node);
    this.log.warn({ node, calls: calls.length, finalised: finalised.length }, 'dead node reaped');
  }

  /** Declared dead while alive: its calls end, and it comes back as a new node. */
  private async fence(host: ClusterHost): Promise<void> {
    const old = this.id;
    host.fenced();
    this.id = `${this.baseId}-${crypto.randomBytes(3).toString('hex')}`;
    this.log.warn(
      { old, id: this.id },
      'this node was declared dead by the others: its calls ended, registered again',
    );
    await this.rpc.listen(host.serve, old);
    await this.rewriteDevices();
    await this.registry.beat({ id: this.id, ...(await host.load()), updatedAt: this.now() });
  }

  private async rewriteDevices(): Promise<void> {
    for (const d of this.host?.localDevices() ?? []) {
      await this.places.connected(this.id, d.peer, d.deviceId).catch(() => undefined);
      await this.presence.arrived(d.peer, d.deviceId).catch(() => undefined);
    }
  }
}

/** A node id when NODE_ID is not set. */
export const generatedNodeId = (): NodeId => `node-${crypto.randomBytes(4).toString('hex')}`;
