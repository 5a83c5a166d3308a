/**
 * The baseline: the same media as an engine-layer call with nothing else. Per call a router with
 * MediaRoom's codecs and AudioLevelObserver, per party a send and a recv SRTP PlainTransport paired
 * with the generator, a producer and the partner's consumer. No server, no signalling, no call logic.
 */
import type { types as ms } from 'mediasoup';
import { MEDIA_CODECS, TALKING } from '../../src/media/media-room.ts';
import type { Generator } from './generator.ts';

export class BareCalls {
  private readonly routers: ms.Router[] = [];

  constructor(
    private readonly worker: ms.Worker,
    private readonly generator: Generator,
    private readonly ip: string,
  ) {}

  get calls(): number {
    return this.routers.length;
  }

  async place(): Promise<void> {
    const router = await this.worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    this.routers.push(router);
    const levels = await router.createAudioLevelObserver({ maxEntries: 8, ...TALKING });
    const leg = async () => {
      const t = await router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: this.ip },
        rtcpMux: true,
        comedia: false,
        enableSrtp: true,
      });
      return { t, far: await this.generator.pair(t) };
    };
    const parties = await Promise.all(
      [0, 1].map(async () => {
        const send = await leg();
        const producer = await send.t.produce({
          kind: 'audio',
          rtpParameters: await this.generator.feed(send.far),
        });
        await levels.addProducer({ producerId: producer.id });
        return { producer, recv: await leg() };
      }),
    );
    await Promise.all(
      parties.map(async ({ recv }, i) => {
        const partner = parties[1 - i];
        if (!partner) throw new Error('a call has two parties');
        const consumer = await recv.t.consume({
          producerId: partner.producer.id,
          rtpCapabilities: router.rtpCapabilities,
        });
        await this.generator.listen(recv.far, consumer.rtpParameters);
      }),
    );
  }

  closeAll(): void {
    for (const r of this.routers) r.close();
    this.routers.length = 0;
  }
}
