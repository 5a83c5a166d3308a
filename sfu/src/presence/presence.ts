/**
 * Who can be called: every connected device of every user, and the users who are not connected but
 * have a device that a push can wake ("asleep"). A user is online while at least one of their
 * devices is connected; both lists are pushed to every device on each change.
 *
 * A device is every socket that connected with its device id: a browser tab's, and on an iPhone
 * both the page's and the shell's own (which carries call control while the page is frozen). The
 * device is one member of a call whichever of its sockets speaks, hears every event on all of them,
 * and leaves only when its last socket has gone.
 */
import type { Peer, ServerEventName, ServerEventPayload, UserId } from '../protocol/index.ts';
import type { AppSocket } from '../signalling/types.ts';

/** One connected device of a user: all its sockets. */
export class Member {
  private readonly sockets = new Set<AppSocket>();

  constructor(
    readonly peer: Peer,
    readonly deviceId: string,
  ) {}

  get connected(): boolean {
    return this.sockets.size > 0;
  }

  /** The ids of the device's sockets now. */
  socketIds(): Set<string> {
    return new Set([...this.sockets].map((s) => s.id));
  }

  /** Sends to every socket of the device. */
  emit<K extends ServerEventName>(event: K, payload: ServerEventPayload<K>): void {
    for (const s of this.sockets) (s.emit as (e: K, p: ServerEventPayload<K>) => void)(event, payload);
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

export class Presence {
  private readonly users = new Map<UserId, Map<string, Member>>();

  /** `wakeable`: users with a push registration, whether connected or not. */
  constructor(private readonly wakeable: () => Peer[] = () => []) {}

  /** The user's connected devices (empty when offline). */
  devicesOf(id: UserId): Member[] {
    return [...(this.users.get(id)?.values() ?? [])];
  }

  /**
   * A socket connected: the device it belongs to (the same object for every socket of a device).
   * `away`: the device as its call still holds it, when it reconnects after its last socket went.
   */
  connect(socket: AppSocket, away?: Member): Member {
    const peer = socket.data.user;
    const devices = this.users.get(peer.id) ?? new Map<string, Member>();
    const cameOnline = devices.size === 0;
    const member = devices.get(socket.data.deviceId) ?? away ?? new Member(peer, socket.data.deviceId);
    member.attach(socket);
    devices.set(member.deviceId, member);
    this.users.set(peer.id, devices);
    if (cameOnline) this.broadcast();
    else this.sendTo(socket);
    return member;
  }

  /** A socket disconnected: true when its device has no socket left (the device has left). */
  disconnect(member: Member, socket: AppSocket): boolean {
    member.detach(socket);
    if (member.connected) return false;
    const devices = this.users.get(member.peer.id);
    if (devices?.get(member.deviceId) !== member) return true;
    devices.delete(member.deviceId);
    if (devices.size === 0) {
      this.users.delete(member.peer.id);
      this.broadcast();
    }
    return true;
  }

  /** Sends one socket the lists of every other online and asleep user. */
  private sendTo(socket: AppSocket): void {
    const self = socket.data.user.id;
    socket.emit('presence:users', { users: this.others(self), asleep: this.asleep(self) });
  }

  private broadcast(): void {
    for (const devices of this.users.values())
      for (const m of devices.values())
        m.emit('presence:users', { users: this.others(m.peer.id), asleep: this.asleep(m.peer.id) });
  }

  private others(self: UserId): Peer[] {
    const users: Peer[] = [];
    for (const [id, devices] of this.users) {
      const first = devices.values().next().value;
      if (id !== self && first) users.push(first.peer);
    }
    return users.sort(byName);
  }

  private asleep(self: UserId): Peer[] {
    return this.wakeable()
      .filter((u) => u.id !== self && !this.users.has(u.id))
      .sort(byName);
  }
}

const byName = (a: Peer, b: Peer) => a.displayName.localeCompare(b.displayName);
