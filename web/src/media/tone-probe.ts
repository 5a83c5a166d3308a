/**
 * QA builds only (loaded when the rig asks, `window.softphone.listenFor`): reads the received
 * audio as it plays, through a Web Audio analyser on the stream the engine's `<audio>` element
 * plays, and says whose signature it carries ({@link signatureShares}). The audio monitor has it
 * read at every poll and takes the mean at each window's end, so each window records whose audio
 * it was.
 */
import type { TonesProbe } from './audio-monitor.ts';
import { meanShares, signatureShares, type ToneShares, type ToneSignatures } from './tone-signature.ts';

/** ~85 ms at 48 kHz: most of a 100 ms poll, and 12 Hz bins, well inside the tones' 110 Hz spacing. */
const BLOCK = 4096;

export class ToneProbe implements TonesProbe {
  private readonly context = new AudioContext();
  private readonly analyser = this.context.createAnalyser();
  private readonly block = new Float32Array(BLOCK);
  private source: MediaStreamAudioSourceNode | null = null;
  private stream: MediaStream | null = null;
  private readings: ToneShares[] = [];

  constructor(
    /** The far end's audio as the engine plays it now (it changes when the consumer is replaced). */
    private readonly received: () => MediaStream | null,
    private readonly signatures: ToneSignatures,
  ) {
    this.analyser.fftSize = BLOCK;
  }

  /** The shares of the latest ~85 ms played, kept unless nothing (or silence) was received. */
  read(): void {
    const shares = this.sample();
    if (shares) this.readings.push(shares);
  }

  take(): ToneShares | undefined {
    const readings = this.readings;
    this.readings = [];
    return meanShares(readings);
  }

  private sample(): ToneShares | null {
    const stream = this.received();
    if (stream !== this.stream) {
      this.source?.disconnect();
      this.source = null;
      this.stream = stream;
      if (stream?.getAudioTracks().length) {
        this.source = this.context.createMediaStreamSource(stream);
        this.source.connect(this.analyser);
      }
    }
    if (!this.source) return null;
    this.analyser.getFloatTimeDomainData(this.block);
    return signatureShares(this.block, this.context.sampleRate, this.signatures);
  }

  close(): void {
    this.source?.disconnect();
    void this.context.close();
  }
}
