/**
 * The one origin policy of the REST API's state-changing calls and of socket.io connections: a
 * browser page elsewhere must not act with our user's cookie. A request without `Origin` is not
 * from a browser page (browsers send it on every POST and WebSocket), so it is let through; the
 * cookie's SameSite=Lax already keeps it from being a cross-site form post.
 *
 * A WebSocket handshake whose Origin is this host with a `ws:`/`wss:` scheme is a native client,
 * not a page: a browser's origin is always the page's own `http(s):` one, and the iPhone shell's
 * socket (socket.io-client-swift 16.1.1 over Starscream 4.0.x) gets `Origin: wss://<host>` from
 * Starscream when nothing set one (Starscream 4.0.8 `Sources/Framer/HTTPHandler.swift:57-64`,
 * `HTTPWSHeader.createUpgrade`). Such a client could send any Origin anyway; what the policy keeps
 * out is a page of another host, whatever the scheme.
 */
import type http from 'node:http';
import type { RequestView } from './proxy-trust.ts';

export type OriginVerdict = { ok: true } | { ok: false; origin: string; expected: string };

const parse = (url: string): URL | null => {
  try {
    return new URL(url);
  } catch {
    return null;
  }
};

const NATIVE_SOCKET_SCHEMES = new Set(['ws:', 'wss:']);

const isWebSocketUpgrade = (req: http.IncomingMessage): boolean =>
  req.headers.upgrade?.toLowerCase() === 'websocket';

export function checkOrigin(req: http.IncomingMessage, view: RequestView): OriginVerdict {
  const origin = req.headers.origin;
  if (origin === undefined) return { ok: true };
  const expected = `${view.protocol(req)}://${view.host(req) ?? ''}`;
  const actual = parse(origin);
  const ours = parse(expected);
  if (actual === null || ours === null) return { ok: false, origin, expected };
  if (actual.origin === ours.origin) return { ok: true };
  // `host` drops each scheme's default port, so `wss://phone.example` is `https://phone.example:443`'s host.
  const nativeSocket =
    isWebSocketUpgrade(req) && NATIVE_SOCKET_SCHEMES.has(actual.protocol) && actual.host === ours.host;
  return nativeSocket ? { ok: true } : { ok: false, origin, expected };
}
