/** Environment → typed Config, validated once at start-up. Every setting has an embedded default. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function compilesAsTrust(v: string): boolean {
  try {
    proxyaddr.compile(trustList(v));
    return true;
  } catch {
    return false;
  }
}

/** `TRUST_PROXY` as the list proxy-addr compiles. */
export const trustList = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const port = z.coerce.number().int().min(0).max(65535);

const EnvSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: port.default(8080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The database and the push log. */
  DATA_DIR: z.string().default(path.join(repoRoot, '.data')),
  /** The built PWA to serve. */
  WEB_DIR: z.string().default(path.join(repoRoot, 'web', 'dist')),
  /** The certificate chain and key (PEM files) to serve HTTPS with (both, or none). */
  TLS_CERT_FILE: z.string().optional(),
  TLS_KEY_FILE: z.string().optional(),
  /**
   * Which direct peers are reverse proxies whose `X-Forwarded-For/-Proto/-Host` are believed:
   * comma-separated addresses, CIDRs or `loopback` / `linklocal` / `uniquelocal`. Empty believes none.
   */
  TRUST_PROXY: z
    .string()
    .default('')
    .refine((v) => compilesAsTrust(v), 'expected addresses, CIDRs or loopback/linklocal/uniquelocal'),
  /** Accounts one client address may create per hour. */
  SIGNUP_LIMIT_PER_HOUR: z.coerce.number().int().positive().default(20),
  NO_ANSWER_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** mediasoup workers (child processes, one core each); 0 = one per core. */
  MEDIA_WORKERS: z.coerce.number().int().min(0).max(64).default(0),
  /** The address the SFU's ICE (UDP and TCP) listens on. */
  MEDIA_LISTEN_IP: z.ipv4().or(z.ipv6()).default('127.0.0.1'),
  /** The address put in the SFU's ICE candidates when clients must reach it by another (NAT). */
  MEDIA_ANNOUNCED_ADDRESS: z.string().min(1).optional(),
  /** The ports the SFU's ICE may use, for UDP and TCP alike. */
  MEDIA_RTC_PORTS: z
    .string()
    .regex(/^\d+-\d+$/, 'expected FROM-TO')
    .default('40000-40999')
    .transform((r) => {
      const [min = 0, max = 0] = r.split('-').map(Number);
      return { min, max };
    })
    .refine((r) => r.min >= 1024 && r.max <= 65535 && r.min <= r.max, 'expected 1024 <= FROM <= TO <= 65535'),
  /** How long a call whose callee was woken by a push waits for a device to report it. */
  PUSH_REPORT_TIMEOUT_MS: z.coerce.number().int().positive().default(8_000),
  /** APNs token auth: the `.p8` key file, its key id and the team id (all three, or none). */
  APNS_KEY_FILE: z.string().optional(),
  APNS_KEY_ID: z
    .string()
    .regex(/^[A-Z0-9]{10}$/, 'a 10-character key id')
    .optional(),
  APNS_TEAM_ID: z
    .string()
    .regex(/^[A-Z0-9]{10}$/, 'a 10-character team id')
    .optional(),
  /** Comma-separated iOS bundle ids accepted in `push:register-voip`; empty accepts any. */
  APNS_BUNDLE_IDS: z.string().default(''),
  /** Override Apple's hosts (the APNs stand-in in tests). */
  APNS_SANDBOX_ORIGIN: z.url({ protocol: /^https$/ }).optional(),
  APNS_PRODUCTION_ORIGIN: z.url({ protocol: /^https$/ }).optional(),
  /** Extra CA (PEM file) trusted for APNs: the stand-in's self-signed certificate. */
  APNS_CA_FILE: z.string().optional(),
  /** VAPID key pair (both or none); generated once and kept in the database when not given. */
  VAPID_PUBLIC_KEY: z.string().optional(),
  VAPID_PRIVATE_KEY: z.string().optional(),
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:|https:\/\/)/, 'a mailto: or https: URL')
    .default('mailto:softphone@localhost'),
  /** Extra CA (PEM file) trusted for Web Push endpoints: a test's push-service stand-in. */
  WEB_PUSH_CA_FILE: z.string().optional(),
});

const allOrNone = (env: z.infer<typeof EnvSchema>, names: (keyof typeof env)[]) =>
  names.every((n) => env[n] === undefined) || names.every((n) => env[n] !== undefined);

const CheckedEnvSchema = EnvSchema.refine(
  (e) => allOrNone(e, ['APNS_KEY_FILE', 'APNS_KEY_ID', 'APNS_TEAM_ID']),
  { message: 'set APNS_KEY_FILE, APNS_KEY_ID and APNS_TEAM_ID together', path: ['APNS_KEY_FILE'] },
)
  .refine((e) => allOrNone(e, ['TLS_CERT_FILE', 'TLS_KEY_FILE']), {
    message: 'set TLS_CERT_FILE and TLS_KEY_FILE together',
    path: ['TLS_CERT_FILE'],
  })
  .refine((e) => allOrNone(e, ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY']), {
    message: 'set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY together',
    path: ['VAPID_PUBLIC_KEY'],
  });

export type Config = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = CheckedEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
