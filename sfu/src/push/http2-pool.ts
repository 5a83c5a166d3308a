/**
 * A small pool of long-lived HTTP/2 connections per origin, as APNs asks providers to keep
 * ("keep your connections open … reuse them for multiple notifications"). Requests go round-robin
 * over up to `size` connections; each carries many concurrent streams.
 *
 * A connection that receives GOAWAY (APNs sends one on shutdown or for a connection-level error,
 * JSON reason in the debug data) leaves the pool at once: its in-flight streams finish, new ones go
 * to a fresh connection. Streams the server refused by the GOAWAY (id above its last-stream-id)
 * fail with a retryable TransportError: the server never processed them.
 */
import http2 from 'node:http2';
import type tls from 'node:tls';
import type { Logger } from '../log.ts';

export interface Http2Response {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
}

/** The request did not get an HTTP answer (connection refused or lost, GOAWAY, timeout). */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface Http2PoolOptions {
  /** Connections per origin. */
  size: number;
  requestTimeoutMs: number;
  /** Extra trust (the stand-in's self-signed certificate in tests); the system CAs otherwise. */
  tls?: Pick<tls.ConnectionOptions, 'ca'>;
  log: Logger;
}

export class Http2Pool {
  private readonly sessions = new Map<string, http2.ClientHttp2Session[]>();
  private turn = 0;
  private closed = false;
  /** Connections opened so far (the bench and the GOAWAY test read it). */
  opened = 0;

  constructor(private readonly o: Http2PoolOptions) {}

  /** POSTs `body` to `origin` + `path`; `onWritten` fires when the request has been handed to the socket. */
  async post(
    origin: string,
    path: string,
    headers: http2.OutgoingHttpHeaders,
    body: string,
    onWritten?: () => void,
  ): Promise<Http2Response> {
    if (this.closed) throw new TransportError('the push connection pool is closed', 'POOL_CLOSED');
    const reqHeaders = { ':method': 'POST', ':path': path, ...headers };
    const first = this.session(origin);
    let stream: http2.ClientHttp2Stream;
    try {
      stream = first.request(reqHeaders);
    } catch (err) {
      // The connection went away between being picked and used (GOAWAY, socket closed): one more
      // try on a fresh one. The server never saw this request.
      this.remove(origin, first);
      try {
        stream = this.session(origin).request(reqHeaders);
      } catch {
        throw new TransportError((err as Error).message, (err as { code?: string }).code ?? 'REQUEST');
      }
    }
    return new Promise<Http2Response>((resolve, reject) => {
      let status = 0;
      let resHeaders: http2.IncomingHttpHeaders = {};
      let data = '';
      stream.setEncoding('utf8');
      stream.setTimeout(this.o.requestTimeoutMs, () => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        reject(new TransportError(`no answer within ${this.o.requestTimeoutMs} ms`, 'TIMEOUT'));
      });
      stream.on('response', (h) => {
        resHeaders = h;
        status = Number(h[':status']);
      });
      stream.on('data', (chunk: string) => (data += chunk));
      stream.on('end', () => resolve({ status, headers: resHeaders, body: data }));
      stream.on('error', (err: Error & { code?: string }) =>
        reject(new TransportError(err.message, err.code ?? 'STREAM')),
      );
      stream.end(body, () => onWritten?.());
    });
  }

  /** Live connections per origin. */
  get connections(): number {
    let n = 0;
    for (const list of this.sessions.values()) n += list.length;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.sessions.values()].flat();
    this.sessions.clear();
    await Promise.all(all.map((s) => new Promise<void>((r) => (s.closed ? r() : s.close(() => r())))));
  }

  private session(origin: string): http2.ClientHttp2Session {
    const list = this.sessions.get(origin) ?? [];
    this.sessions.set(origin, list);
    if (list.length < this.o.size) {
      const s = this.connect(origin);
      list.push(s);
      return s;
    }
    this.turn = (this.turn + 1) % list.length;
    return list[this.turn] as http2.ClientHttp2Session;
  }

  private connect(origin: string): http2.ClientHttp2Session {
    const log = this.o.log;
    const s = http2.connect(origin, { ...this.o.tls });
    this.opened++;
    const drop = (): void => this.remove(origin, s);
    s.on('goaway', (code: number, lastStreamId: number, debug?: Buffer) => {
      log.warn({ origin, code, lastStreamId, debug: debug?.toString('utf8') }, 'push connection got GOAWAY');
      drop();
    });
    s.on('error', (err: Error) => {
      log.warn({ origin, err: err.message }, 'push connection failed');
      drop();
    });
    s.on('close', drop);
    // A pool that is only idle must not keep the process alive.
    s.unref();
    return s;
  }

  private remove(origin: string, s: http2.ClientHttp2Session): void {
    const list = this.sessions.get(origin) ?? [];
    const i = list.indexOf(s);
    if (i >= 0) list.splice(i, 1);
    // Out of the pool for good: let its in-flight streams finish, then close it.
    if (!s.closed && !s.destroyed) s.close();
  }
}
