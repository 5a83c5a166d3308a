/**
 * How often anyone may ring anyone (review H4): invites per caller and per callee per minute, and
 * pushes per callee device per minute, so a flood can neither ring a sleeping phone again and
 * again nor open a router per invite. In memory: one server process holds every live call anyway.
 * rate-limiter-flexible's memory limiter counts a `consume` synchronously (its promise only
 * reports), so parallel requests can't all slip past one check.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { UserId } from '../protocol/index.ts';
import { refuseWhenLimited } from './rate-limited.ts';

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

const perMinute = (points: number) => new RateLimiterMemory({ points, duration: 60 });

export class InviteLimits {
  private readonly callers: RateLimiterMemory;
  private readonly callees: RateLimiterMemory;
  private readonly pushes: RateLimiterMemory;

  constructor(o: InviteLimitOptions = DEFAULT_INVITE_LIMITS) {
    this.callers = perMinute(o.invitesPerCallerPerMinute);
    this.callees = perMinute(o.invitesPerCalleePerMinute);
    this.pushes = perMinute(o.pushesPerDevicePerMinute);
  }

  /**
   * Counts an invite against its caller, then (if the caller may) its callee; throws `rate-limited`
   * with when to retry. A caller over its limit uses up none of the callee's.
   */
  async admitInvite(from: UserId, to: UserId): Promise<void> {
    await refuseWhenLimited(this.callers.consume(from), 'too many calls');
    await refuseWhenLimited(this.callees.consume(to), 'this person is being called too often');
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
