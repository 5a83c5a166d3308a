/** The {@link MediaStats} of a downstream and an upstream connection, from their `getStats()`. */
import type { MediaStats } from './media-engine.ts';

/** A peer connection, or a mediasoup-client transport (whose stats are its peer connection's). */
interface HasStats {
  getStats(): Promise<RTCStatsReport>;
}

export async function readStats(
  subscriber: HasStats | null,
  publisher: HasStats | null,
): Promise<MediaStats> {
  const out: MediaStats = {
    at: Date.now(),
    inbound: null,
    outbound: null,
    sourceLevel: null,
    roundTripTime: null,
  };
  const [sub, pub] = await Promise.all([subscriber?.getStats(), publisher?.getStats()]);
  sub?.forEach((s: Record<string, unknown>) => {
    if (s['type'] === 'inbound-rtp' && s['kind'] === 'audio') {
      const n = (k: string): number => (typeof s[k] === 'number' ? (s[k] as number) : 0);
      out.inbound = {
        packetsReceived: n('packetsReceived'),
        packetsLost: n('packetsLost'),
        totalSamplesReceived: n('totalSamplesReceived'),
        concealedSamples: n('concealedSamples'),
        totalAudioEnergy: n('totalAudioEnergy'),
        totalSamplesDuration: n('totalSamplesDuration'),
        jitter: n('jitter'),
      };
    }
  });
  pub?.forEach((s: Record<string, unknown>) => {
    if (s['type'] === 'outbound-rtp' && s['kind'] === 'audio')
      out.outbound = { packetsSent: Number(s['packetsSent'] ?? 0) };
    if (s['type'] === 'media-source' && s['kind'] === 'audio' && typeof s['audioLevel'] === 'number') {
      out.sourceLevel = s['audioLevel'];
    }
    if (s['type'] === 'candidate-pair' && s['nominated'] && typeof s['currentRoundTripTime'] === 'number') {
      out.roundTripTime = s['currentRoundTripTime'];
    }
  });
  return out;
}
