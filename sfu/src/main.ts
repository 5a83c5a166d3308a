/** Entry point: load config, start the server, listen. Exits 2 on bad configuration. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { createSecureContext } from 'node:tls';
import proxyaddr from 'proxy-addr';
import { ConfigError, loadConfig, commaList, type Config } from './config.ts';
import type { HostPolicy } from './http/host-policy.ts';
import { loadOrMakeCertificate } from './http/self-signed-cert.ts';
import { createLogger, terminalDestination, type Logger } from './log.ts';
import { startServer, type PushOptions, type Server, type TurnOptions } from './server.ts';
import { coturnInstalled } from './turn/coturn-relay.ts';

function readConfigFile(name: string, file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `invalid configuration:\n  ${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** The `.p8` file Apple issues: a PKCS#8 EC P-256 private key. */
function readApnsKey(file: string): string {
  const pem = readConfigFile('APNS_KEY_FILE', file);
  let ok = false;
  try {
    const key = crypto.createPrivateKey(pem);
    ok = key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new ConfigError(
      `invalid configuration:\n  APNS_KEY_FILE: ${file} is not an EC P-256 private key (the .p8 file from Apple)`,
    );
  }
  return pem;
}

function pushOptions(c: Config): PushOptions {
  const origins = {
    ...(c.APNS_SANDBOX_ORIGIN ? { sandbox: c.APNS_SANDBOX_ORIGIN } : {}),
    ...(c.APNS_PRODUCTION_ORIGIN ? { production: c.APNS_PRODUCTION_ORIGIN } : {}),
  };
  return {
    reportTimeoutMs: c.PUSH_REPORT_TIMEOUT_MS,
    bundleIds: c.APNS_BUNDLE_IDS.split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    vapidSubject: c.VAPID_SUBJECT,
    ...(c.VAPID_PUBLIC_KEY && c.VAPID_PRIVATE_KEY
      ? { vapid: { publicKey: c.VAPID_PUBLIC_KEY, privateKey: c.VAPID_PRIVATE_KEY } }
      : {}),
    ...(c.WEB_PUSH_CA_FILE ? { webPushCa: readConfigFile('WEB_PUSH_CA_FILE', c.WEB_PUSH_CA_FILE) } : {}),
    webPushEndpoints: c.WEB_PUSH_ENDPOINTS,
    ...(c.WEB_PUSH_TEST_ORIGINS ? { webPushTestOrigins: c.WEB_PUSH_TEST_ORIGINS } : {}),
    ...(c.APNS_KEY_FILE && c.APNS_KEY_ID && c.APNS_TEAM_ID
      ? {
          apns: {
            teamId: c.APNS_TEAM_ID,
            keyId: c.APNS_KEY_ID,
            privateKey: readApnsKey(c.APNS_KEY_FILE),
            origins,
            ...(c.APNS_CA_FILE ? { ca: readConfigFile('APNS_CA_FILE', c.APNS_CA_FILE) } : {}),
          },
        }
      : {}),
  };
}

const isLoopback = proxyaddr.compile('loopback');

/**
 * HTTPS with the given certificate; beyond loopback without one, with the server's own (a page
 * served over plain HTTP to another machine gets no microphone: not a secure context); on
 * loopback, plain HTTP as always.
 */
async function tlsOptions(c: Config, log: Logger): Promise<{ cert: string; key: string } | undefined> {
  if (c.TLS_CERT_FILE && c.TLS_KEY_FILE) {
    const tls = {
      cert: readConfigFile('TLS_CERT_FILE', c.TLS_CERT_FILE),
      key: readConfigFile('TLS_KEY_FILE', c.TLS_KEY_FILE),
    };
    try {
      createSecureContext(tls);
    } catch (err) {
      throw new ConfigError(
        `invalid configuration:\n  TLS_CERT_FILE: ${c.TLS_CERT_FILE} and ${c.TLS_KEY_FILE} are not a PEM certificate and its key (${(err as Error).message})`,
      );
    }
    return tls;
  }
  if (c.HOST === 'localhost' || isLoopback(c.HOST, 0)) return undefined;
  const own = await loadOrMakeCertificate(c.DATA_DIR, c.HOST);
  log.info(
    {
      certFile: own.certFile,
      fingerprint: own.fingerprint,
      made: own.made,
      names: own.names,
      uncovered: own.uncovered,
    },
    'self-signed certificate',
  );
  console.log(
    [
      `HTTPS with a self-signed certificate ${own.made ? 'made now' : 'made earlier'}: ${own.certFile}`,
      `  for: ${own.names.join(', ')}`,
      ...(own.uncovered.length
        ? [`  not for: ${own.uncovered.join(', ')} (delete ${own.certFile} to make one that is)`]
        : []),
      `  SHA-256 fingerprint: ${own.fingerprint}`,
      '  Browsers on other machines will warn that the connection is not private: compare the',
      '  fingerprint they show with this one before trusting it, or set TLS_CERT_FILE and',
      '  TLS_KEY_FILE to a real certificate (or serve behind a reverse proxy with TRUST_PROXY).',
    ].join('\n'),
  );
  return { cert: own.cert, key: own.key };
}

/**
 * The names the server answers to (sfu/src/http/host-policy.ts): ALLOWED_HOSTS; with none, any
 * beyond loopback (HTTPS guards it), only loopback names on loopback.
 */
function hostPolicy(c: Config): HostPolicy {
  const names = commaList(c.ALLOWED_HOSTS.toLowerCase());
  const loopback = c.HOST === 'localhost' || isLoopback(c.HOST, 0);
  return { names, anyName: !loopback && names.length === 0 };
}

const WILDCARD = new Set(['0.0.0.0', '::']);

/** The IPv4 address of the interface holding the default route (what a wildcard SFU announces). */
function defaultRouteAddress(): string | undefined {
  let iface: string | undefined;
  try {
    // /proc/net/route: Iface, Destination (hex, 00000000 = default), ...
    iface = fs
      .readFileSync('/proc/net/route', 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .find((f) => f[1] === '00000000')?.[0];
  } catch {
    iface = undefined;
  }
  const addrs = Object.entries(os.networkInterfaces())
    .filter(([name]) => iface === undefined || name === iface)
    .flatMap(([, list]) => list ?? []);
  return addrs.find((a) => a.family === 'IPv4' && !a.internal)?.address;
}

/**
 * Where the SFU listens and what its candidates say. Its own MEDIA_LISTEN_IP, else HOST's address;
 * on a wildcard it listens everywhere and announces PUBLIC_IP or the default route's address.
 */
function mediaListen(c: Config): { ip: string; announcedAddress?: string } {
  const loopbackHost = c.HOST === 'localhost' || isLoopback(c.HOST, 0);
  const ip = c.MEDIA_LISTEN_IP ?? (loopbackHost ? '127.0.0.1' : c.HOST);
  const announced = c.PUBLIC_IP ?? (WILDCARD.has(ip) ? defaultRouteAddress() : undefined);
  if (WILDCARD.has(ip) && !announced) {
    throw new ConfigError(
      'invalid configuration:\n  PUBLIC_IP: the SFU listens on every address and this machine has no default route: set PUBLIC_IP (or MEDIA_LISTEN_IP)',
    );
  }
  return { ip, ...(announced ? { announcedAddress: announced } : {}) };
}

/**
 * Which TURN relay clients get: `TURN_URLS=none` none; `TURN_URLS` + `TURN_SECRET` an external
 * one; otherwise, beyond loopback, the embedded coturn (on loopback nobody needs a relay). The
 * embedded relay relays only to `sfuAddresses`.
 */
function turnOptions(c: Config, log: Logger, sfuAddresses: string[]): TurnOptions | undefined {
  const credentialTtlMs = c.TURN_CREDENTIAL_TTL_S * 1000;
  if (c.TURN_URLS === 'none') return undefined;
  if (c.TURN_URLS && c.TURN_SECRET) {
    return { external: { urls: c.TURN_URLS, secret: c.TURN_SECRET }, credentialTtlMs };
  }
  if (c.HOST === 'localhost' || isLoopback(c.HOST, 0)) return undefined;
  if (!coturnInstalled()) {
    log.error('coturn is not installed: clients behind strict NATs or firewalls will have no media path');
    console.error(
      'TURN: coturn (turnserver) is not installed, so there is no relay for clients behind strict\n' +
        '  NATs or firewalls. Run `npm run setup` (it installs coturn), or set TURN_URLS and TURN_SECRET.',
    );
    return undefined;
  }
  return {
    embedded: {
      listenIp: WILDCARD.has(c.HOST) ? null : c.HOST,
      port: c.TURN_PORT,
      tlsPort: c.TURN_TLS_PORT,
      relayPorts: c.TURN_RELAY_PORTS,
      externalIp: c.PUBLIC_IP ?? null,
      peers: sfuAddresses,
    },
    credentialTtlMs,
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL, terminalDestination());
  fs.mkdirSync(config.DATA_DIR, { recursive: true });
  if (!fs.existsSync(config.WEB_DIR)) log.warn({ dir: config.WEB_DIR }, 'PWA not built: run `npm run build`');
  const tls = await tlsOptions(config, log);
  const listen = mediaListen(config);
  const sfuAddresses = [
    ...new Set(
      [listen.announcedAddress, listen.ip, ...config.TURN_PEERS].filter(
        (a): a is string => !!a && !WILDCARD.has(a),
      ),
    ),
  ];
  const turn = turnOptions(config, log, sfuAddresses);

  let server: Server | null = null;
  process.once('exit', () => {
    server?.media.kill();
    server?.relay?.kill();
  });
  server = await startServer({
    dataDir: config.DATA_DIR,
    ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
    ...(config.NODE_ID ? { nodeId: config.NODE_ID } : {}),
    webDir: config.WEB_DIR,
    noAnswerTimeoutMs: config.NO_ANSWER_TIMEOUT_MS,
    reconnectGraceMs: config.CALL_RECONNECT_GRACE_MS,
    ping: { intervalMs: config.SIGNALLING_PING_INTERVAL_MS, timeoutMs: config.SIGNALLING_PING_TIMEOUT_MS },
    mediaStallMs: config.MEDIA_STALL_MS,
    media: {
      workers: config.MEDIA_WORKERS || os.availableParallelism(),
      listen: {
        ...listen,
        ports: config.MEDIA_RTC_PORTS,
      },
    },
    push: pushOptions(config),
    ...(tls ? { tls } : {}),
    ...(turn ? { turn } : {}),
    trustProxy: commaList(config.TRUST_PROXY),
    hosts: hostPolicy(config),
    accountLimits: { signUpsPerHour: config.SIGNUP_LIMIT_PER_HOUR },
    mediaLimits: {
      requestsPerSocketPerMinute: config.MEDIA_REQUESTS_PER_SOCKET_PER_MINUTE,
      requestsPerDevicePerMinute: config.MEDIA_REQUESTS_PER_DEVICE_PER_MINUTE,
    },
    presenceDirectory: config.PRESENCE_DIRECTORY === 'on',
    qualityOperators: commaList(config.QUALITY_OPERATORS),
    qualityRetentionDays: config.QUALITY_RETENTION_DAYS,
    ...(config.REDIS_URL
      ? {
          cluster: {
            redisUrl: config.REDIS_URL,
            ...(config.NODE_ID ? { nodeId: config.NODE_ID } : {}),
            address: listen.announcedAddress ?? listen.ip,
            homeLoadThreshold: config.HOME_LOAD_THRESHOLD,
          },
        }
      : {}),
    drainDeadlineMs: config.DRAIN_DEADLINE_MS,
    inviteLimits: {
      invitesPerCallerPerMinute: config.INVITES_PER_CALLER_PER_MINUTE,
      invitesPerCalleePerMinute: config.INVITES_PER_CALLEE_PER_MINUTE,
      pushesPerDevicePerMinute: config.PUSHES_PER_DEVICE_PER_MINUTE,
    },
    log,
  });
  const running = server;
  await new Promise<void>((resolve) => running.httpServer.listen(config.PORT, config.HOST, resolve));
  const addr = running.httpServer.address();
  const port = addr && typeof addr === 'object' ? addr.port : config.PORT;
  const url = `${tls ? 'https' : 'http'}://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}/`;
  log.info({ url }, 'softphone listening');
  if (running.relay) {
    const urls = running.relay.service.urls.map((u) => u.replace('{host}', '<server-name>'));
    console.log(`TURN relay (embedded coturn): ${urls.join(' ')}`);
  }
  console.log(
    `node ${running.cluster.nodeId()}: ${running.cluster.clustered ? 'clustered over Redis' : 'single node'}`,
  );
  console.log(`softphone ready at ${url}`);

  let stopping = false;
  const shutdown = async (signal: string, drain: boolean): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info(
      { signal, drain },
      drain ? 'draining: no new calls, waiting for the calls to end' : 'shutting down',
    );
    if (drain) await running.drain();
    await running.stop();
    process.exit(0);
  };
  // SIGTERM (a deployment replacing the node) drains; SIGINT (an operator's Ctrl-C) stops at once.
  process.on('SIGINT', () => void shutdown('SIGINT', false));
  process.on('SIGTERM', () => void shutdown('SIGTERM', true));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(`softphone failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
