/**
 * A rig on a real topology (topology.ts): the server, the SFU and the embedded TURN relay on the
 * public host, each party behind its own NAT. With a network profile, the impairment relay sits in
 * front of the SFU and degrades the caller's link, and there is no TURN: a relayed path would
 * bypass the impairment (the TURN relay reaches the SFU from the public host itself), and a relay
 * between client and SFU hides the candidate types the TURN tests assert (the SFU sees the relay's
 * address, so every pair reads peer-reflexive). What `npm run rig -- --network PROFILE` and the
 * e2e suite's network tests run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Rig, type RigOptions } from '../rig/rig.ts';
import { PUBLIC_IP, SFU_PRIVATE_IP, Topology } from '../stack/topology.ts';
import { startImpairmentRelay, type RelayHandle } from './impairment-relay.ts';
import { NETWORK_PROFILES, type NetworkProfileName } from './network-profiles.ts';

/** Few ports: the impairment relay holds each of them; a call uses four. */
export const RTC_PORTS = { min: 40000, max: 40039 };
export const TURN_PORTS = { turn: 3478, turnTls: 5349 };

export interface NetworkRig {
  rig: Rig;
  topology: Topology;
  /** The impairment relay, when a profile was asked for. */
  relay: RelayHandle | null;
  /** The server's web port (the NAT policies let it through). */
  webPort: number;
  setProfile(name: NetworkProfileName): Promise<void>;
  stop(): Promise<void>;
}

export async function startNetworkRig(o: {
  profile: RigOptions['profile'];
  wav: { caller: string; callee: string };
  logDir: string;
  /** The caller's link; null: no impairment relay, the SFU on the public address itself. */
  network: NetworkProfileName | null;
  serverEnv?: Record<string, string>;
  /** The callee on a simulated iPhone (Rig's option), in the callee's namespace like a browser. */
  calleeOnIphone?: RigOptions['calleeOnIphone'];
}): Promise<NetworkRig> {
  fs.mkdirSync(o.logDir, { recursive: true });
  const topology = Topology.build();
  let relay: RelayHandle | null = null;
  try {
    relay = o.network
      ? await startImpairmentRelay(
          topology.publicNs,
          {
            listenIp: PUBLIC_IP,
            targetIp: SFU_PRIVATE_IP,
            ports: RTC_PORTS,
            impaired: topology.natAddressOf('caller'),
          },
          NETWORK_PROFILES[o.network].link,
          path.join(o.logDir, 'impairment-relay.log'),
        )
      : null;
    const rig = await Rig.start({
      profile: o.profile,
      wav: o.wav,
      logDir: o.logDir,
      topology,
      ...(o.calleeOnIphone ? { calleeOnIphone: o.calleeOnIphone } : {}),
      serverEnv: {
        ...(relay ? { MEDIA_LISTEN_IP: SFU_PRIVATE_IP, PUBLIC_IP, TURN_URLS: 'none' } : {}),
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
      async setProfile(name) {
        if (!r) throw new Error('this rig has no impairment relay');
        await r.set(NETWORK_PROFILES[name].link);
      },
      async stop() {
        await rig.stop();
        await r?.stop();
        topology.destroy();
      },
    };
  } catch (err) {
    await relay?.stop();
    topology.destroy();
    throw err;
  }
}
