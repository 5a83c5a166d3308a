/**
 * How many media requests (transports, producers, ICE restarts, SDP offers and answers) one
 * connection and one party may send per minute (review H4). The room already holds each party to
 * one transport per leg and one producer; these bound the work a flood of requests still costs (a
 * worker round trip each, a transport pair per native republish). A party is a device: an iPhone's
 * page and its shell are two connections of one, possibly on two nodes: counted where
 * {@link MakeLimiter} says (in Redis across several nodes).
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { UserId } from '../protocol/index.ts';
import { refuseWhenLimited } from './rate-limited.ts';
import { memoryLimiter, type MakeLimiter } from './rate-limiters.ts';

export interface MediaLimitOptions {
  requestsPerSocketPerMinute: number;
  requestsPerDevicePerMinute: number;
}

/**
 * A page sets a call up in 6 requests (capabilities, two transports, two connects, a producer), a
 * native engine in 2 (publish, the downstream's answer), and an ICE restart after a network change
 * costs 1 or 2 more. At the invite limit (10 calls a minute) a connection stays under 60; a device's
 * two connections (page and shell) under twice that.
 */
export const DEFAULT_MEDIA_LIMITS: MediaLimitOptions = {
  requestsPerSocketPerMinute: 60,
  requestsPerDevicePerMinute: 120,
};

export class MediaLimits {
  private readonly sockets: RateLimiterAbstract;
  private readonly devices: RateLimiterAbstract;

  constructor(o: MediaLimitOptions = DEFAULT_MEDIA_LIMITS, limiter: MakeLimiter = memoryLimiter) {
    this.sockets = limiter('media-socket', o.requestsPerSocketPerMinute, 60);
    this.devices = limiter('media-device', o.requestsPerDevicePerMinute, 60);
  }

  /**
   * Counts one media request against its connection, then (if the connection may) its device;
   * throws `rate-limited` with when to retry. A connection over its limit uses up none of its
   * device's, so one runaway connection doesn't silence the device's other one.
   */
  async admit(socketId: string, user: UserId, deviceId: string): Promise<void> {
    await refuseWhenLimited(this.sockets.consume(socketId), 'too many media requests on this connection');
    // Device ids are the client's to choose: scoped by account, so nobody can spend another's.
    await refuseWhenLimited(
      this.devices.consume(`${user}/${deviceId}`),
      'too many media requests from this device',
    );
  }
}
