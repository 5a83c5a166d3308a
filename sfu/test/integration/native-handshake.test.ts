/**
 * The iPhone shell's socket as the server meets it: the exact upgrade request socket.io-client-swift
 * 16.1.1 over Starscream 4.0.8 writes (`@softphone/test-support/starscream-handshake`, cited there),
 * over a raw TCP connection, then engine.io and socket.io's CONNECT as the Swift client speaks them.
 * The Node clients of the other suites send no Origin at all, so only this suite sees what
 * Starscream's default `Origin: ws(s)://<host>` meets.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  acceptFor,
  connectTo,
  EXTRA_ORIGIN_PARAM,
  readResponseHead,
  startSwiftSocketStandIn,
  swiftUpgradeRequest,
} from '@softphone/test-support/starscream-handshake';
import { io } from 'socket.io-client';
import { next, signUp, startHarness, type Client, type Harness, type User } from './harness.ts';

/** Text frames in and out of an upgraded connection (RFC 6455 §5.2): the client masks, the server doesn't. */
function frames(socket: net.Socket, first: Buffer) {
  let buffered = first;
  const texts: string[] = [];
  const waiters: (() => void)[] = [];
  const parse = () => {
    for (;;) {
      if (buffered.length < 2) return;
      let len = (buffered[1] ?? 0) & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (buffered.length < 4) return;
        len = buffered.readUInt16BE(2);
        offset = 4;
      }
      if (buffered.length < offset + len) return;
      if (((buffered[0] ?? 0) & 0x0f) === 1)
        texts.push(buffered.subarray(offset, offset + len).toString('utf8'));
      buffered = buffered.subarray(offset + len);
      for (const w of waiters.splice(0)) w();
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    parse();
  });
  parse();
  return {
    /** The next text frame whose payload starts with `prefix` (engine.io/socket.io packet types). */
    async next(prefix: string): Promise<string> {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const i = texts.findIndex((t) => t.startsWith(prefix));
        if (i >= 0) return texts.splice(i, 1)[0] ?? '';
        if (Date.now() > deadline) throw new Error(`no frame "${prefix}…" (got ${JSON.stringify(texts)})`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
    send(text: string) {
      const payload = Buffer.from(text, 'utf8');
      assert.ok(payload.length < 126);
      const mask = crypto.randomBytes(4);
      const masked = payload.map((b, i) => b ^ (mask[i % 4] ?? 0));
      socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
    },
  };
}

describe(
  'the iPhone shell socket handshake (socket.io-client-swift 16.1.1 + Starscream 4.0.8)',
  { timeout: 60_000 },
  () => {
    let h: Harness;
    let user: User;
    before(async () => {
      h = await startHarness();
      user = await signUp(h.url, 'Iris');
    });
    after(() => h.stop());

    /** Opens the WebSocket as the Swift client does; the upgrade response and, if upgraded, its frames. */
    async function open(o: { cookie?: string; origin?: string }) {
      const server = new URL(h.url);
      const { head, key } = swiftUpgradeRequest({
        server,
        ...(o.cookie !== undefined ? { cookie: o.cookie } : {}),
        ...(o.origin !== undefined ? { extraHeaders: { Origin: o.origin } } : {}),
        compress: true,
      });
      const socket = await connectTo(server);
      socket.write(head);
      const response = await readResponseHead(socket);
      return { socket, key, response, head };
    }

    /** engine.io's open packet, then socket.io's CONNECT for the default namespace with the shell's auth. */
    async function connectNamespace(socket: net.Socket, rest: Buffer): Promise<string> {
      const f = frames(socket, rest);
      await f.next('0{');
      // SocketManager.connectSocket (SocketManager.swift:207-225): `0` + nsp + `,` + the payload's JSON,
      // sent as an engine.io message (`4`).
      f.send(`40/,${JSON.stringify({ deviceId: crypto.randomUUID(), deviceLabel: 'iPhone' })}`);
      return f.next('4');
    }

    it("accepts Starscream's default Origin (ws://<host>) with a session cookie: 101, then socket.io's CONNECT ack", async () => {
      const { socket, key, response, head } = await open({ cookie: user.cookie });
      try {
        assert.match(head, /\r\nOrigin: ws:\/\/127\.0\.0\.1:\d+\r\n/);
        assert.match(head, /\r\nHost: 127\.0\.0\.1:\d+\r\n/);
        assert.equal(response.status, 101, response.head);
        assert.match(
          response.head,
          new RegExp(`\r\nSec-WebSocket-Accept: ${acceptFor(key).replace(/[+/]/g, '\\$&')}`, 'i'),
        );
        const ack = await connectNamespace(socket, response.rest);
        assert.match(ack, /^40\{"sid":"[^"]+"/, 'CONNECT acknowledged');
      } finally {
        socket.destroy();
      }
    });

    it('accepts the page origin the shell now sets through extraHeaders', async () => {
      const { socket, response } = await open({ cookie: user.cookie, origin: h.url });
      try {
        assert.equal(response.status, 101, response.head);
        assert.match(await connectNamespace(socket, response.rest), /^40\{"sid"/);
      } finally {
        socket.destroy();
      }
    });

    it('refuses the same handshake without a session cookie at CONNECT', async () => {
      const { socket, response } = await open({});
      try {
        assert.equal(response.status, 101, response.head);
        const refusal = await connectNamespace(socket, response.rest);
        assert.match(refusal, /^44/, 'CONNECT_ERROR');
      } finally {
        socket.destroy();
      }
    });

    it("refuses another host's Origin at the upgrade, whatever its scheme", async () => {
      for (const origin of ['wss://evil.example', 'ws://evil.example', 'https://evil.example']) {
        const { socket, response } = await open({ cookie: user.cookie, origin });
        socket.destroy();
        assert.equal(response.status, 400, `${origin}: ${response.head}`);
      }
    });

    it("the simulated shell's stand-in: a socket.io client through it is welcomed, with Starscream's Origin or the page's", async () => {
      const standIn = await startSwiftSocketStandIn(new URL(h.url));
      try {
        for (const query of [{}, { [EXTRA_ORIGIN_PARAM]: h.url }]) {
          const socket: Client = io(standIn.url, {
            auth: { deviceId: crypto.randomUUID(), deviceLabel: 'iPhone' },
            extraHeaders: { cookie: user.cookie },
            query,
            transports: ['websocket'],
            forceNew: true,
            reconnection: false,
          });
          try {
            await next(socket, 'session:welcome');
          } finally {
            socket.disconnect();
          }
        }
        assert.deepEqual(standIn.handshakes, [
          { origin: null, status: 101 },
          { origin: h.url, status: 101 },
        ]);
      } finally {
        await standIn.stop();
      }
    });
  },
);
