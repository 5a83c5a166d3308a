/**
 * Who can be called, and who is told so. A user is online while at least one of their devices is
 * connected, asleep when none is but a push can wake one, offline otherwise. A user's devices are
 * told the presence of their contacts (people they added by username, called or were called by:
 * {@link ContactsRepo}), or of everyone when the deployment turns the directory on
 * (`PRESENCE_DIRECTORY`).
 *
 * Each connection is sent its list once (`presence:users`); after that a user's change reaches
 * only the connections watching them (review M7): every socket joins the socket.io room
 * `presence:<id>` of each of its user's contacts (or the directory's one room), and a change is one
 * emit to those rooms, which socket.io fans out. No query runs per recipient: one for the
 * connecting socket's contacts, and one to tell asleep from offline when a user's last device goes.
 *
 * Across several nodes ({@link SharedPresence}, in Redis) a user is online while a device is
 * connected to any node: the node that sees their first device arrive (or last one go) tells the
 * watchers, whose rooms the socket.io adapter reaches on every node. One node alone answers from
 * its own memory, at once (a connection's list is written before its welcome, as it always was).
 *
 * A device is every socket that connected with its device id: a browser tab's, and on an iPhone
 * both the page's and the shell's own (which carries call control while the page is frozen). The
 * device is one member of a call whichever of its sockets speaks, hears every event on all of them,
 * and leaves only when its last socket has gone.
 */
import { CallError } from '../call/call-error.ts';
import {
  ErrorCode,
  type Peer,
  type PresenceState,
  type ServerEventName,
  type ServerEventPayload,
  type UserId,
} from '../protocol/index.ts';
import type { SharedPresence } from '../cluster/shared-presence.ts';
import type { AppSocket } from '../signalling/types.ts';
import type { Contact, ContactsRepo } from '../store/contacts.repo.ts';
import type { UsersRepo } from '../store/users.repo.ts';

/** Sends one event to every socket of a device, on whichever server node each is connected. */
export type DeviceSend = <K extends ServerEventName>(event: K, payload: ServerEventPayload<K>) => void;

/** The socket.io room of every socket of a device, on every node. */
export const deviceRoom = (deviceId: string): string => `device:${deviceId}`;

/**
 * What a socket.io namespace (the server's, or a socket's `nsp`) sends to a room: a device's, or
 * one socket's (its id is a room), on whichever node its sockets are.
 */
export function roomSender(nsp: Pick<AppSocket['nsp'], 'to'>, room: string): DeviceSend {
  // socket.io's typed emit can't take an event name that is a type parameter.
  return (event, payload) => (nsp.to(room).emit as (e: string, p: unknown) => boolean)(event, payload);
}

/**
 * One device of a user: all its sockets. A call's home node holds one for each of the call's
 * devices, including those connected to another node (they have no socket here): events go through
 * the device's room, which the socket.io adapter carries to the node holding its sockets.
 */
export class Member {
  private readonly sockets = new Set<AppSocket>();

  constructor(
    readonly peer: Peer,
    readonly deviceId: string,
    private readonly send: DeviceSend,
  ) {}

  get connected(): boolean {
    return this.sockets.size > 0;
  }

  /** The ids of the device's sockets on this node now. */
  socketIds(): Set<string> {
    return new Set([...this.sockets].map((s) => s.id));
  }

  /** Sends to every socket of the device. */
  emit<K extends ServerEventName>(event: K, payload: ServerEventPayload<K>): void {
    this.send(event, payload);
  }

  /** @internal Presence's, as sockets come and go. */
  attach(socket: AppSocket): void {
    this.sockets.add(socket);
  }

  /** @internal */
  detach(socket: AppSocket): void {
    this.sockets.delete(socket);
  }
}

export interface PresenceDeps {
  contacts: ContactsRepo;
  users: UsersRepo;
  /**
   * Everyone is told everyone's presence (a deployment whose users all know each other: a family, a
   * team). Off, only contacts are: a server anyone can sign up on must not hand each new account a
   * list of who else is there.
   */
  directory: boolean;
  /** Users with a push registration: the directory's asleep list. */
  wakeableUsers: () => Promise<Peer[]>;
  /** Who is online on the other nodes (several nodes); absent, this node is the whole truth. */
  shared?: SharedPresence | undefined;
}

/**
 * What a connecting user's presence needs from the store, read before the connection is accepted
 * (see {@link Presence.arrival}): their contacts, or with the directory on, who can be woken.
 */
export type Arrival = { contacts: Contact[] } | { wakeable: Peer[] };

/** Where a presence change is sent from: a socket's namespace, or the server's. */
type Rooms = Pick<AppSocket['nsp'], 'to'>;

/** All sockets of a user (their own changes are not sent back to them). */
const userRoom = (id: UserId) => `user:${id}`;
/** The sockets told `id`'s presence. */
const watchRoom = (id: UserId) => `presence:${id}`;
/** With the directory on, every socket: told everyone's presence. */
const DIRECTORY_ROOM = 'presence:*';

export class Presence {
  private readonly users = new Map<UserId, Map<string, Member>>();

  constructor(private readonly d: PresenceDeps) {}

  /** Every device connected here. */
  connectedDevices(): { peer: Peer; deviceId: string }[] {
    return [...this.users.values()].flatMap((devices) => [...devices.values()]);
  }

  /** The user's connected devices (empty when offline). */
  devicesOf(id: UserId): Member[] {
    return [...(this.users.get(id)?.values() ?? [])];
  }

  /** Read before {@link connect}, which then runs in one go with the connection's handlers. */
  async arrival(user: UserId): Promise<Arrival> {
    return this.d.directory
      ? { wakeable: await this.d.wakeableUsers() }
      : { contacts: await this.d.contacts.contactsOf(user) };
  }

  /**
   * A socket connected: the device it belongs to (the same object for every socket of a device).
   * `away`: the device as its call still holds it, when it reconnects after its last socket went.
   */
  connect(socket: AppSocket, arrival: Arrival, away?: Member): Member {
    const peer = socket.data.user;
    const devices = this.users.get(peer.id) ?? new Map<string, Member>();
    const cameOnline = devices.size === 0;
    const deviceId = socket.data.deviceId;
    const arrived = !devices.has(deviceId);
    const member =
      devices.get(deviceId) ??
      away ??
      new Member(peer, deviceId, roomSender(socket.nsp, deviceRoom(deviceId)));
    member.attach(socket);
    devices.set(member.deviceId, member);
    this.users.set(peer.id, devices);
    void socket.join([
      userRoom(peer.id),
      deviceRoom(deviceId),
      ...('contacts' in arrival ? arrival.contacts.map((c) => watchRoom(c.peer.id)) : [DIRECTORY_ROOM]),
    ]);
    const local = () =>
      'contacts' in arrival ? this.listOf(arrival.contacts) : this.everyone(peer.id, arrival.wakeable);
    const shared = this.d.shared;
    if (!shared) {
      socket.emit('presence:users', local());
      if (cameOnline) this.announce(socket.nsp, peer, 'online');
      return member;
    }
    void (
      'contacts' in arrival
        ? this.sharedListOf(shared, arrival.contacts)
        : this.sharedEveryone(shared, peer.id, arrival.wakeable)
    )
      .then((list) => socket.emit('presence:users', list))
      .catch(() => socket.emit('presence:users', local()));
    if (arrived)
      void shared
        .arrived(peer, deviceId)
        // Redis unreachable: this node's own view decides, as a single node's would.
        .catch(() => cameOnline)
        .then((first) => first && this.announce(socket.nsp, peer, 'online'));
    return member;
  }

  /** A socket disconnected: true when its device has no socket left (the device has left). */
  disconnect(member: Member, socket: AppSocket): boolean {
    member.detach(socket);
    if (member.connected) return false;
    const devices = this.users.get(member.peer.id);
    if (devices?.get(member.deviceId) !== member) return true;
    devices.delete(member.deviceId);
    const wentOffline = devices.size === 0;
    if (wentOffline) this.users.delete(member.peer.id);
    const shared = this.d.shared;
    if (!shared) {
      if (wentOffline) void this.announceGone(socket.nsp, member.peer);
      return true;
    }
    void shared
      .departed(member.peer, member.deviceId)
      .catch(() => wentOffline)
      .then((last) => {
        if (last) void this.announceGone(socket.nsp, member.peer);
      });
    return true;
  }

  /** Users whose devices were all on a node that died: their watchers learn they are gone. */
  gone(rooms: Rooms, peers: Peer[]): void {
    for (const peer of peers) void this.announceGone(rooms, peer);
  }

  /** Asleep or offline, unless the user came back while the store was asked. */
  private async announceGone(rooms: Rooms, peer: Peer): Promise<void> {
    const presence = await this.stateOf(peer.id).catch(() => 'offline' as const);
    if (!this.users.has(peer.id)) this.announce(rooms, peer, presence);
  }

  /**
   * The user of `socket` adds someone by username: all the user's connections watch them from now
   * on and are told their presence. Returns the contact and their presence now.
   */
  async add(socket: AppSocket, username: string): Promise<{ contact: Peer; presence: PresenceState }> {
    const self = socket.data.user;
    const row = await this.d.users.byUsername(username);
    if (!row) throw new CallError(ErrorCode.UserNotFound, 'no such user');
    if (row.id === self.id) throw new CallError(ErrorCode.InvalidTarget, 'you cannot add yourself');
    const contact = { id: row.id, displayName: row.displayName };
    const presence = await this.stateNow(contact.id);
    await this.watch(socket, self.id, contact, presence);
    return { contact, presence };
  }

  /**
   * A call between two users makes each the other's contact (people they called or were called
   * by), told to both at once: the callee learns the caller's presence while it rings.
   */
  async met(socket: AppSocket, caller: Peer, callee: UserId): Promise<void> {
    const row = await this.d.users.byId(callee);
    if (!row) return;
    const peer = { id: row.id, displayName: row.displayName };
    await this.watch(socket, caller.id, peer, await this.stateNow(peer.id));
    await this.watch(socket, peer.id, caller, 'online');
  }

  /** `user`'s connections watch `contact` from now on (nothing when they already did). */
  private async watch(
    socket: AppSocket,
    user: UserId,
    contact: Peer,
    presence: PresenceState,
  ): Promise<void> {
    if (!(await this.d.contacts.add(user, contact.id, Date.now()))) return;
    socket.nsp.in(userRoom(user)).socketsJoin(watchRoom(contact.id));
    socket.nsp.to(userRoom(user)).emit('presence:changed', { user: contact, presence });
  }

  /** One emit to everyone watching `peer` but `peer`'s own connections. */
  private announce(nsp: Rooms, peer: Peer, presence: PresenceState): void {
    const rooms = [watchRoom(peer.id), ...(this.d.directory ? [DIRECTORY_ROOM] : [])];
    nsp.to(rooms).except(userRoom(peer.id)).emit('presence:changed', { user: peer, presence });
  }

  /** What this node alone knows of `id` (online here, else asleep or offline). */
  private async stateOf(id: UserId): Promise<PresenceState> {
    if (this.users.has(id)) return 'online';
    return (await this.d.contacts.wakeable(id)) ? 'asleep' : 'offline';
  }

  /** `id`'s presence across the cluster. */
  private async stateNow(id: UserId): Promise<PresenceState> {
    if (this.users.has(id) || !this.d.shared) return this.stateOf(id);
    const elsewhere = await this.d.shared.onlineElsewhere([id]).catch(() => new Set<UserId>());
    return elsewhere.has(id) ? 'online' : this.stateOf(id);
  }

  /** The contacts' list, with those online on other nodes. */
  private async sharedListOf(shared: SharedPresence, contacts: Contact[]) {
    const elsewhere = await shared.onlineElsewhere(contacts.map((c) => c.peer.id));
    const online = (c: Contact) => this.users.has(c.peer.id) || elsewhere.has(c.peer.id);
    return {
      users: contacts
        .filter(online)
        .map((c) => c.peer)
        .sort(byName),
      asleep: contacts
        .filter((c) => !online(c) && c.wakeable)
        .map((c) => c.peer)
        .sort(byName),
    };
  }

  /** The directory, with everyone online on any node. */
  private async sharedEveryone(shared: SharedPresence, self: UserId, wakeable: Peer[]) {
    const online = new Map((await shared.everyone()).map((p) => [p.id, p]));
    for (const [id, devices] of this.users) {
      const first = devices.values().next().value;
      if (first) online.set(id, first.peer);
    }
    online.delete(self);
    const asleep = wakeable.filter((u) => u.id !== self && !online.has(u.id));
    return { users: [...online.values()].sort(byName), asleep: asleep.sort(byName) };
  }

  /** The contacts who are online, and those asleep. */
  private listOf(contacts: Contact[]): { users: Peer[]; asleep: Peer[] } {
    const online = contacts.filter((c) => this.users.has(c.peer.id)).map((c) => c.peer);
    const asleep = contacts.filter((c) => !this.users.has(c.peer.id) && c.wakeable).map((c) => c.peer);
    return { users: online.sort(byName), asleep: asleep.sort(byName) };
  }

  /** The directory: every other online user, and every other asleep one. */
  private everyone(self: UserId, wakeable: Peer[]): { users: Peer[]; asleep: Peer[] } {
    const users: Peer[] = [];
    for (const [id, devices] of this.users) {
      const first = devices.values().next().value;
      if (id !== self && first) users.push(first.peer);
    }
    const asleep = wakeable.filter((u) => u.id !== self && !this.users.has(u.id));
    return { users: users.sort(byName), asleep: asleep.sort(byName) };
  }
}

const byName = (a: Peer, b: Peer) => a.displayName.localeCompare(b.displayName);
