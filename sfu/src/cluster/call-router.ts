/**
 * The signalling edge of a cluster: a request about a call held by another node goes to that node
 * (its home), and the device gets the home's answer; a forwarded request is run here as if the
 * device were connected here. The home keeps one {@link Member} for each device of its calls that
 * is connected elsewhere: its events go through the device's room, which the socket.io adapter
 * carries to the device's node. With a {@link LocalCluster} every call is held here.
 */
import { CallError } from '../call/call-error.ts';
import type { CallService } from '../call/call-service.ts';
import type { LateSocket } from '../call/call-session.ts';
import type { Logger } from '../log.ts';
import {
  deviceRoom,
  roomSender,
  type Member,
  Member as DeviceMember,
  type Presence,
} from '../presence/presence.ts';
import {
  DeviceBackReplySchema,
  EndReason,
  ErrorCode,
  requests,
  type DeviceBackReply,
  type CallId,
  type DeviceRef,
  type NodeId,
  type NodeRequest,
  type Peer,
  type RequestPayload,
  type RequestResult,
  type UserId,
} from '../protocol/index.ts';
import { isCallRequest, runCallRequest, type CallRequestName } from '../signalling/call-requests.ts';
import type { AppServer } from '../signalling/types.ts';
import type { Cluster } from './cluster.ts';

export interface CallRouterDeps {
  cluster: Cluster;
  calls: CallService;
  presence: Presence;
  nsp: ReturnType<AppServer['of']>;
  log: Logger;
}

/** A device asking on one of its sockets. */
export interface Asker {
  member: Member;
  socketId: string;
}

export class CallRouter {
  /** Devices of this node's calls connected to other nodes: user → device → member and node. */
  private readonly remote = new Map<UserId, Map<string, { member: Member; node: NodeId }>>();

  constructor(private readonly d: CallRouterDeps) {}

  /** A request about a call: run on its home (here when held here or nowhere else). */
  async route<K extends CallRequestName>(
    asker: Asker,
    event: K,
    payload: RequestPayload<K>,
  ): Promise<RequestResult<K>> {
    const callId = (payload as { callId: CallId }).callId;
    if (!this.d.calls.holds(callId)) {
      const home = await this.d.cluster.callElsewhere(callId);
      if (home) {
        const data = await this.d.cluster.request(home.home, {
          kind: 'call',
          event,
          payload,
          from: this.ref(asker),
        });
        const result = requests[event].result.safeParse(data);
        if (!result.success) throw new CallError(ErrorCode.Internal, 'the call’s server answered nonsense');
        return result.data as RequestResult<K>;
      }
    }
    return runCallRequest(
      this.d.calls,
      { member: asker.member, socket: this.socket(asker.socketId) },
      event,
      payload,
    );
  }

  /**
   * A new call dialled here: placed on this node, or (this one loaded) on the node the cluster
   * picks, which becomes its home (holds its session and router, and alone wakes the callee).
   */
  async invite(asker: Asker, to: UserId): Promise<CallId> {
    const home = this.d.cluster.placeCall();
    if (home === this.d.cluster.nodeId()) return this.place(asker.member, to);
    const data = await this.d.cluster.request(home, { kind: 'invite', to, from: this.ref(asker) });
    const result = requests['call:invite'].result.safeParse(data);
    if (!result.success) throw new CallError(ErrorCode.Internal, 'the call’s server answered nonsense');
    return result.data.callId;
  }

  /** A call held here; what other nodes know of the callee is added. */
  private async place(from: Member, to: UserId): Promise<CallId> {
    if (await this.d.cluster.userCallElsewhere(from.peer.id))
      throw new CallError(ErrorCode.AlreadyInCall, 'you are already in a call');
    const busy = (await this.d.cluster.userCallElsewhere(to)) !== null;
    const devices = busy
      ? []
      : (await this.d.cluster.devicesElsewhere(to)).map((d) => this.remoteMember(d.peer, d.deviceId, d.node));
    return this.d.calls.invite(from, to, { busy, devices });
  }

  /**
   * A device's first socket here: if its call is held elsewhere, the home gives the call back to
   * it, and `socket` is sent what the home says (its resync) once this resolves, so the caller can
   * welcome the socket after it as a single node does (clients expect the resync first:
   * web/src/shell-simulator/signalling/native-call-control.ts).
   */
  async deviceConnected(asker: Asker, socket: LateSocket): Promise<void> {
    this.d.cluster.deviceConnected(asker.member.peer, asker.member.deviceId);
    const user = asker.member.peer.id;
    if (this.d.calls.inCall(user)) return;
    const call = await this.d.cluster.userCallElsewhere(user).catch((err: unknown) => {
      this.d.log.warn({ err, user }, 'the call’s server was not looked up for the device');
      return null;
    });
    if (!call) return;
    try {
      const reply = DeviceBackReplySchema.safeParse(
        await this.d.cluster.request(call.home, { kind: 'device-back', from: this.ref(asker) }),
      );
      if (reply.success) for (const e of reply.data.events) socket.emit(e.event, e.payload);
    } catch (err) {
      // The call's home does not answer: the device was most likely on it when it died (it comes
      // back here through the load balancer, often before the reaper has run). It hears now the
      // end the reaper tells the other party, not a bare "connection lost".
      this.d.log.warn(
        { err, user, callId: call.callId, home: call.home },
        'the call’s server did not answer',
      );
      socket.emit('call:ended', { callId: call.callId, reason: EndReason.ServerLost, by: 'server' });
    }
  }

  /** The device's last socket here went: its call's home, if elsewhere, hears it. */
  deviceLeft(asker: Asker, gone: boolean): void {
    this.d.cluster.deviceLeft(asker.member.peer.id, asker.member.deviceId);
    void this.toHome(asker, (from) => ({ kind: 'device-left', from, gone }));
  }

  /** The member this node's call holds for a device connected elsewhere, if any. */
  remoteDevice(user: UserId, deviceId: string): Member | undefined {
    return this.remote.get(user)?.get(deviceId)?.member;
  }

  /** Runs what another node forwarded. */
  serve = async (request: NodeRequest, node: NodeId): Promise<unknown> => {
    const member = this.memberOf(request.from, node);
    const socket = this.socket(request.from.socketId);
    switch (request.kind) {
      case 'invite':
        return { callId: await this.place(member, request.to) };
      case 'call': {
        const { event } = request;
        if (!isCallRequest(event)) throw new CallError(ErrorCode.UnknownEvent, `unknown event "${event}"`);
        const payload = requests[event].payload.safeParse(request.payload);
        if (!payload.success) throw new CallError(ErrorCode.InvalidPayload, 'invalid forwarded payload');
        return runCallRequest(
          this.d.calls,
          { member, socket },
          event,
          payload.data as RequestPayload<typeof event>,
        );
      }
      case 'device-left':
        if (request.gone) this.d.calls.sessionEnded(member);
        else this.d.calls.disconnected(member);
        return {};
      case 'device-back': {
        // Kept for the reply: the asking node sends them before its welcome.
        const events: DeviceBackReply['events'] = [];
        this.d.calls.connected(member, {
          socketId: socket.socketId,
          emit: (event, payload) => events.push({ event, payload } as DeviceBackReply['events'][number]),
        });
        return { events } satisfies DeviceBackReply;
      }
    }
  };

  /** Another node died: devices of this node's calls that were connected there are away now. */
  nodeLost(node: NodeId): void {
    for (const devices of this.remote.values())
      for (const { member, node: at } of devices.values())
        if (at === node && !member.connected) this.d.calls.disconnected(member);
  }

  /** A call of these users ended here: the members kept for their devices elsewhere go. */
  released(users: UserId[]): void {
    for (const u of users) this.remote.delete(u);
  }

  /** Tells the home of the user's call, if another node holds it; its answer, if any. */
  private async toHome(asker: Asker, request: (from: DeviceRef) => NodeRequest): Promise<unknown> {
    const user = asker.member.peer.id;
    if (this.d.calls.inCall(user)) return undefined;
    try {
      const call = await this.d.cluster.userCallElsewhere(user);
      return call ? await this.d.cluster.request(call.home, request(this.ref(asker))) : undefined;
    } catch (err) {
      this.d.log.warn({ err, user }, 'the call’s server was not told of the device');
      return undefined;
    }
  }

  private memberOf(ref: DeviceRef, node: NodeId): Member {
    const local = this.d.presence.devicesOf(ref.peer.id).find((m) => m.deviceId === ref.deviceId);
    return local ?? this.remoteMember(ref.peer, ref.deviceId, node);
  }

  private remoteMember(peer: Peer, deviceId: string, node: NodeId): Member {
    const devices = this.remote.get(peer.id) ?? new Map<string, { member: Member; node: NodeId }>();
    this.remote.set(peer.id, devices);
    const known = devices.get(deviceId);
    const member =
      known?.member ?? new DeviceMember(peer, deviceId, roomSender(this.d.nsp, deviceRoom(deviceId)));
    devices.set(deviceId, { member, node });
    return member;
  }

  /** A socket on any node: a socket's id is a room the adapter reaches. */
  private socket(socketId: string): LateSocket {
    return { socketId, emit: roomSender(this.d.nsp, socketId) };
  }

  private ref(asker: Asker): DeviceRef {
    return { peer: asker.member.peer, deviceId: asker.member.deviceId, socketId: asker.socketId };
  }
}
