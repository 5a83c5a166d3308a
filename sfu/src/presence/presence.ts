/** Who is online: one member per connected socket, and the presence list pushed on every change. */
import type { Peer, UserId } from '../protocol/index.ts';
import type { AppSocket } from '../signalling/types.ts';

export interface Member {
  peer: Peer;
  socket: AppSocket;
}

export class Presence {
  private readonly members = new Map<UserId, Member>();

  get(id: UserId): Member | undefined {
    return this.members.get(id);
  }

  add(member: Member): void {
    this.members.set(member.peer.id, member);
    this.broadcast();
  }

  remove(id: UserId): void {
    if (this.members.delete(id)) this.broadcast();
  }

  /** Sends one member the list of everybody else. */
  sendTo(member: Member): void {
    const users = [...this.members.values()].filter((m) => m !== member).map((m) => m.peer);
    users.sort((a, b) => a.displayName.localeCompare(b.displayName));
    member.socket.emit('presence:users', { users });
  }

  private broadcast(): void {
    for (const m of this.members.values()) this.sendTo(m);
  }
}
