/**
 * Which host names this server answers to: the defence against DNS rebinding. A page on
 * `evil.example` whose name is made to resolve to 127.0.0.1 is, to the browser, same-origin with
 * whatever listens there: its requests carry `Host: evil.example` and pass the origin policy. A
 * server on loopback therefore answers only to loopback names (`localhost`, `*.localhost`, which
 * browsers resolve themselves, RFC 6761 §6.3), to IP literals (a name is what rebinding needs)
 * and to `ALLOWED_HOSTS`. Beyond loopback it serves HTTPS, whose certificate a rebound name does not
 * match, and any name unless `ALLOWED_HOSTS` narrows it. A request a trusted reverse proxy passed
 * on was checked by the proxy, which decides what names it serves.
 */
import type http from 'node:http';
import net from 'node:net';
import type { RequestView } from './proxy-trust.ts';

/** `host:port`, `[v6]:port` or a bare name → the host part. */
export function hostOnly(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  const v6 = /^\[([^\]]+)\]/.exec(hostHeader);
  return v6?.[1] ?? hostHeader.replace(/:\d+$/, '');
}

export interface HostPolicy {
  /** Names accepted besides loopback names and IP literals (lower case). */
  names: string[];
  /** Any name (a server beyond loopback with no `ALLOWED_HOSTS`). */
  anyName: boolean;
}

/** Whether `req` may be answered: its `Host` names this server. */
export function hostAllowed(req: http.IncomingMessage, view: RequestView, policy: HostPolicy): boolean {
  if (policy.anyName || view.fromTrustedProxy(req)) return true;
  // No Host at all (HTTP/1.0, a health probe) is no browser's request: browsers always send it.
  if (req.headers.host === undefined) return true;
  const host = hostOnly(req.headers.host).toLowerCase().replace(/\.$/, '');
  return (
    net.isIP(host) !== 0 || host === 'localhost' || host.endsWith('.localhost') || policy.names.includes(host)
  );
}
