/**
 * The load bench's far end: its own mediasoup worker (pinned to one core, the SFU's on another)
 * playing every party of every call. One real Opus stream (ffmpeg's libopus, a tone, 20 ms frames)
 * comes into a source producer and is fanned out in C++ by consumers, one per party, each on its own
 * SRTP PlainTransport paired with one of the SFU's; what the SFU forwards back lands on producers
 * whose inbound stats give loss and jitter, with no per-packet JavaScript.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import { MEDIA_CODECS } from '../../src/media/media-room.ts';
import type { StreamCounters } from './ramp.ts';

/** The source's SSRC and payload type, as ffmpeg is told to send them. */
const SOURCE = { ssrc: 0x50f7c0de, payloadType: 111 };
const OPUS_CLOCK_RATE = 48_000;

export const pin = (pid: number, cpu: number) => execFileSync('taskset', ['-cp', String(cpu), String(pid)]);

export class Generator {
  private readonly listeners = new Map<string, ms.Producer>();
  private constructor(
    readonly worker: ms.Worker,
    private readonly router: ms.Router,
    private readonly source: ms.Producer,
    private readonly ffmpeg: ChildProcess,
    private readonly ip: string,
  ) {}

  static async start(opts: { ip: string; cpu: number }): Promise<Generator> {
    const worker = await mediasoup.createWorker({ logLevel: 'warn', disableLiburing: true });
    pin(worker.pid, opts.cpu);
    // The far end measures the SFU's jitter: it goes before other work on its core.
    execFileSync('renice', ['-n', '-10', '-p', String(worker.pid)], { stdio: 'ignore' });
    const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    const input = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: opts.ip },
      // ffmpeg sends RTCP from a socket of its own: with one port, comedia would lock onto it.
      rtcpMux: false,
      comedia: true,
    });
    const source = await input.produce({
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType: 'audio/opus', payloadType: SOURCE.payloadType, clockRate: 48_000, channels: 2 }],
        encodings: [{ ssrc: SOURCE.ssrc }],
      },
    });
    const port = input.tuple.localPort;
    const rtcpPort = input.rtcpTuple?.localPort ?? port + 1;
    // The source is every call's clock: real-time scheduled, so a busy core delays no frame.
    const ffmpeg = spawn(
      'chrt',
      [
        ...['-f', '10', 'ffmpeg'],
        ...['-hide_banner', '-loglevel', 'error', '-re'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
        ...['-c:a', 'libopus', '-b:a', '32k', '-application', 'voip', '-frame_duration', '20'],
        ...['-payload_type', String(SOURCE.payloadType), '-ssrc', String(SOURCE.ssrc)],
        ...['-f', 'rtp', `rtp://${opts.ip}:${port}?rtcpport=${rtcpPort}&pkt_size=1200`],
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const g = new Generator(worker, router, source, ffmpeg, opts.ip);
    try {
      if (ffmpeg.pid) pin(ffmpeg.pid, opts.cpu);
      await g.sourceFlowing();
      return g;
    } catch (err) {
      g.stop();
      throw err;
    }
  }

  /** Resolves once ffmpeg's packets reach the source producer. */
  private async sourceFlowing(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const stats = await this.source.getStats();
      if (stats.some((s) => s.packetCount > 0)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('ffmpeg sends no Opus to the generator');
  }

  /**
   * A far end for one of the SFU's SRTP PlainTransports: a transport of the generator, each side
   * connected to the other with the other's key (SDES-style, no DTLS). Closed with the SFU's.
   */
  async pair(sfu: ms.PlainTransport): Promise<ms.PlainTransport> {
    const far = await this.router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: this.ip },
      rtcpMux: true,
      comedia: false,
      enableSrtp: true,
    });
    sfu.observer.once('close', () => far.close());
    await far.connect({
      ip: sfu.tuple.localAddress,
      port: sfu.tuple.localPort,
      srtpParameters: sfu.srtpParameters,
    });
    await sfu.connect({
      ip: far.tuple.localAddress,
      port: far.tuple.localPort,
      srtpParameters: far.srtpParameters,
    });
    return far;
  }

  /** Sends the Opus source on a far end: the RTP parameters the SFU's producer is to receive. */
  async feed(far: ms.PlainTransport): Promise<ms.RtpParameters> {
    const consumer = await far.consume({
      producerId: this.source.id,
      rtpCapabilities: this.router.rtpCapabilities,
    });
    return consumer.rtpParameters;
  }

  /** Receives what an SFU consumer sends to a far end, counted by the stats of a producer. */
  async listen(far: ms.PlainTransport, rtpParameters: ms.RtpParameters): Promise<void> {
    const producer = await far.produce({ kind: 'audio', rtpParameters });
    this.listeners.set(producer.id, producer);
    producer.observer.once('close', () => this.listeners.delete(producer.id));
  }

  get streams(): number {
    return this.listeners.size;
  }

  /** Packets the source has received from ffmpeg so far (50 a second when it keeps time). */
  async sourcePackets(): Promise<number> {
    return (await this.source.getStats()).reduce((n, s) => n + s.packetCount, 0);
  }

  /** Every received stream's counters now. */
  async counters(): Promise<Map<string, StreamCounters>> {
    const out = new Map<string, StreamCounters>();
    await Promise.all(
      [...this.listeners].map(async ([id, p]) => {
        const s = (await p.getStats().catch(() => [])).find((x) => x.type === 'inbound-rtp');
        // mediasoup's jitter is in RTP timestamp units (RtpStreamRecv::CalculateJitter).
        if (s)
          out.set(id, {
            packetCount: s.packetCount,
            packetsLost: s.packetsLost,
            jitterMs: (s.jitter * 1_000) / OPUS_CLOCK_RATE,
          });
      }),
    );
    return out;
  }

  /** Idempotent. */
  stop(): void {
    this.ffmpeg.kill('SIGKILL');
    this.worker.close();
  }
}
