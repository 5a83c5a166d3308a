/**
 * How often anyone may ring anyone (review H4): invites per caller and per callee per minute, and
 * pushes per callee device per minute, so a flood can neither ring a sleeping phone again and
 * again nor open a router per invite. Counted where {@link MakeLimiter} says: in memory on one
 * node, in Redis across several (a caller spreading invites over nodes is counted once).
 */
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { UserId } from '../protocol/index.ts';
import { refuseWhenLimited } from './rate-limited.ts';
import { memoryLimiter, type MakeLimiter } from './rate-limiters.ts';

export interface InviteLimitOptions {
  invitesPerCallerPerMinute: number;
  invitesPerCalleePerMinute: number;
  pushesPerDevicePerMinute: number;
}

/**
 * A person redialling a busy or unanswered friend stays far below these; a script does not. Ten
 * a minute to one callee still lets a few people reach them at once; five rings of one phone by
 * push a minute is already more than anyone wants.
 */
export const DEFAULT_INVITE_LIMITS: InviteLimitOptions = {
  invitesPerCallerPerMinute: 10,
  invitesPerCalleePerMinute: 10,
  pushesPerDevicePerMinute: 5,
};

export class InviteLimits {
  private readonly callers: RateLimiterAbstract;
  private readonly callees: RateLimiterAbstract;
  private readonly pushes: RateLimiterAbstract;

  constructor(o: InviteLimitOptions = DEFAULT_INVITE_LIMITS, limiter: MakeLimiter = memoryLimiter) {
    this.callers = limiter('invites-caller', o.invitesPerCallerPerMinute, 60);
    this.callees = limiter('invites-callee', o.invitesPerCalleePerMinute, 60);
    this.pushes = limiter('pushes-device', o.pushesPerDevicePerMinute, 60);
  }

  /**
   * Counts an invite against its caller, then (if the caller may) its callee; throws `rate-limited`
   * with when to retry. A caller over its limit uses up none of the callee's.
   */
  async admitInvite(from: UserId, to: UserId): Promise<void> {
    await this.admitCaller(from);
    await refuseWhenLimited(this.callees.consume(to), 'this person is being called too often');
  }

  /** Counts an invite against its caller alone (a call to a username no account has). */
  async admitCaller(from: UserId): Promise<void> {
    await refuseWhenLimited(this.callers.consume(from), 'too many calls');
  }

  /** Whether one more push may wake `deviceId` now (counted whether or not it is then sent). */
  async admitPush(deviceId: string): Promise<boolean> {
    try {
      await this.pushes.consume(deviceId);
      return true;
    } catch (res) {
      if (res instanceof RateLimiterRes) return false;
      throw res;
    }
  }
}
