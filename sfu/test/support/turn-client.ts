/**
 * A small TURN client (RFC 8656) for tests against the real coturn: Allocate and CreatePermission
 * with long-term credentials over UDP, TCP or TLS. Messages are built and parsed by
 * @msimerson/stun; this adds only the transports and the 401 → authenticated retry.
 */
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import stun, { type StunRequest, type StunResponse } from '@msimerson/stun';

const C = stun.constants;
const UDP_TRANSPORT = 17 << 24;

export type TurnTransport = 'udp' | 'tcp' | 'tls';

export interface TurnTarget {
  host: string;
  port: number;
  transport: TurnTransport;
  username: string;
  credential: string;
  /** For TLS: the PEM to trust (the server's self-signed certificate). */
  ca?: string;
}

export interface TurnResult {
  ok: boolean;
  /** The error code when not ok (401 unauthenticated, 403 forbidden…). */
  code: number | null;
  relayed: { address: string; port: number } | null;
}

/** One connection to the relay that answers requests in order. */
interface Exchange {
  send(msg: Buffer): Promise<StunResponse>;
  close(): void;
}

function udpExchange(t: TurnTarget): Exchange {
  const sock = dgram.createSocket(t.host.includes(':') ? 'udp6' : 'udp4');
  return {
    send: (msg) =>
      new Promise((resolve, reject) => {
        // UDP: retransmit until the answer comes (RFC 8489 §6.2.1), give up after a few seconds.
        let tries = 0;
        const resend = () => {
          if (tries++ > 7) return fail(new Error('no answer over UDP'));
          sock.send(msg, t.port, t.host);
        };
        const timer = setInterval(resend, 500);
        const fail = (err: Error) => {
          clearInterval(timer);
          sock.off('message', onMessage);
          reject(err);
        };
        const onMessage = (data: Buffer) => {
          clearInterval(timer);
          sock.off('message', onMessage);
          resolve(stun.decode(data));
        };
        sock.on('message', onMessage);
        resend();
      }),
    close: () => sock.close(),
  };
}

function streamExchange(t: TurnTarget): Exchange {
  const sock =
    t.transport === 'tls'
      ? tls.connect({ host: t.host, port: t.port, ca: t.ca, servername: 'localhost' })
      : net.connect({ host: t.host, port: t.port });
  let buf = Buffer.alloc(0);
  const waiting: ((m: StunResponse) => void)[] = [];
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    // A STUN message over a stream is its 20-byte header and `length` bytes of attributes.
    while (buf.length >= 20 && buf.length >= 20 + buf.readUInt16BE(2)) {
      const len = 20 + buf.readUInt16BE(2);
      waiting.shift()?.(stun.decode(buf.subarray(0, len)));
      buf = buf.subarray(len);
    }
  });
  const errored = new Promise<never>((_, reject) => sock.once('error', reject));
  errored.catch(() => undefined);
  return {
    send: (msg) =>
      Promise.race([
        new Promise<StunResponse>((resolve) => {
          waiting.push(resolve);
          sock.write(msg);
        }),
        errored,
      ]),
    close: () => sock.destroy(),
  };
}

const longTermKey = (username: string, realm: string, password: string) =>
  crypto.createHash('md5').update(`${username}:${realm}:${password}`).digest();

function result(res: StunResponse): TurnResult {
  const err = res.getError();
  if (err) return { ok: false, code: err.code, relayed: null };
  const relayed = res.getAttribute(C['STUN_ATTR_XOR_RELAYED_ADDRESS'] ?? 0)?.value as
    { address: string; port: number } | undefined;
  return { ok: true, code: null, relayed: relayed ?? null };
}

/**
 * Allocates a UDP relay address, then (when `peer` is given) asks for permission to send to that
 * peer. Resolves with the Allocate's result, or the CreatePermission's when the Allocate succeeded.
 */
export async function allocate(t: TurnTarget, peer?: string): Promise<TurnResult> {
  const ex = t.transport === 'udp' ? udpExchange(t) : streamExchange(t);
  try {
    const first = stun.createMessage(C['STUN_ALLOCATE_REQUEST'] ?? 0);
    first.addAttribute(C['STUN_ATTR_REQUESTED_TRANSPORT'] ?? 0, UDP_TRANSPORT);
    const challenge = await ex.send(first.toBuffer());
    const realm = challenge.getRealm();
    const nonce = challenge.getNonce();
    if (challenge.getError()?.code !== 401 || !realm || !nonce) return result(challenge);
    const key = longTermKey(t.username, realm, t.credential);
    const signed = (type: number, add: (m: StunRequest) => void) => {
      const m = stun.createMessage(type);
      add(m);
      m.addUsername(t.username);
      m.addRealm(realm);
      m.addNonce(nonce);
      m.addMessageIntegrity(key);
      m.addFingerprint();
      return m.toBuffer();
    };
    const allocated = result(
      await ex.send(
        signed(C['STUN_ALLOCATE_REQUEST'] ?? 0, (m) =>
          m.addAttribute(C['STUN_ATTR_REQUESTED_TRANSPORT'] ?? 0, UDP_TRANSPORT),
        ),
      ),
    );
    if (!allocated.ok || peer === undefined) return allocated;
    const permitted = result(
      await ex.send(
        signed(C['STUN_CREATE_PERMISSION_REQUEST'] ?? 0, (m) =>
          m.addAttribute(C['STUN_ATTR_XOR_PEER_ADDRESS'] ?? 0, peer, 9),
        ),
      ),
    );
    return { ...permitted, relayed: allocated.relayed };
  } finally {
    ex.close();
  }
}
