/** Command-line options shared by `npm run rig` and `npm run bench:call`, validated once. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { profiles, type ProfileName } from '../../../appium.config.ts';
import { checkWav, SIGNATURES, writeSignatureWav } from '../audio/wav.ts';
import { NETWORK_PROFILES, type NetworkProfileName } from '../network/network-profiles.ts';
import { REPO_ROOT } from '../stack/softphone-server.ts';

export class UsageError extends Error {}

const OptionsSchema = z.object({
  calls: z.coerce.number().int().min(1).max(10_000),
  'hold-ms': z.coerce.number().int().min(0).max(600_000),
  'heard-timeout-ms': z.coerce.number().int().min(1_000).max(120_000),
  profile: z.enum(Object.keys(profiles) as [ProfileName, ...ProfileName[]]),
  'caller-wav': z.string().optional(),
  'callee-wav': z.string().optional(),
  'server-url': z.url().optional(),
  network: z.enum(Object.keys(NETWORK_PROFILES) as [NetworkProfileName, ...NetworkProfileName[]]).optional(),
  out: z.string(),
});

export interface RigCliOptions {
  calls: number;
  holdMs: number;
  heardTimeoutMs: number;
  profile: ProfileName;
  serverUrl: string | undefined;
  /** Put the parties behind NATs on a topology and the caller's link through this profile. */
  network: NetworkProfileName | undefined;
  wav: { caller: string; callee: string };
  out: string;
  logDir: string;
}

export function parseRigOptions(
  argv: string[],
  defaults: { calls: number; holdMs: number; name: string },
  help: string,
): RigCliOptions {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        calls: { type: 'string', short: 'n', default: String(defaults.calls) },
        'hold-ms': { type: 'string', default: String(defaults.holdMs) },
        'heard-timeout-ms': { type: 'string', default: '10000' },
        profile: { type: 'string', default: 'linux-chromium' },
        'caller-wav': { type: 'string' },
        'callee-wav': { type: 'string' },
        'server-url': { type: 'string' },
        network: { type: 'string' },
        out: {
          type: 'string',
          default: path.join(REPO_ROOT, 'e2e', 'results', `${defaults.name}-${stamp()}.json`),
        },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n\n${help}`);
  }
  if (values['help']) {
    console.log(help);
    process.exit(0);
  }
  const parsed = OptionsSchema.safeParse(values);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`);
    throw new UsageError(`${lines.join('\n')}\n\n${help}`);
  }
  const o = parsed.data;
  if (o.network && o['server-url'])
    throw new UsageError(`--network starts its own server: drop --server-url\n\n${help}`);
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), `${defaults.name}-`));
  const wav = (given: string | undefined, role: 'caller' | 'callee'): string => {
    if (given) {
      const problem = checkWav(given);
      if (problem) throw new UsageError(problem);
      return path.resolve(given);
    }
    const file = path.join(logDir, `${role}.wav`);
    writeSignatureWav(file, SIGNATURES[role]);
    return file;
  };
  return {
    calls: o.calls,
    holdMs: o['hold-ms'],
    heardTimeoutMs: o['heard-timeout-ms'],
    profile: o.profile,
    serverUrl: o['server-url'],
    network: o.network,
    wav: { caller: wav(o['caller-wav'], 'caller'), callee: wav(o['callee-wav'], 'callee') },
    out: path.resolve(o.out),
    logDir,
  };
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}
