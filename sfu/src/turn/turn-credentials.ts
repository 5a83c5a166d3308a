/**
 * TURN REST API credentials (draft-uberti-behave-turn-rest-00, what coturn's `use-auth-secret`
 * checks): username `<expiry unix seconds>:<user>`, credential base64(HMAC-SHA1(secret, username)).
 * The relay needs no per-user state; a leaked credential stops working at its expiry.
 */
import crypto from 'node:crypto';
import type { IceServer } from '../protocol/index.ts';

export interface TurnCredential {
  username: string;
  credential: string;
  /** Unix ms after which the relay refuses it. */
  expiresAt: number;
}

export function turnCredential(
  secret: string,
  user: string,
  ttlMs: number,
  now = Date.now(),
): TurnCredential {
  const expiry = Math.floor((now + ttlMs) / 1000);
  const username = `${expiry}:${user}`;
  const credential = crypto.createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt: expiry * 1000 };
}

/** Where the relay is and the secret it shares with us. */
export interface TurnService {
  urls: string[];
  secret: string;
}

/**
 * The ICE servers one signed-in user gets: the relay's URLs with a credential of their own (the
 * relay answers unauthenticated STUN binding requests too, so the same URLs give srflx candidates).
 * `relayHost` fills a URL written as `{host}`: the name the client reached this server by.
 */
export function iceServersFor(
  turn: TurnService | null,
  user: string,
  ttlMs: number,
  relayHost: string,
  now = Date.now(),
): IceServer[] {
  if (!turn) return [];
  const { username, credential } = turnCredential(turn.secret, user, ttlMs, now);
  const host = relayHost.includes(':') ? `[${relayHost}]` : relayHost;
  return [{ urls: turn.urls.map((u) => u.replace('{host}', host)), username, credential }];
}
