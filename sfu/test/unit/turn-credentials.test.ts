/**
 * TURN REST API credentials as coturn's `use-auth-secret` checks them (the relay itself is tested
 * in test/integration/coturn-relay.test.ts), the ICE server list built from them, and that neither
 * the credential nor the secret reaches a log line.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { IceServersSchema } from '../../src/protocol/index.ts';
import { iceServersFor, turnCredential } from '../../src/turn/turn-credentials.ts';

describe('TURN REST API credentials', () => {
  it('are `expiry:user` and base64(HMAC-SHA1(secret, username)), the value openssl computes', () => {
    // echo -n "1700003600:alice" | openssl dgst -sha1 -hmac "north-wind-secret" -binary | base64
    const c = turnCredential('north-wind-secret', 'alice', 3_600_000, 1_700_000_000_000);
    assert.equal(c.username, '1700003600:alice');
    assert.equal(c.credential, 'Ev9WJy6IiNjALah9jF2ImB4FP0Y=');
    assert.equal(c.expiresAt, 1_700_003_600_000);
  });

  it('give each user their own, and a new one once time moves on', () => {
    const now = 1_700_000_000_000;
    const a = turnCredential('s', 'alice', 60_000, now);
    assert.notEqual(a.credential, turnCredential('s', 'bob', 60_000, now).credential);
    assert.notEqual(a.username, turnCredential('s', 'alice', 60_000, now + 1_000).username);
  });
});

describe('the ICE server list', () => {
  const turn = {
    urls: ['turn:{host}:3478?transport=udp', 'turns:{host}:5349?transport=tcp'],
    secret: 's'.repeat(32),
  };

  it('fills in the host the client reached the server by, and validates as the wire schema', () => {
    const servers = iceServersFor(turn, 'alice', 60_000, 'phone.example.com');
    assert.deepEqual(servers[0]?.urls, [
      'turn:phone.example.com:3478?transport=udp',
      'turns:phone.example.com:5349?transport=tcp',
    ]);
    assert.match(servers[0]?.username ?? '', /^\d+:alice$/);
    assert.ok(IceServersSchema.safeParse(servers).success);
    assert.deepEqual(
      iceServersFor(turn, 'alice', 60_000, 'fd00::1')[0]?.urls[0],
      'turn:[fd00::1]:3478?transport=udp',
    );
  });

  it('is empty without TURN', () => {
    assert.deepEqual(iceServersFor(null, 'alice', 60_000, 'h'), []);
  });

  it('never shows a credential or a secret in a log line', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString();
        done();
      },
    });
    const log = createLogger('info', sink);
    const servers = iceServersFor(turn, 'alice', 60_000, 'h');
    log.info({ iceServers: servers }, 'welcome');
    log.info({ payload: { iceServers: servers } }, 'nested');
    log.info({ turn }, 'config');
    const credential = servers[0]?.credential ?? 'missing';
    assert.ok(!out.includes(credential), out);
    assert.ok(!out.includes(turn.secret), out);
    assert.match(out, /\[redacted\]/);
  });
});
