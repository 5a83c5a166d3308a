/**
 * The real-path calibration: a few dozen calls with full ICE, DTLS and SRTP, so the engine layer's
 * CPU per call can be tied to real WebRTC calls. Each party is a libwebrtc peer (@roamhq/wrtc, its
 * binary shipped in the npm package @roamhq/wrtc-linux-x64, no install script) speaking the native
 * SDP edge over the real signalling: `media:publish` (its offer, the SFU's answer) and the partner's
 * `media:offer` answered with `media:subscribe-answer`; the server's transports are its own
 * WebRtcTransports. Audio: a 440 Hz tone fed to libwebrtc's Opus encoder in 10 ms frames.
 */
import wrtc from '@roamhq/wrtc';
import type { CallId } from '../../src/protocol/index.ts';
import { ask, newDevice, within, type Client } from './engine-calls.ts';

const { RTCPeerConnection, nonstandard } = wrtc;
type Pc = InstanceType<typeof RTCPeerConnection>;

const FRAME = 480; // 10 ms at 48 kHz

export class RealCalls {
  private readonly sources: InstanceType<typeof nonstandard.RTCAudioSource>[] = [];
  private readonly pcs: Pc[] = [];
  /** The parties' subscriber connections, which receive the partner's audio. */
  private readonly downs: Pc[] = [];
  private readonly sockets: Client[] = [];
  private readonly tone = new Int16Array(FRAME).map((_, i) =>
    Math.round(8_000 * Math.sin((2 * Math.PI * 440 * i) / 48_000)),
  );
  private readonly clock = setInterval(() => {
    for (const s of this.sources)
      s.onData({
        samples: this.tone,
        sampleRate: 48_000,
        bitsPerSample: 16,
        channelCount: 1,
        numberOfFrames: FRAME,
      });
  }, 10);

  constructor(private readonly url: string) {}

  async place(): Promise<void> {
    const [caller, callee] = await Promise.all([newDevice(this.url), newDevice(this.url)]);
    this.sockets.push(caller.socket, callee.socket);
    const incoming = within(
      'call:incoming',
      new Promise<CallId>((resolve) => callee.socket.once('call:incoming', (p) => resolve(p.callId))),
    );
    const { callId } = await ask('call:invite', caller.socket.emitWithAck('call:invite', { to: callee.id }));
    const callerUp = this.join(caller.socket, callId);
    await incoming;
    await ask('call:answer', callee.socket.emitWithAck('call:answer', { callId }));
    await Promise.all([callerUp, this.join(callee.socket, callId)]);
  }

  /** Packets every downstream has received so far. */
  async received(): Promise<number[]> {
    return Promise.all(
      this.downs.map(async (pc) => {
        let n = 0;
        (await pc.getStats()).forEach((s: { type: string; kind?: string; packetsReceived?: number }) => {
          if (s.type === 'inbound-rtp') n += s.packetsReceived ?? 0;
        });
        return n;
      }),
    );
  }

  close(): void {
    clearInterval(this.clock);
    for (const pc of this.pcs) pc.close();
    for (const s of this.sockets) s.close();
  }

  /** Publishes the party's tone and answers its downstream offer; resolves when both are connected. */
  private async join(socket: Client, callId: CallId): Promise<void> {
    const down = new RTCPeerConnection();
    this.pcs.push(down);
    this.downs.push(down);
    const answered = within(
      'media:offer',
      new Promise<void>((resolve, reject) =>
        socket.on('media:offer', (p) => {
          if (p.callId !== callId) return;
          void (async () => {
            await down.setRemoteDescription({ type: 'offer', sdp: p.sdp });
            await down.setLocalDescription(await down.createAnswer());
            await ask(
              'media:subscribe-answer',
              socket.emitWithAck('media:subscribe-answer', { callId, sdp: down.localDescription?.sdp ?? '' }),
            );
          })().then(resolve, reject);
        }),
      ),
    );
    const up = new RTCPeerConnection();
    const source = new nonstandard.RTCAudioSource();
    this.sources.push(source);
    up.addTrack(source.createTrack());
    await up.setLocalDescription(await up.createOffer());
    const { sdp } = await ask(
      'media:publish',
      socket.emitWithAck('media:publish', { callId, sdp: up.localDescription?.sdp ?? '' }),
    );
    await up.setRemoteDescription({ type: 'answer', sdp });
    this.pcs.push(up);
    await answered;
    await Promise.all([connected(up), connected(down)]);
  }
}

function connected(pc: Pc): Promise<void> {
  return within(
    'ICE/DTLS connection',
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pc.connectionState === 'connected') resolve();
        if (pc.connectionState === 'failed') reject(new Error('peer connection failed'));
      };
      pc.addEventListener('connectionstatechange', check);
      check();
    }),
  );
}
