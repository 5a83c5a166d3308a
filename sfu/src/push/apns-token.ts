/**
 * The APNs provider token: an ES256 JWT `{alg, kid}.{iss, iat}` signed with the team's `.p8` key.
 *
 * Apple: "Refresh your token no more than once every 20 minutes and no less than once every 60
 * minutes", and a token whose `iat` is over an hour old is refused with 403 ExpiredProviderToken;
 * refreshing too often is answered with 429 TooManyProviderTokenUpdates and leaves the connection
 * unusable for a while. So one token is shared by every connection of the key, reused for 50
 * minutes, and a refresh asked for by an ExpiredProviderToken is refused while the token is
 * younger than 20 minutes (that answer then means a clock problem, which a new token won't fix).
 */
import crypto from 'node:crypto';

export interface ProviderTokenOptions {
  teamId: string;
  keyId: string;
  /** The `.p8` PKCS#8 PEM, or a loaded key. */
  privateKey: string | crypto.KeyObject;
  /** Epoch ms; injectable so tests can age the token. */
  now?: () => number;
  reuseMs?: number;
  minRefreshMs?: number;
}

export const TOKEN_REUSE_MS = 50 * 60_000;
export const TOKEN_MIN_REFRESH_MS = 20 * 60_000;

const b64url = (v: string | Buffer): string => Buffer.from(v).toString('base64url');

export class ProviderToken {
  private readonly key: crypto.KeyObject;
  private readonly now: () => number;
  private readonly reuseMs: number;
  private readonly minRefreshMs: number;
  private jwt: string | null = null;
  private issuedAt = 0;
  /** How many tokens were minted; tests and the bench read it to check the refresh policy. */
  minted = 0;

  constructor(private readonly o: ProviderTokenOptions) {
    this.key = typeof o.privateKey === 'string' ? crypto.createPrivateKey(o.privateKey) : o.privateKey;
    if (this.key.asymmetricKeyType !== 'ec' || this.key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error('the APNs key must be an EC P-256 key (the .p8 file from Apple)');
    }
    this.now = o.now ?? Date.now;
    this.reuseMs = o.reuseMs ?? TOKEN_REUSE_MS;
    this.minRefreshMs = o.minRefreshMs ?? TOKEN_MIN_REFRESH_MS;
  }

  /** The token to put in `authorization: bearer …`; minted on first use and after `reuseMs`. */
  current(): string {
    if (this.jwt === null || this.now() - this.issuedAt >= this.reuseMs) return this.mint();
    return this.jwt;
  }

  /**
   * APNs answered ExpiredProviderToken to a request that carried `rejected`. Returns true when a
   * different token is now current (someone already refreshed, or we may refresh), false when
   * the 20-minute rule forbids a new one.
   */
  expired(rejected: string): boolean {
    if (rejected !== this.jwt) return true;
    if (this.now() - this.issuedAt < this.minRefreshMs) return false;
    this.mint();
    return true;
  }

  private mint(): string {
    const now = this.now();
    const header = b64url(JSON.stringify({ alg: 'ES256', kid: this.o.keyId }));
    const claims = b64url(JSON.stringify({ iss: this.o.teamId, iat: Math.floor(now / 1000) }));
    const input = `${header}.${claims}`;
    // JWS wants the raw r||s signature (IEEE P1363), not node's default DER.
    const sig = crypto.sign('sha256', Buffer.from(input), { key: this.key, dsaEncoding: 'ieee-p1363' });
    this.jwt = `${input}.${b64url(sig)}`;
    this.issuedAt = now;
    this.minted++;
    return this.jwt;
  }
}
