/** Environment → typed Config, validated once at start-up. Every setting has an embedded default. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';
import { DEFAULT_INVITE_LIMITS } from './call/invite-limits.ts';
import { DEFAULT_MEDIA_LIMITS } from './call/media-limits.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function compilesAsTrust(v: string): boolean {
  try {
    proxyaddr.compile(commaList(v));
    return true;
  } catch {
    return false;
  }
}

/** A comma-separated setting as its items (TRUST_PROXY, the TURN URLs, ALLOWED_HOSTS, the push test origins). */
export const commaList = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const port = z.coerce.number().int().min(0).max(65535);

const portRange = (fallback: string) =>
  z
    .string()
    .regex(/^\d+-\d+$/, 'expected FROM-TO')
    .default(fallback)
    .transform((r) => {
      const [min = 0, max = 0] = r.split('-').map(Number);
      return { min, max };
    })
    .refine((r) => r.min >= 1024 && r.max <= 65535 && r.min <= r.max, 'expected 1024 <= FROM <= TO <= 65535');

const LOOPBACK_ORIGIN = /^https?:\/\/(127\.0\.0\.1|\[::1\]):\d{1,5}$/;

const TURN_URL = /^turns?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\?transport=(udp|tcp))?$/;

const EnvSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: port.default(8080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The database (unless DATABASE_URL is set) and the push log. */
  DATA_DIR: z.string().default(path.join(repoRoot, '.data')),
  /** PostgreSQL (postgres://user:password@host:port/db), shared by every node; unset: SQLite in DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /**
   * This node's id, written with each call it holds and, with REDIS_URL, in the node registry.
   * Unset: one node keeps one id across restarts; a node of several makes one up.
   */
  NODE_ID: z
    .string()
    .check(z.regex(/^[\w.-]{1,48}$/, 'letters, digits, . _ - (at most 48)'))
    .optional(),
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
  /**
   * `on`: every user is told who else is online or asleep (a deployment whose users all know each
   * other: a family, a team, the test rig). `off` (the default): each user only learns about their
   * contacts (people they added by username, called or were called by). Off by default because a
   * server anyone can sign up on must not hand every new account a list of its users (review M7).
   */
  PRESENCE_DIRECTORY: z.enum(['on', 'off']).default('off'),
  /** Days a call's quality record is kept (issue 21): older ones are pruned at start and daily. */
  QUALITY_RETENTION_DAYS: z.coerce.number().int().positive().default(90),
  /**
   * Usernames (comma-separated, any case) who may read the field's call-quality rates
   * (`/api/quality`, the `/quality` page). Empty: nobody; any other signed-in account gets 403.
   */
  QUALITY_OPERATORS: z.string().default(''),
  /**
   * Host names (comma-separated) the server answers to besides `localhost`, `*.localhost` and IP
   * literals: on loopback nothing else (DNS rebinding); beyond loopback, empty answers to any name.
   */
  ALLOWED_HOSTS: z.string().default(''),
  /** Accounts one client address may create per hour. */
  SIGNUP_LIMIT_PER_HOUR: z.coerce.number().int().positive().default(20),
  /**
   * Invites one account may place, and one account may receive, per minute; pushes one device may
   * be woken by per minute. Over them an invite is refused as `rate-limited` with `retryAfterMs`,
   * and a push is not sent (review H4: a flood must not ring a sleeping phone again and again).
   */
  INVITES_PER_CALLER_PER_MINUTE: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_INVITE_LIMITS.invitesPerCallerPerMinute),
  INVITES_PER_CALLEE_PER_MINUTE: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_INVITE_LIMITS.invitesPerCalleePerMinute),
  PUSHES_PER_DEVICE_PER_MINUTE: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_INVITE_LIMITS.pushesPerDevicePerMinute),
  /**
   * Media requests (transports, producers, ICE restarts, SDP) one connection, and one device, may
   * send per minute. Over them a request is refused as `rate-limited` with `retryAfterMs` (review H4).
   */
  MEDIA_REQUESTS_PER_SOCKET_PER_MINUTE: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_MEDIA_LIMITS.requestsPerSocketPerMinute),
  MEDIA_REQUESTS_PER_DEVICE_PER_MINUTE: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_MEDIA_LIMITS.requestsPerDevicePerMinute),
  NO_ANSWER_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /**
   * How long a device whose signalling dropped (a Wi-Fi ↔ cellular handover) keeps its call, its
   * media still flowing, before the call ends for both as a lost connection.
   */
  CALL_RECONNECT_GRACE_MS: z.coerce.number().int().positive().default(20_000),
  /**
   * socket.io's heartbeat: a ping every interval, and a connection whose answer is this late is
   * gone. A dead connection is noticed within their sum: 15 s here, so a device that vanished
   * (a handover the old path never hears of) starts its reconnect grace well inside a call's
   * patience. socket.io's own 25 s + 20 s would let 45 s pass before the grace even began. A late
   * pong on a poor link now costs a reconnect inside the grace, not the call.
   */
  SIGNALLING_PING_INTERVAL_MS: z.coerce.number().int().positive().default(10_000),
  SIGNALLING_PING_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  /** An answered call's direction that carries no audio for this long is a media stall. */
  MEDIA_STALL_MS: z.coerce.number().int().min(1_000).default(3_000),
  /** mediasoup workers (child processes, one core each); 0 = one per core. */
  MEDIA_WORKERS: z.coerce.number().int().min(0).max(64).default(0),
  /**
   * The address the SFU's ICE (UDP and TCP) listens on. Default: HOST when it is one address,
   * every address (0.0.0.0) when HOST is a wildcard, loopback when HOST is loopback.
   */
  MEDIA_LISTEN_IP: z.ipv4().or(z.ipv6()).optional(),
  /** The ports the SFU's ICE may use, for UDP and TCP alike. */
  MEDIA_RTC_PORTS: portRange('40000-40999'),
  /**
   * The address clients reach this host by when it is behind a 1:1 NAT (a cloud host's public
   * address): put in the SFU's ICE candidates and used as the embedded TURN relay's external IP.
   */
  PUBLIC_IP: z.ipv4().or(z.ipv6()).optional(),
  /**
   * Redis shared by several identical nodes (`redis://host:port`): the socket.io adapter, the node
   * registry, call homes, where devices are. Unset: one node, everything in memory.
   */
  REDIS_URL: z
    .string()
    .check(z.regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL'))
    .optional(),
  /**
   * A node whose mediasoup workers are busier than this (0..1 of their CPU) places the calls dialled
   * on it on the least-loaded live node instead of itself (LiveKit's and edumeet's 0.7-0.85).
   */
  HOME_LOAD_THRESHOLD: z.coerce.number().check(z.gte(0), z.lte(1)).default(0.7),
  /** How long a drain (SIGTERM) lets calls go on before ending them. */
  DRAIN_DEADLINE_MS: z.coerce.number().int().nonnegative().default(60_000),
  /**
   * An external TURN service: comma-separated `turn:` / `turns:` URLs (with TURN_SECRET, its
   * `use-auth-secret` secret). `none`: no TURN at all. Unset: the embedded relay beyond loopback.
   */
  TURN_URLS: z
    .string()
    .optional()
    .transform((v) => (v === undefined ? undefined : v.trim() === 'none' ? ('none' as const) : commaList(v)))
    .refine(
      (v) => v === undefined || v === 'none' || (v.length > 0 && v.every((u) => TURN_URL.test(u))),
      'expected `none` or turn:HOST:PORT / turns:HOST:PORT URLs (optionally ?transport=udp|tcp)',
    ),
  TURN_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  /**
   * With several nodes: the other nodes' media addresses (comma-separated IPs) the embedded relay
   * may relay to, for a device connected here whose call is held on another node.
   */
  TURN_PEERS: z
    .string()
    .default('')
    .transform(commaList)
    .refine(
      (v) => v.every((a) => z.ipv4().or(z.ipv6()).safeParse(a).success),
      'IP addresses, comma-separated',
    ),
  /** The embedded relay's UDP and TCP port (and TURN_TLS_PORT for TLS, with a certificate). */
  TURN_PORT: port.default(3478),
  TURN_TLS_PORT: port.default(5349),
  /** The ports the embedded relay allocates relayed addresses from. */
  TURN_RELAY_PORTS: portRange('49152-49999'),
  /**
   * How long a TURN credential handed to a signed-in client is valid; fresh ones go out at half and
   * are applied to live transports. Short, because the relay can't revoke one: a signed-out or
   * stolen session's credential keeps relaying until it expires.
   */
  TURN_CREDENTIAL_TTL_S: z.coerce
    .number()
    .int()
    .min(120)
    .max(7 * 86_400)
    .default(600),
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
  /**
   * Which Web Push endpoints the server posts to (sfu/src/push/push-endpoints.ts): `push-services`,
   * the push services browsers use (FCM, Mozilla, Apple, Microsoft); `public-https`, any https host
   * whose addresses are all public, checked when each connection is made.
   */
  WEB_PUSH_ENDPOINTS: z.enum(['push-services', 'public-https']).default('push-services'),
  NODE_ENV: z.string().optional(),
  /**
   * Tests only (with NODE_ENV=test, refused otherwise): comma-separated loopback origins of
   * push-service stand-ins, e.g. `http://127.0.0.1:41234`, let through the endpoint check.
   */
  WEB_PUSH_TEST_ORIGINS: z
    .string()
    .optional()
    .transform((v) => (v === undefined ? undefined : commaList(v)))
    .refine(
      (v) => v === undefined || v.every((o) => LOOPBACK_ORIGIN.test(o)),
      'expected http(s)://127.0.0.1:PORT or http(s)://[::1]:PORT origins',
    ),
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
  .refine((e) => (e.TURN_URLS !== undefined && e.TURN_URLS !== 'none') === (e.TURN_SECRET !== undefined), {
    message: 'set TURN_URLS and TURN_SECRET together (TURN_URLS=none turns TURN off)',
    path: ['TURN_URLS'],
  })
  .refine((e) => allOrNone(e, ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY']), {
    message: 'set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY together',
    path: ['VAPID_PUBLIC_KEY'],
  })
  // The stand-in's loopback exception must not be something a deployment can switch on by itself:
  // it takes a test run's NODE_ENV as well.
  .refine((e) => e.WEB_PUSH_TEST_ORIGINS === undefined || e.NODE_ENV === 'test', {
    message: 'only for tests: set together with NODE_ENV=test',
    path: ['WEB_PUSH_TEST_ORIGINS'],
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
