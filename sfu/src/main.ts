/** Entry point: load config, start the server, listen. Exits 2 on bad configuration. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { createSecureContext } from 'node:tls';
import proxyaddr from 'proxy-addr';
import { ConfigError, loadConfig, trustList, type Config } from './config.ts';
import { loadOrMakeCertificate } from './http/self-signed-cert.ts';
import { createLogger, type Logger } from './log.ts';
import { startServer, type PushOptions, type Server } from './server.ts';

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

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  fs.mkdirSync(config.DATA_DIR, { recursive: true });
  if (!fs.existsSync(config.WEB_DIR)) log.warn({ dir: config.WEB_DIR }, 'PWA not built: run `npm run build`');
  const tls = await tlsOptions(config, log);

  let server: Server | null = null;
  process.once('exit', () => server?.media.kill());
  server = await startServer({
    dataDir: config.DATA_DIR,
    webDir: config.WEB_DIR,
    noAnswerTimeoutMs: config.NO_ANSWER_TIMEOUT_MS,
    media: {
      workers: config.MEDIA_WORKERS || os.availableParallelism(),
      listen: {
        ip: config.MEDIA_LISTEN_IP,
        ports: config.MEDIA_RTC_PORTS,
        ...(config.MEDIA_ANNOUNCED_ADDRESS ? { announcedAddress: config.MEDIA_ANNOUNCED_ADDRESS } : {}),
      },
    },
    push: pushOptions(config),
    ...(tls ? { tls } : {}),
    trustProxy: trustList(config.TRUST_PROXY),
    accountLimits: { signUpsPerHour: config.SIGNUP_LIMIT_PER_HOUR },
    log,
  });
  const running = server;
  await new Promise<void>((resolve) => running.httpServer.listen(config.PORT, config.HOST, resolve));
  const addr = running.httpServer.address();
  const port = addr && typeof addr === 'object' ? addr.port : config.PORT;
  const url = `${tls ? 'https' : 'http'}://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}/`;
  log.info({ url }, 'softphone listening');
  console.log(`softphone ready at ${url}`);

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await running.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(`softphone failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
