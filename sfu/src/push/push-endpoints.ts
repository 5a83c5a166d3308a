/**
 * Where the server will POST a Web Push: the one place that decides it (review H3). A subscription's
 * endpoint is chosen by whoever registers it, and the server POSTs to it, with a path they chose,
 * whenever their account is called while offline: without a check, any user can aim the server at
 * its own loopback, the cloud metadata address or the private network behind it.
 *
 * Two policies (`WEB_PUSH_ENDPOINTS`):
 * - `push-services` (the default): only the push services browsers hand out subscriptions for,
 *   {@link PUSH_SERVICE_HOSTS}. Every browser the PWA supports uses one of them.
 * - `public-https`: any https host whose addresses are all public. The addresses are checked where
 *   the connection is made (the https agent's `lookup`), so a name that resolves to a public
 *   address at registration and to 127.0.0.1 when the push is sent (DNS rebinding) is still refused.
 * Under both, an IP literal must be public (Node connects to a literal without calling `lookup`, so
 * it is checked before the request), the scheme is https, and every address a name resolves to is
 * checked at connect time (a push service's own name hijacked to a private address is refused too).
 *
 * Tests' push-service stand-ins listen on loopback, over plain http: their exact origins are let
 * through only when the server is constructed with `testOrigins`, which `main.ts` passes only with
 * NODE_ENV=test and WEB_PUSH_TEST_ORIGINS both set (config.ts refuses the latter otherwise).
 */
import dns from 'node:dns';
import type { LookupAddress } from 'node:dns';
import net from 'node:net';

/**
 * The push services browsers use, by host: an exact name, or `.suffix` for any name under it
 * (never the bare suffix, never a longer name that merely ends the same way). Their endpoints are
 * on port 443, so this policy refuses any other port.
 * - Chrome and the Chromium browsers: FCM, `https://fcm.googleapis.com/wp/…` (chromium
 *   `components/push_messaging/push_messaging_constants.cc`, `kPushMessagingWebpushEndpoint`).
 * - Firefox: Mozilla's autopush, `https://updates.push.services.mozilla.com/wpush/…`
 *   (mozilla-services/autopush-rs `docs/src/http.md`; its endpoint config's `hostname`).
 * - Safari (macOS 13+, iOS 16.4+ Home Screen web apps): Apple's Web Push, `https://web.push.apple.com/…`
 *   (Apple, "Sending web push notifications in web apps and browsers",
 *   developer.apple.com/documentation/usernotifications/sending-web-push-notifications-in-web-apps-and-browsers;
 *   servers that allowlist it are told `*.push.apple.com`).
 * - Edge on Windows: Windows Push Notification Services, channel URIs such as
 *   `https://wns2-par02p.notify.windows.com/w/?token=…` (MicrosoftDocs/windows-dev-docs
 *   `hub/apps/design/shell/tiles-and-notifications/windows-push-notification-services--wns--overview.md`).
 */
export const PUSH_SERVICE_HOSTS: readonly string[] = [
  'fcm.googleapis.com',
  'updates.push.services.mozilla.com',
  '.push.apple.com',
  '.notify.windows.com',
];

export type PushEndpointMode = 'push-services' | 'public-https';

/** `dns.lookup(host, { all: true })`'s answer; tests inject one (offline, hosts-file independent). */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export interface PushEndpointOptions {
  mode: PushEndpointMode;
  /** Exact loopback origins of tests' push-service stand-ins (never set by production config). */
  testOrigins?: readonly string[];
  resolve?: Resolve;
}

/**
 * Addresses that are not the public internet: IANA's IPv4 and IPv6 Special-Purpose Address
 * Registries (RFC 6890 and its updates). For IPv6 only global unicast (2000::/3, RFC 4291 §2.4) is
 * allowed at all, minus its special blocks, so v4-mapped addresses, NAT64, 6to4 and Teredo, which
 * carry an IPv4 address the check would not see, are refused. Two lists: a BlockList matches an
 * IPv4 address against its IPv6 subnets too (as ::ffff:a.b.c.d), which ::/3 would always catch.
 */
const subnets = (family: 'ipv4' | 'ipv6', list: [string, number][]) => {
  const blocked = new net.BlockList();
  for (const [address, prefix] of list) blocked.addSubnet(address, prefix, family);
  return blocked;
};
const NOT_PUBLIC_V4 = subnets('ipv4', [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // shared address space, carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (RFC 3927)
  ['172.16.0.0', 12], // private (RFC 1918)
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16], // private (RFC 1918)
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the limited broadcast address
]);
const NOT_PUBLIC_V6 = subnets('ipv6', [
  ['::', 3], // below 2000::/3: ::, ::1, v4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96, discard 100::/64
  ['4000::', 2], // unallocated
  ['8000::', 1], // unallocated, unique-local fc00::/7, link-local fe80::/10, multicast ff00::/8
  ['2001::', 23], // IETF protocol assignments, Teredo 2001::/32 among them
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4
  ['3fff::', 20], // documentation (RFC 9637)
]);

/** Whether `address` (an IPv4 or IPv6 literal, no brackets) is a public internet address. */
export function isPublicAddress(address: string): boolean {
  switch (net.isIP(address)) {
    case 4:
      return !NOT_PUBLIC_V4.check(address, 'ipv4');
    case 6:
      return !NOT_PUBLIC_V6.check(address, 'ipv6');
    default:
      return false;
  }
}

/** `[::1]` → `::1`: URL keeps IPv6 hosts bracketed. */
const bareHost = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1');

const isPushServiceHost = (host: string) =>
  PUSH_SERVICE_HOSTS.some((h) =>
    h.startsWith('.') ? host.endsWith(h) && host.length > h.length : host === h,
  );

const systemResolve: Resolve = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

export class PushEndpointRefused extends Error {}

export class PushEndpointPolicy {
  private readonly resolve: Resolve;
  private readonly testOrigins: ReadonlySet<string>;

  constructor(private readonly o: PushEndpointOptions) {
    this.resolve = o.resolve ?? systemResolve;
    this.testOrigins = new Set(o.testOrigins ?? []);
  }

  /** The tests' stand-in: the agent that may reach it skips the address check. */
  isTestOrigin(url: URL): boolean {
    return this.testOrigins.has(url.origin);
  }

  /**
   * Why the server will not push to `endpoint`, or null when it will (so far: the addresses are
   * checked again at every connection). Checked at registration and before every send; in
   * `public-https`, the name is resolved here too, so a private address is refused at registration.
   */
  async refusal(endpoint: string): Promise<string | null> {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return 'not a URL';
    }
    if (this.isTestOrigin(url)) return null;
    if (url.protocol !== 'https:') return 'not https';
    if (url.username || url.password) return 'credentials in the endpoint';
    if (this.o.mode === 'push-services' && url.port) return `port ${url.port}: push services use 443`;
    const host = bareHost(url.hostname);
    if (net.isIP(host))
      return isPublicAddress(host) ? this.modeRefusal(host) : `${host} is not a public address`;
    const byMode = this.modeRefusal(host);
    if (byMode || this.o.mode === 'push-services') return byMode;
    try {
      const addresses = await this.resolve(host);
      return this.addressRefusal(host, addresses);
    } catch (err) {
      return `${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
    }
  }

  /**
   * `lookup` for the https agent: resolves as usual, and fails the connection if any address is
   * not public. This is the check DNS rebinding can't get round: it is the answer connected to.
   */
  readonly lookup: net.LookupFunction = (hostname, options, callback) => {
    this.resolve(hostname).then(
      (addresses) => {
        const refused = this.addressRefusal(hostname, addresses);
        if (refused) {
          const err: NodeJS.ErrnoException = new PushEndpointRefused(refused);
          err.code = 'EPUSHENDPOINT';
          return callback(err, '', 0);
        }
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const wanted = addresses.filter((a) => !family || a.family === family);
        if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, wanted);
        const first = wanted[0];
        if (!first) {
          const err: NodeJS.ErrnoException = new Error(`${hostname}: no IPv${family} address`);
          err.code = 'ENOTFOUND';
          return callback(err, '', 0);
        }
        callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };

  private modeRefusal(host: string): string | null {
    if (this.o.mode === 'public-https') return null;
    return isPushServiceHost(host) ? null : `${host} is not a browser push service`;
  }

  private addressRefusal(host: string, addresses: LookupAddress[]): string | null {
    if (!addresses.length) return `${host} has no address`;
    const bad = addresses.find((a) => !isPublicAddress(a.address));
    return bad ? `${host} resolves to ${bad.address}, not a public address` : null;
  }
}
