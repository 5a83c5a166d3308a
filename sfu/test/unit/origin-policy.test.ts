import assert from 'node:assert/strict';
import type http from 'node:http';
import { describe, it } from 'node:test';
import { checkOrigin } from '../../src/http/origin-policy.ts';
import { createRequestView } from '../../src/http/proxy-trust.ts';

const view = createRequestView([]);

/** A request as node's http server hands it over: its headers and the socket it came on. */
const request = (headers: http.IncomingHttpHeaders, tls = false) =>
  ({ headers, socket: { remoteAddress: '127.0.0.1', encrypted: tls } }) as unknown as http.IncomingMessage;

const upgrade = { connection: 'Upgrade', upgrade: 'websocket' };

describe('checkOrigin', () => {
  it('lets a request without Origin through, and the page of this origin', () => {
    assert.deepEqual(checkOrigin(request({ host: 'phone.example:8080' }), view), { ok: true });
    const page = { host: 'phone.example:8080', origin: 'http://phone.example:8080' };
    assert.deepEqual(checkOrigin(request(page), view), { ok: true });
    assert.deepEqual(checkOrigin(request({ ...page, ...upgrade }), view), { ok: true });
    const tls = { host: 'phone.example', origin: 'https://phone.example' };
    assert.deepEqual(checkOrigin(request({ ...tls, ...upgrade }, true), view), { ok: true });
  });

  it("takes a WebSocket handshake with this host's ws:/wss: Origin for a native client (Starscream's default Origin)", () => {
    // Starscream 4.0.8 sends `Host: <host>:<port>` with the port always written out and an Origin
    // without the scheme's default port (HTTPHandler.swift:57-64, :83).
    for (const [host, origin, tls] of [
      ['phone.example:443', 'wss://phone.example', true],
      ['phone.example:8443', 'wss://phone.example:8443', true],
      ['127.0.0.1:8080', 'ws://127.0.0.1:8080', false],
      ['127.0.0.1:8080', 'wss://127.0.0.1:8080', false],
    ] as const) {
      assert.deepEqual(checkOrigin(request({ host, origin, ...upgrade }, tls), view), { ok: true }, origin);
    }
  });

  it('refuses another host whatever the scheme, and a ws: Origin on anything but a WebSocket handshake', () => {
    const host = 'phone.example:8080';
    for (const origin of [
      'https://evil.example',
      'wss://evil.example',
      'ws://phone.example:8081',
      'wss://phone.example',
      'null',
      'https://phone.example:8080',
    ]) {
      const verdict = checkOrigin(request({ host, origin, ...upgrade }), view);
      assert.deepEqual(verdict, { ok: false, origin, expected: 'http://phone.example:8080' }, origin);
    }
    // A REST call never comes from a native socket: only the page's own origin (or none) is taken.
    const rest = checkOrigin(request({ host, origin: 'ws://phone.example:8080' }), view);
    assert.equal(rest.ok, false);
  });
});
