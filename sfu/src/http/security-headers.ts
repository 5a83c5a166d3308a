/**
 * The headers every response carries, HTTP and socket.io's alike. A plain function rather than
 * helmet: socket.io's engine hands its responses' headers over as a record (the `headers` event),
 * not as a response object helmet could write to, and one function must serve both.
 *
 * The CSP allows no inline script and no inline style: the built pages link their CSS, and Lit's
 * component styles are constructed stylesheets (`adoptedStyleSheets`), which CSP does not govern.
 * The page's own origin is named for WebSockets as well as `'self'`, for browsers whose `'self'`
 * doesn't cover `ws:`/`wss:`.
 */
import type http from 'node:http';
import type { RequestView } from './proxy-trust.ts';

/** Only a host (name, IPv4, bracketed IPv6, port) goes into a header. */
const HOST = /^[a-z0-9.-]+(:\d+)?$|^\[[0-9a-f:.]+\](:\d+)?$/i;

const STATIC: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** Half a year, as browsers' preload lists ask at least. */
const HSTS = 'max-age=15552000';

export function securityHeaders(req: http.IncomingMessage, view: RequestView): Record<string, string> {
  const https = view.protocol(req) === 'https';
  const host = view.host(req);
  const socketOrigin = host && HOST.test(host) ? ` ${https ? 'wss' : 'ws'}://${host}` : '';
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self'${socketOrigin}`,
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
    ...(https ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
  return {
    ...STATIC,
    'content-security-policy': csp,
    ...(https ? { 'strict-transport-security': HSTS } : {}),
  };
}
