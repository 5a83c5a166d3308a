/** The part of http_ece (RFC 8188 encrypted content encoding, used by web-push) the stand-in uses. */
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto';

  interface DecryptParams {
    version: 'aes128gcm';
    /** The receiver's key pair; the sender's public key travels in the aes128gcm header. */
    privateKey: ECDH;
    /** base64url of the subscription's 16-byte auth secret. */
    authSecret: string;
  }

  const ece: { decrypt(buffer: Buffer, params: DecryptParams): Buffer };
  export default ece;
}
