/**
 * Who is online: every connected device of every user. A user is online while at least one of
 * their devices is connected; the list of online users is pushed to every device on each change.
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

  /** Sends one device the list of every other online user. */
  sendTo(member: Member): void {
    const users: Peer[] = [];
    for (const [id, devices] of this.users) {
      const first = devices.values().next().value;
      if (id !== member.peer.id && first) users.push(first.peer);
    }
    users.sort((a, b) => a.displayName.localeCompare(b.displayName));
    member.socket.emit('presence:users', { users });
  }

  private broadcast(): void {
    for (const devices of this.users.values()) for (const m of devices) this.sendTo(m);
  }
}
