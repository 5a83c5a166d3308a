/** The Web Push endpoint policy's pure parts: which addresses are public, and who may open the test exception. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { isPublicAddress, PushEndpointPolicy } from '../../src/push/push-endpoints.ts';

describe('public addresses', () => {
  const table: [string, boolean][] = [
    ['8.8.8.8', true],
    ['172.32.0.1', true],
    ['100.128.0.1', true],
    ['2606:4700::1111', true],
    ['2a00:1450:4001::1', true],
    ['127.0.0.1', false],
    ['127.255.255.254', false],
    ['0.0.0.0', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['198.18.0.1', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['::', false],
    ['::1', false],
    ['fc00::1', false],
    ['fd12:3456::1', false],
    ['fe80::1', false],
    ['ff02::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:8.8.8.8', false],
    ['64:ff9b::a00:1', false],
    ['2001:db8::1', false],
    ['2001::1', false],
    ['2002:a00:1::', false],
    ['localhost', false],
  ];
  for (const [address, pub] of table)
    it(`${address} → ${pub ? 'public' : 'refused'}`, () => {
      assert.equal(isPublicAddress(address), pub);
    });
});

describe('push-services: the allowlist matches whole host names', () => {
  const policy = new PushEndpointPolicy({ mode: 'push-services' });
  const table: [string, boolean][] = [
    ['https://fcm.googleapis.com/wp/x', true],
    ['https://updates.push.services.mozilla.com/wpush/v2/x', true],
    ['https://web.push.apple.com/x', true],
    ['https://db5p.notify.windows.com/w/?token=x', true],
    ['https://push.apple.com/x', false],
    ['https://evilpush.apple.com.example/x', false],
    ['https://xfcm.googleapis.com/x', false],
    ['https://notify.windows.com/x', false],
    ['https://user:pw@fcm.googleapis.com/wp/x', false],
    ['http://fcm.googleapis.com/wp/x', false],
    ['https://fcm.googleapis.com:8443/wp/x', false],
    ['https://fcm.googleapis.com:443/wp/x', true],
  ];
  for (const [endpoint, ok] of table)
    it(`${endpoint} → ${ok ? 'accepted' : 'refused'}`, async () => {
      assert.equal((await policy.refusal(endpoint)) === null, ok);
    });
});

describe('the test stand-in exception', () => {
  const origin = 'http://127.0.0.1:41234';
  it('is refused by the configuration unless NODE_ENV=test', () => {
    assert.throws(() => loadConfig({ WEB_PUSH_TEST_ORIGINS: origin }), ConfigError);
    assert.throws(() => loadConfig({ WEB_PUSH_TEST_ORIGINS: origin, NODE_ENV: 'production' }), ConfigError);
    assert.deepEqual(loadConfig({ WEB_PUSH_TEST_ORIGINS: origin, NODE_ENV: 'test' }).WEB_PUSH_TEST_ORIGINS, [
      origin,
    ]);
  });
  it('takes only loopback origins, even in a test run', () => {
    for (const bad of ['http://10.1.2.3:80', 'http://localhost:8080', 'http://127.0.0.1:1/path'])
      assert.throws(() => loadConfig({ WEB_PUSH_TEST_ORIGINS: bad, NODE_ENV: 'test' }), ConfigError, bad);
  });
  it('lets through that exact origin only', async () => {
    const policy = new PushEndpointPolicy({ mode: 'push-services', testOrigins: [origin] });
    assert.equal(await policy.refusal(`${origin}/push/x`), null);
    assert.notEqual(await policy.refusal('http://127.0.0.1:41235/push/x'), null);
  });
});
