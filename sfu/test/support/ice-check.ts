/**
 * An ICE connectivity check (RFC 8445 §7.2.2) against the ICE-lite SFU, as libwebrtc sends it being
 * the controlling agent: a Binding request with USERNAME `<SFU ufrag>:<our ufrag>`, MESSAGE-INTEGRITY
 * keyed with the SFU's ice-pwd (short-term credentials, RFC 8489 §9.1), PRIORITY, ICE-CONTROLLING,
 * USE-CANDIDATE (the nomination) and FINGERPRINT. mediasoup checks the USERNAME's first half and the
 * integrity against the credentials it holds (IceServer::ProcessStunPacket, mediasoup 3.19.2
 * worker/src/RTC/IceServer.cpp), so a check that succeeds proves the SDP's ufrag/pwd are the
 * transport's. Messages are built and parsed by @msimerson/stun.
 */
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import stun from '@msimerson/stun';
import sdpTransform from 'sdp-transform';

const C = stun.constants;

/** The SFU's side of one SDP's audio section: its UDP candidate and ICE credentials. */
export interface SfuIce {
  address: string;
  port: number;
  ufrag: string;
  pwd: string;
}

export function sfuIceOf(sdp: string): SfuIce {
  const media = sdpTransform.parse(sdp).media[0];
  const udp = media?.candidates?.find((c) => c.transport.toLowerCase() === 'udp');
  if (!media?.iceUfrag || !media.icePwd || !udp)
    throw new Error('no ICE credentials or UDP candidate in the SDP');
  return { address: udp.ip, port: udp.port, ufrag: media.iceUfrag, pwd: media.icePwd };
}

/**
 * Sends one check from a new local UDP port (a new path, as after a network change) and resolves
 * with `success` or the error response's code (401: credentials the SFU does not hold).
 */
export async function iceCheck(sfu: SfuIce): Promise<{ result: 'success' | number; localPort: number }> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const localPort = sock.address().port;
  const request = stun.createMessage(C['STUN_BINDING_REQUEST'] ?? 0);
  request.addUsername(`${sfu.ufrag}:${crypto.randomBytes(4).toString('hex')}`);
  request.addAttribute(C['STUN_ATTR_PRIORITY'] ?? 0, 0x6e001eff);
  request.addAttribute(C['STUN_ATTR_ICE_CONTROLLING'] ?? 0, crypto.randomBytes(8));
  request.addAttribute(C['STUN_ATTR_USE_CANDIDATE'] ?? 0);
  request.addMessageIntegrity(sfu.pwd);
  request.addFingerprint();
  const message = request.toBuffer();
  try {
    const response = await new Promise<Buffer>((resolve, reject) => {
      // UDP: retransmit until the answer comes (RFC 8489 §6.2.1), give up after a few seconds.
      let tries = 0;
      const resend = () => {
        if (tries++ > 7) {
          clearInterval(timer);
          reject(new Error('no answer to the ICE check'));
        } else sock.send(message, sfu.port, sfu.address);
      };
      const timer = setInterval(resend, 300);
      sock.once('message', (data) => {
        clearInterval(timer);
        resolve(data);
      });
      resend();
    });
    const decoded = stun.decode(response);
    if (decoded.type === C['STUN_BINDING_RESPONSE']) return { result: 'success', localPort };
    return { result: decoded.getError()?.code ?? -1, localPort };
  } finally {
    sock.close();
  }
}
