/**
 * Bench only: a party's transports as SRTP PlainTransports instead of WebRtcTransports, each paired
 * with a far end in the generator. The server's call logic runs unchanged (sign-in, invite, answer,
 * every `media:*` request through the call table and MediaRoom); only ICE and DTLS are left out,
 * the SRTP keys being exchanged in process like SDES. The ICE and DTLS parameters a party is told
 * describe no real agent: the bench's parties never use them.
 */
import type { types as ms } from 'mediasoup';
import type { CreateLegTransport, LegTransport } from '../../src/media/media-room.ts';
import type { Generator } from './generator.ts';

const NO_ICE: ms.IceParameters = {
  usernameFragment: 'plain',
  password: 'sdes-srtp-bench-no-ice',
  iceLite: true,
};
const NO_DTLS: ms.DtlsParameters = {
  role: 'auto',
  fingerprints: [{ algorithm: 'sha-256', value: 'SDES-SRTP' }],
};

class PlainLeg implements LegTransport {
  readonly iceParameters = NO_ICE;
  readonly dtlsParameters = NO_DTLS;
  readonly iceCandidates: ms.IceCandidate[];
  constructor(private readonly transport: ms.PlainTransport) {
    this.iceCandidates = [
      {
        foundation: 'plain',
        priority: 1,
        address: transport.tuple.localAddress,
        ip: transport.tuple.localAddress,
        protocol: 'udp',
        port: transport.tuple.localPort,
        type: 'host',
      },
    ];
  }
  get id(): string {
    return this.transport.id;
  }
  /** The keys were exchanged when the leg was made. */
  async connect(): Promise<void> {}
  async restartIce(): Promise<ms.IceParameters> {
    return NO_ICE;
  }
  produce(options: ms.ProducerOptions): Promise<ms.Producer> {
    return this.transport.produce(options);
  }
  consume(options: ms.ConsumerOptions): Promise<ms.Consumer> {
    return this.transport.consume(options);
  }
  close(): void {
    this.transport.close();
  }
  /** No DTLS: its state never changes. */
  on(): this {
    return this;
  }
}

/** SRTP PlainTransports paired with the generator, and each one's far end by the SFU transport's id. */
export function plainSrtpLegs(generator: Generator): {
  legs: CreateLegTransport;
  farEnd(transportId: string): ms.PlainTransport;
} {
  const far = new Map<string, ms.PlainTransport>();
  const legs: CreateLegTransport = async (router, listenInfos, appData) => {
    const udp = listenInfos.find((i) => i.protocol === 'udp');
    if (!udp) throw new Error('no UDP listen address');
    const transport = await router.createPlainTransport({
      listenInfo: udp,
      rtcpMux: true,
      comedia: false,
      enableSrtp: true,
      appData,
    });
    far.set(transport.id, await generator.pair(transport));
    transport.observer.once('close', () => far.delete(transport.id));
    return new PlainLeg(transport);
  };
  return {
    legs,
    farEnd(transportId) {
      const end = far.get(transportId);
      if (!end) throw new Error(`no far end for transport ${transportId}`);
      return end;
    },
  };
}
