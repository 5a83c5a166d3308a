/**
 * Bad links the rig can put a party on (`--network PROFILE`). Each is applied by the impairment
 * relay to the impaired party's media, once in each direction (its uplink to the SFU and its
 * downlink from it), so every call direction crosses it once: delays are one-way.
 */
export interface LinkImpairment {
  /** Random (independent) loss, 0–100. */
  lossPercent: number;
  /** One-way delay added to every packet, ms. */
  delayMs: number;
  /** Each packet's delay varies uniformly within ± this, ms. */
  jitterMs: number;
  /** Whether jitter may reorder packets (a later packet with less delay overtakes). */
  reorder: boolean;
  /** Link rate; packets queue behind each other (tail-dropped past 300 ms of queue). Null: no cap. */
  rateKbps: number | null;
}

export interface NetworkProfile {
  description: string;
  link: LinkImpairment;
  /** A total outage of this long, some seconds into the call (then the link is `link` again). */
  outageMs?: number;
}

const clean: LinkImpairment = { lossPercent: 0, delayMs: 0, jitterMs: 0, reorder: false, rateKbps: null };

export const NETWORK_PROFILES = {
  /** No impairment: the relay just passes packets. */
  clean: { description: 'no impairment', link: clean },
  /** A UMTS/HSPA mobile link: ~200 ms RTT with jitter, a little loss, a narrow uplink. */
  '3g': {
    description: '3G: 100 ms ± 20 ms each way, 1 % loss, 384 kbit/s',
    link: { lossPercent: 1, delayMs: 100, jitterMs: 20, reorder: true, rateKbps: 384 },
  },
  'lossy-wifi': {
    description: 'lossy Wi-Fi: 5 % loss, 50 ms ± 30 ms each way',
    link: { lossPercent: 5, delayMs: 50, jitterMs: 30, reorder: true, rateKbps: null },
  },
  /** A geostationary hop: ~600 ms round trip. */
  satellite: {
    description: 'satellite: 300 ms ± 5 ms each way (600 ms RTT)',
    link: { lossPercent: 0, delayMs: 300, jitterMs: 5, reorder: false, rateKbps: 1_000 },
  },
  'outage-2s': { description: 'a 2-second outage mid-call', link: clean, outageMs: 2_000 },
  /** Past every "poor" bound for loss (web/src/media/quality-meter.ts): the call screen says so. */
  'loss-20': {
    description: '20 % loss both ways',
    link: { lossPercent: 20, delayMs: 0, jitterMs: 0, reorder: false, rateKbps: null },
  },
  'loss-100': {
    description: '100 % loss both ways',
    link: { lossPercent: 100, delayMs: 0, jitterMs: 0, reorder: false, rateKbps: null },
  },
} as const satisfies Record<string, NetworkProfile>;

export type NetworkProfileName = keyof typeof NETWORK_PROFILES;

export const isNetworkProfileName = (s: string): s is NetworkProfileName => s in NETWORK_PROFILES;
