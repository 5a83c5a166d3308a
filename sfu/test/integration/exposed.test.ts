/**
 * A server reachable from other machines, run as `npm start` runs it (src/main.ts as a child, with
 * its mediasoup workers): HTTPS with a given or a self-signed certificate made once, TRUST_PROXY, the origin
 * policy of REST and socket.io, the security headers, and the sign-up limit.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import selfsigned from 'selfsigned';
import { io } from 'socket.io-client';
import { startServerProcess, type ServerProcess } from '../../fuzz/server-process.ts';
import { ErrorCode, type ErrorReply } from '../../src/protocol/index.ts';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The certificate the server presented (HTTPS only). */
  fingerprint?: string;
}

/** One request over HTTP or HTTPS (trusting `ca`), with any headers, including Origin and Host. */
function request(
  url: string,
  o: { method?: string; path?: string; headers?: Record<string, string>; body?: unknown; ca?: string } = {},
): Promise<Reply> {
  const target = new URL(o.path ?? '/', url);
  const body = o.body === undefined ? undefined : JSON.stringify(o.body);
  const mod = target.protocol === 'https:' ? https : http;
  return new Promise<Reply>((resolve, reject) => {
    const req = mod.request(
      target,
      {
        method: o.method ?? (body ? 'POST' : 'GET'),
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...o.headers },
        ...(o.ca ? { ca: o.ca } : {}),
      },
      (res) => {
        // Read while the response still holds its socket (it's released at the end).
        const peer = (
          res.socket as { getPeerCertificate?: () => { fingerprint256?: string } } | null
        )?.getPeerCertificate?.();
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            ...(peer?.fingerprint256 ? { fingerprint: peer.fingerprint256 } : {}),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const newAccount = () => ({
  username: `x${crypto.randomBytes(5).toString('hex')}`,
  password: 'exposed server',
  displayName: 'Exposed',
});
const codeOf = (r: Reply) => (JSON.parse(r.body) as ErrorReply).error.code;
const cookieOf = (r: Reply) => String(r.headers['set-cookie'] ?? '');
const loopbackUrl = (s: ServerProcess) => s.url.replace(/\/\/[^/]+:/, '//127.0.0.1:');

/** Resolves with the handshake's outcome: welcomed, or refused (with its code when typed). */
function handshake(url: string, headers: Record<string, string>, ca?: string): Promise<string> {
  const s = io(url, {
    auth: { deviceId: crypto.randomUUID(), deviceLabel: 'exposed test' },
    extraHeaders: headers,
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...(ca ? { ca } : {}),
  });
  return new Promise<string>((resolve) => {
    s.once('session:welcome', () => resolve('welcomed'));
    s.once('connect_error', (err: Error & { data?: { code?: string } }) =>
      resolve(`refused${err.data?.code ? ` ${err.data.code}` : ''}`),
    );
  }).finally(() => s.disconnect());
}

describe('on loopback (npm start)', { timeout: 90_000 }, () => {
  let s: ServerProcess;
  before(async () => {
    s = await startServerProcess({ env: { SIGNUP_LIMIT_PER_HOUR: '3', ALLOWED_HOSTS: 'Phone.Example' } });
  });
  after(async () => s.stop());

  it('serves plain HTTP, as before, with no certificate made', async () => {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.doesNotMatch(s.output(), /fingerprint/i);
    assert.equal(fs.existsSync(path.join(s.dataDir, 'tls')), false);
  });

  it('sends the security headers on pages, API replies, errors, health and socket.io, HSTS only on HTTPS', async () => {
    const responses: [string, { headers: http.IncomingHttpHeaders }][] = [];
    for (const p of ['/', '/api/me', '/api/nowhere', '/healthz'])
      responses.push([p, await request(s.url, { path: p })]);
    responses.push(['socket.io websocket', await websocketHandshake(s.url)]);
    for (const [p, r] of responses) {
      const csp = String(r.headers['content-security-policy']);
      assert.match(csp, /script-src 'self'(;|$)/, p);
      assert.match(csp, /style-src 'self'(;|$)/, p);
      assert.match(csp, /frame-ancestors 'self'/, p);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, p);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', p);
      assert.equal(r.headers['referrer-policy'], 'no-referrer', p);
      assert.equal(r.headers['strict-transport-security'], undefined, p);
    }
  });

  it('refuses HTTP long-polling: websocket only, so no load balancer needs sticky sessions', async () => {
    const r = await request(s.url, { path: '/socket.io/?EIO=4&transport=polling' });
    assert.equal(r.status, 400);
  });

  it('refuses state-changing REST calls and socket.io connections from another origin, with a typed error', async () => {
    const signedUp = await request(s.url, { body: newAccount(), path: '/api/signup' });
    assert.equal(signedUp.status, 201);
    const cookie = cookieOf(signedUp).split(';')[0] ?? '';
    for (const p of ['/api/signup', '/api/signin', '/api/signout', '/api/calls/shown']) {
      for (const origin of ['https://evil.example', 'null', s.url.replace('http:', 'https:')]) {
        const r = await request(s.url, { path: p, body: {}, headers: { origin, cookie } });
        assert.equal(r.status, 403, `${p} from ${origin}`);
        assert.equal(codeOf(r), ErrorCode.ForbiddenOrigin);
      }
    }
    const same = await request(s.url, { path: '/api/signout', body: {}, headers: { origin: s.url, cookie } });
    assert.equal(same.status, 200);

    const again = await request(s.url, {
      body: newAccount(),
      path: '/api/signup',
      headers: { origin: s.url },
    });
    const live = cookieOf(again).split(';')[0] ?? '';
    assert.equal(await handshake(s.url, { cookie: live, origin: 'https://evil.example' }), 'refused');
    assert.equal(await handshake(s.url, { cookie: live, origin: s.url }), 'welcomed');
  });

  it('answers only to loopback names, IP literals and ALLOWED_HOSTS: a rebound name gets 421 everywhere, socket.io included', async () => {
    const port = new URL(s.url).port;
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      `localhost.evil.example:${port}`,
      'phone.example.evil',
    ]) {
      for (const p of ['/', '/api/me', '/healthz']) {
        const r = await request(s.url, { path: p, headers: { host } });
        assert.equal(r.status, 421, `${p} for ${host}`);
        assert.equal(codeOf(r), ErrorCode.ForbiddenOrigin);
      }
      // The rebound page is same-origin with itself: the origin policy alone would let this in.
      const signUp = await request(s.url, {
        path: '/api/signup',
        body: newAccount(),
        headers: { host, origin: `http://${host}` },
      });
      assert.equal(signUp.status, 421, host);
      assert.equal(await handshake(s.url, { host, origin: `http://${host}` }), 'refused', host);
    }
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `app.localhost:${port}`,
      `[::1]:${port}`,
      'phone.example',
    ]) {
      const r = await request(s.url, { path: '/healthz', headers: { host } });
      assert.equal(r.status, 200, host);
    }
  });

  it('/healthz says whether it is ready and how loaded, and no process ids', async () => {
    const r = await request(s.url, { path: '/healthz' });
    const body = JSON.parse(r.body) as { media: { ready: boolean; workers: Record<string, unknown>[] } };
    assert.equal(body.media.ready, true);
    assert.ok(body.media.workers.length > 0);
    for (const w of body.media.workers) assert.deepEqual(Object.keys(w).sort(), ['calls', 'slot']);
    assert.doesNotMatch(r.body, /pid/);
  });

  it('believes no X-Forwarded-* by default: no Secure cookie or HSTS for a claimed https, one sign-up budget per real address', async () => {
    const claimed = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' };
    const r = await request(s.url, { path: '/api/signup', body: newAccount(), headers: claimed });
    assert.equal(r.status, 201);
    assert.doesNotMatch(cookieOf(r), /Secure/i);
    assert.equal(r.headers['strict-transport-security'], undefined);
    // The earlier tests signed up twice from 127.0.0.1; with this one the budget of 3 is spent,
    // whatever address the request claims.
    const limited = await request(s.url, {
      path: '/api/signup',
      body: newAccount(),
      headers: { 'x-forwarded-for': '203.0.113.8' },
    });
    assert.equal(limited.status, 429);
    assert.equal(codeOf(limited), ErrorCode.RateLimited);
    assert.ok(Number(limited.headers['retry-after']) > 0);
  });
});

describe('behind a reverse proxy (TRUST_PROXY=loopback)', { timeout: 90_000 }, () => {
  let s: ServerProcess;
  before(async () => {
    s = await startServerProcess({ env: { TRUST_PROXY: 'loopback', SIGNUP_LIMIT_PER_HOUR: '2' } });
  });
  after(async () => s.stop());

  const proxied = (client: string) => ({
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'phone.example',
    'x-forwarded-for': client,
  });

  it("believes the proxy's proto and host: Secure cookie, HSTS, and the public origin is the page's own", async () => {
    const r = await request(s.url, {
      path: '/api/signup',
      body: newAccount(),
      headers: { ...proxied('198.51.100.1'), origin: 'https://phone.example' },
    });
    assert.equal(r.status, 201, r.body);
    assert.match(cookieOf(r), /; Secure/i);
    assert.match(String(r.headers['strict-transport-security']), /max-age=\d+/);
    assert.match(String(r.headers['content-security-policy']), /connect-src 'self' wss:\/\/phone\.example/);
    const cookie = cookieOf(r).split(';')[0] ?? '';
    assert.equal(
      await handshake(s.url, { ...proxied('198.51.100.1'), cookie, origin: 'https://phone.example' }),
      'welcomed',
    );
    const direct = await request(s.url, {
      path: '/api/signout',
      body: {},
      headers: { origin: 'https://phone.example' },
    });
    assert.equal(direct.status, 403, 'without the proxy headers the page origin is not this one');
  });

  it('limits sign-ups per forwarded client address, and a spoofed address in front is not believed', async () => {
    const from = (xff: string) =>
      request(s.url, { path: '/api/signup', body: newAccount(), headers: { 'x-forwarded-for': xff } });
    assert.equal((await from('198.51.100.2')).status, 201);
    assert.equal((await from('203.0.113.9, 198.51.100.2')).status, 201);
    assert.equal((await from('203.0.113.10, 198.51.100.2')).status, 429);
    assert.equal((await from('198.51.100.3')).status, 201, 'another client has its own budget');
  });
});

describe('beyond loopback (HOST=0.0.0.0) without a certificate', { timeout: 120_000 }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'softphone-tls-'));
  let first: ServerProcess | undefined;
  after(async () => first?.stop());

  it('makes a self-signed certificate once, prints its fingerprint and the warning, serves HTTPS and socket.io with it, and reuses it on restart', async () => {
    first = await startServerProcess({ dataDir, env: { HOST: '0.0.0.0' } });
    assert.match(first.url, /^https:\/\/0\.0\.0\.0:\d+$/);
    const certFile = path.join(dataDir, 'tls', 'self-signed-cert.pem');
    const cert = fs.readFileSync(certFile, 'utf8');
    const x509 = new crypto.X509Certificate(cert);
    const out = first.output();
    assert.match(out, /made now/);
    assert.ok(out.includes(`SHA-256 fingerprint: ${x509.fingerprint256}`), out);
    assert.match(out, /Browsers on other machines will warn/);
    assert.ok(x509.checkHost(os.hostname()), 'valid for the hostname');
    assert.ok(x509.checkIP('127.0.0.1'), 'valid for the interface addresses');

    const url = loopbackUrl(first);
    const page = await request(url, { path: '/healthz', ca: cert });
    assert.equal(page.fingerprint, x509.fingerprint256);
    assert.match(String(page.headers['strict-transport-security']), /max-age=\d+/);
    assert.match(String(page.headers['content-security-policy']), /upgrade-insecure-requests/);
    // Beyond loopback it runs its own TURN relay (coturn), with a TLS listener on the same certificate.
    const health = JSON.parse(page.body) as { turn: { ready: boolean } | null };
    assert.equal(health.turn?.ready, true, page.body);
    assert.match(out, /TURN relay \(embedded coturn\): turn:\S+:3478\?transport=udp turn:\S+ turns:\S+:5349/);
    const signedUp = await request(url, { path: '/api/signup', body: newAccount(), ca: cert });
    assert.equal(signedUp.status, 201);
    assert.match(cookieOf(signedUp), /; Secure/i);
    assert.equal(await handshake(url, { cookie: cookieOf(signedUp).split(';')[0] ?? '' }, cert), 'welcomed');
    await first.stop();

    first = await startServerProcess({ dataDir, env: { HOST: '0.0.0.0' } });
    assert.match(first.output(), /made earlier/);
    assert.ok(first.output().includes(`SHA-256 fingerprint: ${x509.fingerprint256}`));
    assert.equal(fs.readFileSync(certFile, 'utf8'), cert);
    assert.equal(
      (await request(loopbackUrl(first), { path: '/healthz', ca: cert })).fingerprint,
      x509.fingerprint256,
    );
  });
});

describe('with TLS_CERT_FILE and TLS_KEY_FILE', { timeout: 90_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'softphone-given-'));
  let s: ServerProcess | undefined;
  after(async () => s?.stop());

  it('serves HTTPS with the given certificate, even on loopback, and makes none', async () => {
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'given.example' }], {
      keyType: 'ec',
      curve: 'P-256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    fs.writeFileSync(path.join(dir, 'cert.pem'), pems.cert);
    fs.writeFileSync(path.join(dir, 'key.pem'), pems.private);
    s = await startServerProcess({
      env: { TLS_CERT_FILE: path.join(dir, 'cert.pem'), TLS_KEY_FILE: path.join(dir, 'key.pem') },
    });
    assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await request(s.url, { path: '/healthz', ca: pems.cert });
    assert.equal(r.fingerprint, new crypto.X509Certificate(pems.cert).fingerprint256);
    assert.equal(fs.existsSync(path.join(s.dataDir, 'tls')), false);
  });

  it('exits 2 naming the setting when the key is not the certificate’s', async () => {
    const other = await selfsigned.generate([{ name: 'commonName', value: 'other' }], { keyType: 'ec' });
    fs.writeFileSync(path.join(dir, 'other-key.pem'), other.private);
    await assert.rejects(
      startServerProcess({
        env: { TLS_CERT_FILE: path.join(dir, 'cert.pem'), TLS_KEY_FILE: path.join(dir, 'other-key.pem') },
      }),
      (err: Error) => /exited \(2\)/.test(err.message) && /TLS_CERT_FILE/.test(err.message),
    );
  });
});

/** A socket.io WebSocket handshake, for its response headers (101 Switching Protocols). */
function websocketHandshake(base: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/socket.io/?EIO=4&transport=websocket`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': crypto.randomBytes(16).toString('base64'),
      },
    });
    req.on('upgrade', (res: http.IncomingMessage, socket) => {
      socket.destroy();
      resolve(res);
    });
    req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}
