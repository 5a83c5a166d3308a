/** The part of @msimerson/stun (plain JS, no types) the TURN test client uses. */
declare module '@msimerson/stun' {
  export interface StunAttribute {
    type: number;
    value: unknown;
  }
  export interface StunMessage {
    readonly type: number;
    readonly transactionId: Buffer;
    getAttribute(type: number): StunAttribute | undefined;
  }
  export interface StunRequest extends StunMessage {
    addAttribute(type: number, ...values: unknown[]): unknown;
    addUsername(username: string): unknown;
    addRealm(realm: string): unknown;
    addNonce(nonce: string): unknown;
    addMessageIntegrity(key: string | Buffer): boolean;
    addFingerprint(): boolean;
    toBuffer(): Buffer;
  }
  export interface StunResponse extends StunMessage {
    getError(): { code: number; reason: string } | undefined;
    getRealm(): string | undefined;
    getNonce(): string | undefined;
  }
  const stun: {
    createMessage(type: number, transaction?: Buffer): StunRequest;
    decode(message: Buffer): StunResponse;
    constants: Record<string, number>;
  };
  export default stun;
}
