/**
 * The one origin policy of the REST API's state-changing calls and of socket.io connections: a
 * browser page elsewhere must not act with our user's cookie. A request without `Origin` is not
 * from a browser page (browsers send it on every POST and WebSocket), so it is let through; the
 * cookie's SameSite=Lax already keeps it from being a cross-site form post.
 */
import type http from 'node:http';
import type { RequestView } from './proxy-trust.ts';

export type OriginVerdict = { ok: true } | { ok: false; origin: string; expected: string };

const originOf = (url: string): string | null => {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
};

export function checkOrigin(req: http.IncomingMessage, view: RequestView): OriginVerdict {
  const origin = req.headers.origin;
  if (origin === undefined) return { ok: true };
  const expected = `${view.protocol(req)}://${view.host(req) ?? ''}`;
  const actual = originOf(origin);
  return actual !== null && actual === originOf(expected) ? { ok: true } : { ok: false, origin, expected };
}
