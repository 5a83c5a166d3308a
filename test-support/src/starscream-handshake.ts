/**
 * What the iPhone shell's socket puts on the wire to open its WebSocket: socket.io-client-swift
 * v16.1.1 over Starscream 4.0.8 (the versions `ios-shell/project.yml` resolves), rebuilt from their
 * sources, so the server is tested against what the real client sends and not against what a
 * Node or browser client would.
 *
 * - The URL: with `.forceWebsockets(true)` the engine opens the WebSocket at once, without a
 *   polling sid, at `<socketPath>?transport=websocket` + connect params + `&EIO=4`
 *   (socket.io-client-swift v16.1.1 `Source/SocketIO/Engine/SocketEngine.swift:264-304` createURLs;
 *   `SocketEngineSpec.swift:148-155` engineIOParam, version `.three` by default, SocketEngine.swift:120).
 * - The request: `addHeaders` (SocketEngineSpec.swift:180-193) sets `Cookie` from `.cookies` and then
 *   `.extraHeaders`; `createWebSocketAndConnect` (SocketEngine.swift:307-320) hands it to
 *   Starscream with a WSCompression handler when `.compress` is set. Starscream's WSEngine
 *   (`Sources/Engine/WSEngine.swift:140-145`) then runs `HTTPWSHeader.createUpgrade`
 *   (`Sources/Framer/HTTPHandler.swift:51-86`): `Origin` = the URL's scheme://host[:port] when none is
 *   set (:57-64), Upgrade, Connection, Sec-WebSocket-Version 13, Sec-WebSocket-Key (:65-68), the
 *   cookie jar only when no Cookie was set (:70-77), `permessage-deflate; client_max_window_bits;
 *   server_max_window_bits=15` when compressing (:79-82), and `Host: <host>:<port>` with the port
 *   always written, 443/80 when the URL has none (:83-84, getParts :135-149).
 * - Header order: `FoundationHTTPHandler.convert` (FoundationHTTPHandler.swift:36-51) copies
 *   `allHTTPHeaderFields`, a dictionary, so on a device the order varies from run to run. This
 *   module writes them in the order createUpgrade sets them; the server must not care.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';

/** `socketPath` of socket.io-client-swift (`/socket.io/` unless `.path` says otherwise) with its query. */
export const SWIFT_WEBSOCKET_PATH = '/socket.io/?transport=websocket&EIO=4';

/** Starscream 4.0.8 `generateWebSocketKey`: 16 random letters a–z, base64 (HTTPHandler.swift:88-91). */
export function starscreamKey(): string {
  return Buffer.from(Array.from({ length: 16 }, () => crypto.randomInt(97, 123))).toString('base64');
}

/** RFC 6455 §4.2.2: the accept value a server answers `key` with. */
export function acceptFor(key: string): string {
  return crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

export interface SwiftSocketOptions {
  /** The shell's `serverURL` (SignallingClient): http(s)://host[:port]. */
  server: URL;
  /** The session cookie's `name=value`, as `.cookies([cookie])` writes it; none for a client without one. */
  cookie?: string;
  /** `.extraHeaders` (the shell sets `Origin` to its page's origin). */
  extraHeaders?: Record<string, string>;
  /** `.compress` (the shell sets it). */
  compress: boolean;
  key?: string;
}

/** The upgrade request's head, byte for byte as Starscream writes it (header order aside, see above). */
export function swiftUpgradeRequest(o: SwiftSocketOptions): { head: string; key: string } {
  const secure = o.server.protocol === 'https:';
  // `.secure(serverURL.scheme == "https")` makes the WebSocket URL's scheme wss/ws (SocketEngine.swift:276-282).
  const wsScheme = secure ? 'wss:' : 'ws:';
  const port = o.server.port === '' ? (secure ? '443' : '80') : o.server.port;
  const key = o.key ?? starscreamKey();
  const headers: [string, string][] = [];
  if (o.cookie !== undefined) headers.push(['Cookie', o.cookie]);
  for (const [name, value] of Object.entries(o.extraHeaders ?? {})) headers.push([name, value]);
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name.toLowerCase());
  // `URL(string: "/", relativeTo: url).absoluteString` less its trailing slash: the port only when the URL has one.
  if (!has('Origin')) headers.push(['Origin', `${wsScheme}//${o.server.host}`]);
  headers.push(['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Version', '13']);
  headers.push(['Sec-WebSocket-Key', key]);
  if (o.compress)
    headers.push([
      'Sec-WebSocket-Extensions',
      'permessage-deflate; client_max_window_bits; server_max_window_bits=15',
    ]);
  if (!has('Host')) headers.push(['Host', `${o.server.hostname}:${port}`]);
  const lines = [`GET ${SWIFT_WEBSOCKET_PATH} HTTP/1.1`, ...headers.map(([n, v]) => `${n}: ${v}`)];
  return { head: `${lines.join('\r\n')}\r\n\r\n`, key };
}

/** A TCP (or TLS, for https) connection to the server, as Starscream's TCPTransport opens one. */
export function connectTo(server: URL, ca?: string): Promise<net.Socket> {
  const secure = server.protocol === 'https:';
  const port = Number(server.port || (secure ? 443 : 80));
  return new Promise((resolve, reject) => {
    const socket = secure
      ? tls.connect({ host: server.hostname, port, servername: server.hostname, ...(ca ? { ca } : {}) }, () =>
          resolve(socket),
        )
      : net.connect({ host: server.hostname, port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Reads an HTTP response head off `socket`; resolves with it and whatever bytes followed it. */
export function readResponseHead(
  socket: net.Socket,
): Promise<{ status: number; head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('error', reject);
      const head = buffered.subarray(0, end).toString('latin1');
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
        head,
        rest: buffered.subarray(end + 4),
      });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('end', () =>
      reject(new Error(`connection closed before a response: ${buffered.toString('latin1')}`)),
    );
  });
}

/** The simulated shell's side of {@link startSwiftSocketStandIn}: how it asks for `.extraHeaders`' Origin. */
export const EXTRA_ORIGIN_PARAM = 'swiftExtraOrigin';

export interface SwiftSocketStandIn {
  /** `ws://127.0.0.1:<port>`: the simulated shell's socket.io-client connects here. */
  url: string;
  /** Upgrades forwarded, with the status the server answered each with. */
  readonly handshakes: { origin: string | null; status: number }[];
  /**
   * The shell's network path goes (its connections are cut, new ones fail at once, as with no
   * route) or comes back: an outage of the app's socket alone, the page's (frozen) one untouched.
   */
  setReachable(reachable: boolean): void;
  stop(): Promise<void>;
}

/**
 * The simulated iPhone shell's socket goes through this: a browser page can't write `Origin` (nor
 * any handshake header), so the simulated shell's socket.io-client connects here, and this
 * re-issues its WebSocket upgrade to the server exactly as socket.io-client-swift 16.1.1 over
 * Starscream 4.0.8 writes it ({@link swiftUpgradeRequest}): the path and query of a
 * `forceWebsockets` engine, the cookie (the page's session, as the shell reads it from
 * WKHTTPCookieStore), Starscream's default `Origin: ws(s)://<host>` unless the simulated shell
 * asks for the `.extraHeaders` Origin (query `swiftExtraOrigin`), compression offered. The server's
 * 101 goes back with the accept value of the browser's own key; then bytes flow both ways as they
 * are. A refused upgrade goes back as it is, and the simulated socket retries as the Swift does.
 */
export async function startSwiftSocketStandIn(server: URL, ca?: string): Promise<SwiftSocketStandIn> {
  const handshakes: { origin: string | null; status: number }[] = [];
  const open = new Set<net.Socket>();
  let reachable = true;
  const front = http.createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('only the shell socket upgrade goes here\n');
  });
  front.on('upgrade', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    if (!reachable) {
      client.destroy();
      return;
    }
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    const browserKey = req.headers['sec-websocket-key'];
    const query = new URL(req.url ?? '/', 'ws://stand-in').searchParams;
    const origin = query.get(EXTRA_ORIGIN_PARAM);
    const cookie = req.headers.cookie;
    const { head: upgrade } = swiftUpgradeRequest({
      server,
      ...(cookie !== undefined ? { cookie } : {}),
      ...(origin ? { extraHeaders: { Origin: origin } } : {}),
      compress: true,
    });
    void (async () => {
      const upstream = await connectTo(server, ca);
      open.add(upstream);
      // Each side's end is passed on once what it sent is written (pipe's `end`); a destroyed side
      // (an error, an outage) takes the other with it. Destroying on a mere close could drop the
      // last bytes a client wrote just before closing (a `call:media-lost` before the socket closes).
      upstream.once('close', () => {
        open.delete(upstream);
        if (upstream.errored) client.destroy();
      });
      client.once('close', () => {
        if (client.errored) upstream.destroy();
      });
      upstream.on('error', () => upstream.destroy());
      upstream.write(upgrade);
      const response = await readResponseHead(upstream);
      handshakes.push({ origin, status: response.status });
      if (response.status !== 101 || typeof browserKey !== 'string') {
        client.end(`${response.head}\r\n\r\n`);
        upstream.destroy();
        return;
      }
      const rewritten = response.head.replace(
        /\r\nSec-WebSocket-Accept: [^\r]*/i,
        `\r\nSec-WebSocket-Accept: ${acceptFor(browserKey)}`,
      );
      client.write(`${rewritten}\r\n\r\n`);
      if (response.rest.length > 0) client.write(response.rest);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    })().catch(() => client.destroy());
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const { port } = front.address() as net.AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    handshakes,
    setReachable(on) {
      reachable = on;
      if (!on) for (const s of open) s.destroy();
    },
    async stop() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}
