/**
 * The embedded TURN relay against the real coturn: allocations over UDP, TCP and TLS with the
 * TURN REST credentials the server hands out, refusals of expired and forged ones, relaying only
 * to the SFU, and a relay that dies coming back with the same secret.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import selfsigned from 'selfsigned';
import { createLogger } from '../../src/log.ts';
import { CoturnRelay, coturnInstalled, type CoturnOptions } from '../../src/turn/coturn-relay.ts';
import { turnCredential } from '../../src/turn/turn-credentials.ts';
import { allocate, type TurnTransport } from '../support/turn-client.ts';
import { environmentSkip } from '@softphone/test-support/environment-skip';

const SFU = '127.0.0.1';
const HOUR = 3_600_000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const cannot = environmentSkip(
  !coturnInstalled() && 'coturn is not installed (apt-get install coturn; setup does it)',
);

describe('the embedded TURN relay (real coturn)', { timeout: 60_000, skip: cannot }, () => {
  let relay: CoturnRelay;
  let opts: CoturnOptions;
  let ca: string;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfu-turn-'));

  before(async () => {
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
    });
    ca = pems.cert;
    opts = {
      dataDir,
      listenIp: '127.0.0.1',
      port: await freePort(),
      tlsPort: await freePort(),
      relayPorts: { min: 49700, max: 49799 },
      externalIp: null,
      peers: [SFU],
      tls: { cert: pems.cert, key: pems.private },
      log: createLogger(process.env['LOG_LEVEL'] ?? 'silent'),
    };
    relay = new CoturnRelay(opts);
    await relay.start();
  });
  after(async () => {
    await relay?.stop();
  });

  const target = (transport: TurnTransport, cred: { username: string; credential: string }) => ({
    host: '127.0.0.1',
    port: transport === 'tls' ? opts.tlsPort : opts.port,
    transport,
    ...cred,
    ca,
  });

  for (const transport of ['udp', 'tcp', 'tls'] as const) {
    it(`allocates a relay address over ${transport} with a fresh credential`, async () => {
      const res = await allocate(target(transport, turnCredential(relay.service.secret, 'alice', HOUR)), SFU);
      assert.equal(res.code, null, `refused with ${res.code}`);
      assert.ok(res.ok);
      assert.ok(res.relayed && res.relayed.port >= 49700 && res.relayed.port <= 49799, JSON.stringify(res));
    });
  }

  it('hands out URLs for UDP, TCP and TLS, the host left to each client', () => {
    assert.deepEqual(relay.service.urls, [
      `turn:{host}:${opts.port}?transport=udp`,
      `turn:{host}:${opts.port}?transport=tcp`,
      `turns:{host}:${opts.tlsPort}?transport=tcp`,
    ]);
  });

  it('refuses an expired credential and one made with another secret', async () => {
    const expired = turnCredential(relay.service.secret, 'alice', HOUR, Date.now() - 2 * HOUR);
    assert.equal((await allocate(target('udp', expired))).code, 401);
    const forged = turnCredential('not-the-secret', 'alice', HOUR);
    assert.equal((await allocate(target('udp', forged))).code, 401);
  });

  it('relays to the SFU and to nothing else', async () => {
    const cred = turnCredential(relay.service.secret, 'alice', HOUR);
    assert.equal((await allocate(target('udp', cred), SFU)).ok, true);
    const elsewhere = await allocate(target('udp', cred), '10.20.30.40');
    assert.equal(elsewhere.code, 403, 'a relay to anywhere else must be forbidden');
  });

  it('comes back after being killed, with the same secret: credentials already handed out still work', async () => {
    const cred = turnCredential(relay.service.secret, 'bob', HOUR);
    const pid = relay.pid;
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    await waitFor('a new relay process', () => relay.isReady && relay.pid !== pid);
    assert.equal((await allocate(target('tcp', cred), SFU)).ok, true);
  });

  it('keeps its secret in the data folder across server restarts', async () => {
    const secret = relay.service.secret;
    const again = new CoturnRelay({ ...opts, port: await freePort(), tlsPort: await freePort() });
    await again.start();
    try {
      assert.equal(again.service.secret, secret);
      assert.equal((fs.statSync(path.join(dataDir, 'coturn', 'secret')).mode & 0o077) === 0, true);
    } finally {
      await again.stop();
    }
  });
});
