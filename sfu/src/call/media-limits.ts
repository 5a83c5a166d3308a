/**
 * How many media requests (transports, producers, ICE restarts, SDP offers and answers) one
 * connection and one party may send per minute (review H4). The room already holds each party to
 * one transport per leg and one producer; these bound the work a flood of requests still costs (a
 * worker round trip each, a transport pair per native republish). A party is a device: an iPhone's
 * page and its shell are two connections of one. In memory, as the calls themselves are.
 * rate-limiter-flexible's memory limiter counts a `consume` synchronously (RateLimiterMemory.js,
 * v11.4.0: `incrby` runs in the promise's executor), so parallel requests can't all pass one check.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { UserId } from '../protocol/index.ts';
import { refuseWhenLimited } from './rate-limited.ts';

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

const perMinute = (points: number) => new RateLimiterMemory({ points, duration: 60 });

export class MediaLimits {
  private readonly sockets: RateLimiterMemory;
  private readonly devices: RateLimiterMemory;

  constructor(o: MediaLimitOptions = DEFAULT_MEDIA_LIMITS) {
    this.sockets = perMinute(o.requestsPerSocketPerMinute);
    this.devices = perMinute(o.requestsPerDevicePerMinute);
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
