/**
 * `npm run rig -- [options]`: places N real calls between two browsers and reports, per call and
 * per direction, whether audio was heard. Exit code: 0 every call two-way, 1 any call was not,
 * 2 bad usage or the rig could not start.
 */
import { Rig } from '../rig/rig.ts';
import { runPassed } from '../rig/results.ts';
import { formatCallLine, runCalls } from '../rig/run-calls.ts';
import { startNetworkRig, type NetworkRig } from '../network/network-rig.ts';
import {
  NETWORK_PROFILES,
  type NetworkProfile,
  type NetworkProfileName,
} from '../network/network-profiles.ts';
import { cannotBuildTopology } from '../stack/topology.ts';
import { parseRigOptions, UsageError, type RigCliOptions } from './rig-options.ts';

const HELP = `Usage: npm run rig -- [options]

Places calls between two browsers through the softphone and measures audio in both directions.

  -n, --calls N             calls to place (default 5)
      --hold-ms MS          keep each call up this long after audio arrived (default 2000)
      --heard-timeout-ms MS give up waiting for audio this long after answer (default 10000)
      --caller-wav FILE     the caller's microphone: 48 kHz mono 16-bit WAV (default: a generated signature)
      --callee-wav FILE     the callee's microphone (same format)
      --server-url URL      use a running softphone instead of starting one
      --profile NAME        browser profile from appium.config.ts (default linux-chromium)
      --network PROFILE     each party behind its own NAT in network namespaces (root), the caller's
                            link impaired: ${Object.keys(NETWORK_PROFILES).join(', ')}
      --out FILE            results JSON (default e2e/results/rig-<time>.json; schema in e2e/README.md)
  -h, --help`;

async function main(): Promise<number> {
  const o = parseRigOptions(process.argv.slice(2), { calls: 5, holdMs: 2_000, name: 'rig' }, HELP);
  const network = o.network ? await startNetwork(o.network, o) : null;
  if (!network) console.error(`rig: starting server, Appium and two browsers (logs: ${o.logDir})`);
  const rig =
    network?.rig ??
    (await Rig.start({ profile: o.profile, wav: o.wav, logDir: o.logDir, serverUrl: o.serverUrl }));
  try {
    const run = await runCalls(
      rig,
      {
        calls: o.calls,
        holdMs: o.holdMs,
        heardTimeoutMs: o.heardTimeoutMs,
        ...(network && o.network ? outageOf(network, o.network) : {}),
        out: o.out,
        options: {
          calls: o.calls,
          holdMs: o.holdMs,
          profile: o.profile,
          ...(o.network ? { network: o.network } : {}),
          wav: o.wav,
        },
      },
      (r) => console.log(formatCallLine(r, o.calls)),
    );
    const s = run.summary;
    console.log(
      `summary: ${s.calls} calls, ${s.twoWay} two-way, ${s.oneWay} one-way, ${s.noAudio} no audio, ${s.misrouted} misrouted, ${s.failed} failed, ${s.captureBeforeActivation} captured before activation`,
    );
    console.log(`results: ${o.out}`);
    return runPassed(s) ? 0 : 1;
  } finally {
    await (network ? network.stop() : rig.stop());
  }
}

/** The outage profile's outage, mid-call, as the call's only impairment. */
function outageOf(network: NetworkRig, name: NetworkProfileName): { midCall?: () => Promise<void> } {
  const profile: NetworkProfile = NETWORK_PROFILES[name];
  const ms = profile.outageMs;
  const relay = network.relay;
  return ms && relay ? { midCall: () => relay.outage(ms) } : {};
}

async function startNetwork(name: NetworkProfileName, o: RigCliOptions): Promise<NetworkRig> {
  const cannot = cannotBuildTopology();
  if (cannot) throw new UsageError(`--network: ${cannot}`);
  console.error(
    `rig: building the topology, the server on its public host, two browsers behind NATs; caller's link: ${NETWORK_PROFILES[name].description} (logs: ${o.logDir})`,
  );
  return startNetworkRig({ profile: o.profile, wav: o.wav, logDir: o.logDir, network: name });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(
      err instanceof UsageError ? err.message : `rig: ${err instanceof Error ? err.message : String(err)}`,
    );
    process.exit(2);
  },
);
