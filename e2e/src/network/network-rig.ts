/**
 * A rig on a real topology (topology.ts): the server, the SFU and the TURN relay on the public
 * host, each party behind its own NAT, and the impairment relay in front of the SFU degrading the
 * caller's link per a network profile. What `npm run rig -- --network PROFILE` and the e2e suite's
 * network tests run.
 */
import path from 'node:path';
import type { ProfileName } from '../../../appium.config.ts';
import { Rig } from '../rig/rig.ts';
import { PUBLIC_IP, SFU_PRIVATE_IP, Topology } from '../stack/topology.ts';
import { startImpairmentRelay, type RelayHandle } from './impairment-relay.ts';
import { NETWORK_PROFILES, type NetworkProfileName } from './network-profiles.ts';

/** Few ports: the impairment relay holds each of them; a call uses four. */
export const RTC_PORTS = { min: 40000, max: 40039 };
export const TURN_PORTS = { turn: 3478, turnTls: 5349 };

export interface NetworkRig {
  rig: Rig;
  topology: Topology;
  relay: RelayHandle;
  /** The server's web port (the NAT policies let it through). */
  webPort: number;
  setProfile(name: NetworkProfileName): Promise<void>;
  stop(): Promise<void>;
}

export async function startNetworkRig(o: {
  profile: ProfileName;
  wav: { caller: string; callee: string };
  logDir: string;
  network: NetworkProfileName;
  serverEnv?: Record<string, string>;
}): Promise<NetworkRig> {
  const topology = Topology.build();
  let relay: RelayHandle | null = null;
  try {
    relay = await startImpairmentRelay(
      topology.publicNs,
      {
        listenIp: PUBLIC_IP,
        targetIp: SFU_PRIVATE_IP,
        ports: RTC_PORTS,
        impaired: topology.natAddressOf('caller'),
      },
      NETWORK_PROFILES[o.network].link,
      path.join(o.logDir, 'impairment-relay.log'),
    );
    const rig = await Rig.start({
      profile: o.profile,
      wav: o.wav,
      logDir: o.logDir,
      topology,
      serverEnv: {
        MEDIA_LISTEN_IP: SFU_PRIVATE_IP,
        PUBLIC_IP,
        MEDIA_RTC_PORTS: `${RTC_PORTS.min}-${RTC_PORTS.max}`,
        MEDIA_WORKERS: '1',
        TURN_PORT: String(TURN_PORTS.turn),
        TURN_TLS_PORT: String(TURN_PORTS.turnTls),
        ...o.serverEnv,
      },
    });
    const r = relay;
    return {
      rig,
      topology,
      relay: r,
      webPort: Number(new URL(rig.url).port),
      setProfile: (name) => r.set(NETWORK_PROFILES[name].link),
      async stop() {
        await rig.stop();
        await r.stop();
        topology.destroy();
      },
    };
  } catch (err) {
    await relay?.stop();
    topology.destroy();
    throw err;
  }
}
