/**
 * What a request says about its client once reverse proxies are accounted for. `X-Forwarded-*` is
 * believed only from a direct peer listed in `TRUST_PROXY`; anyone else could write those headers
 * to dodge a rate limit or pass for HTTPS.
 */
import type http from 'node:http';
import proxyaddr from 'proxy-addr';

export interface RequestView {
  /** The client's address: the socket's peer, or the nearest untrusted hop in `X-Forwarded-For`. */
  clientAddress(req: http.IncomingMessage): string;
  /** The scheme the client used. */
  protocol(req: http.IncomingMessage): 'http' | 'https';
  /** The host the client asked for (`host:port` as in an origin). */
  host(req: http.IncomingMessage): string | undefined;
  /** The direct peer is a reverse proxy listed in `TRUST_PROXY`. */
  fromTrustedProxy(req: http.IncomingMessage): boolean;
}

const firstOf = (header: string | string[] | undefined): string | undefined => {
  const v = Array.isArray(header) ? header[0] : header;
  return v?.split(',')[0]?.trim() || undefined;
};

export function createRequestView(trusted: string[]): RequestView {
  const trust = proxyaddr.compile(trusted);
  const fromTrustedProxy = (req: http.IncomingMessage) =>
    trusted.length > 0 && trust(req.socket.remoteAddress ?? '', 0);
  return {
    clientAddress: (req) =>
      trusted.length > 0 ? proxyaddr(req, trust) : (req.socket.remoteAddress ?? 'unknown'),
    protocol(req) {
      if (fromTrustedProxy(req)) {
        const proto = firstOf(req.headers['x-forwarded-proto'])?.toLowerCase();
        if (proto === 'https' || proto === 'http') return proto;
      }
      return (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
    },
    host: (req) =>
      (fromTrustedProxy(req) ? firstOf(req.headers['x-forwarded-host']) : undefined) ?? req.headers.host,
    fromTrustedProxy,
  };
}
