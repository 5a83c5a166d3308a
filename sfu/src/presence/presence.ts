/**
 * Who can be called: every connected device of every user, and the users who are not connected but
 * have a device that a push can wake ("asleep"). A user is online while at least one of their
 * devices is connected; both lists are pushed to every device on each change.
 */
import type { Peer, UserId } from '../protocol/index.ts';
import type { AppSocket } from '../signalling/types.ts';

/** One connected device of a user. */
export interface Member {
  peer: Peer;
  deviceId: string;
  socket: AppSocket;
}

export class Presence {
  private readonly users = new Map<UserId, Set<Member>>();

  /** `wakeable`: users with a push registration, whether connected or not. */
  constructor(private readonly wakeable: () => Peer[] = () => []) {}

  /** The user's connected devices (empty when offline). */
  devicesOf(id: UserId): Member[] {
    return [...(this.users.get(id) ?? [])];
  }

  add(member: Member): void {
    const devices = this.users.get(member.peer.id) ?? new Set<Member>();
    const cameOnline = devices.size === 0;
    devices.add(member);
    this.users.set(member.peer.id, devices);
    if (cameOnline) this.broadcast();
    else this.sendTo(member);
  }

  remove(member: Member): void {
    const devices = this.users.get(member.peer.id);
    if (!devices?.delete(member)) return;
    if (devices.size === 0) {
      this.users.delete(member.peer.id);
      this.broadcast();
    }
  }

  /** Sends one device the lists of every other online and asleep user. */
  sendTo(member: Member, asleepUsers: Peer[] = this.asleep()): void {
    const users: Peer[] = [];
    for (const [id, devices] of this.users) {
      const first = devices.values().next().value;
      if (id !== member.peer.id && first) users.push(first.peer);
    }
    users.sort(byName);
    const asleep = asleepUsers.filter((u) => u.id !== member.peer.id);
    member.socket.emit('presence:users', { users, asleep });
  }

  private asleep(): Peer[] {
    return this.wakeable()
      .filter((u) => !this.users.has(u.id))
      .sort(byName);
  }

  private broadcast(): void {
    const asleep = this.asleep();
    for (const devices of this.users.values()) for (const m of devices) this.sendTo(m, asleep);
  }
}

const byName = (a: Peer, b: Peer) => a.displayName.localeCompare(b.displayName);
