import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { ProviderToken } from '../../src/push/apns-token.ts';
import { createTestProviderKey } from '@softphone/test-support/apns';

const MIN = 60_000;

function decode(jwt: string) {
  const [h = '', c = '', s = ''] = jwt.split('.');
  const json = (p: string) =>
    JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: json(h), claims: json(c), signingInput: `${h}.${c}`, sig: Buffer.from(s, 'base64url') };
}

describe('APNs provider token', () => {
  const key = createTestProviderKey();
  let t = Date.UTC(2026, 0, 1);
  const token = new ProviderToken({
    teamId: key.teamId,
    keyId: key.keyId,
    privateKey: key.privateKeyPem,
    now: () => t,
  });

  it('is an ES256 JWT with kid, iss and iat that verifies with the public key', () => {
    const { header, claims, signingInput, sig } = decode(token.current());
    assert.deepEqual(header, { alg: 'ES256', kid: key.keyId });
    assert.deepEqual(claims, { iss: key.teamId, iat: Math.floor(t / 1000) });
    assert.equal(sig.length, 64, 'raw r||s, not DER');
    assert.ok(
      crypto.verify(
        'sha256',
        Buffer.from(signingInput),
        { key: key.publicKey, dsaEncoding: 'ieee-p1363' },
        sig,
      ),
    );
  });

  it('is reused for 50 minutes, then replaced', () => {
    const first = token.current();
    t += 49 * MIN;
    assert.equal(token.current(), first);
    assert.equal(token.minted, 1);
    t += 1 * MIN;
    assert.notEqual(token.current(), first);
    assert.equal(token.minted, 2);
  });

  it('refuses an ExpiredProviderToken refresh while the token is under 20 minutes old', () => {
    const current = token.current();
    t += 19 * MIN;
    assert.equal(token.expired(current), false);
    assert.equal(token.current(), current);
    t += 1 * MIN;
    assert.equal(token.expired(current), true);
    assert.notEqual(token.current(), current);
    assert.equal(token.minted, 3);
  });

  it('does not mint again for a rejection of a token that was already replaced', () => {
    const before = token.minted;
    assert.equal(token.expired('an.older.token'), true);
    assert.equal(token.minted, before);
  });

  it('rejects a key that is not P-256', () => {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    assert.throws(
      () =>
        new ProviderToken({
          teamId: 'T',
          keyId: 'K',
          privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        }),
      /P-256/,
    );
  });
});
