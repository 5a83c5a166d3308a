/** Composition root: load config, start Janus, listen. Exits 2 on bad configuration. */
import fs from 'node:fs';
import { createApplication } from './app.ts';
import { CallService } from './call/call-service.ts';
import { ConfigError, loadConfig } from './config.ts';
import { JanusGateway } from './janus/janus-gateway.ts';
import { createLogger } from './log.ts';
import { Presence } from './presence/presence.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  fs.mkdirSync(config.DATA_DIR, { recursive: true });
  if (!fs.existsSync(config.WEB_DIR)) log.warn({ dir: config.WEB_DIR }, 'PWA not built: run `npm run build`');

  const gateway = new JanusGateway({
    dataDir: config.DATA_DIR,
    wsPort: config.JANUS_WS_PORT,
    adminPort: config.JANUS_ADMIN_PORT,
    rtpPortRange: config.JANUS_RTP_PORTS,
    iceInterface: config.JANUS_ICE_INTERFACE,
    log,
  });
  process.once('exit', () => gateway.kill());
  await gateway.start();
  const presence = new Presence();
  const calls = new CallService({ presence, gateway, log, noAnswerTimeoutMs: config.NO_ANSWER_TIMEOUT_MS });
  const app = createApplication({
    presence,
    calls,
    gateway,
    log,
    webDir: config.WEB_DIR,
    noAnswerTimeoutMs: config.NO_ANSWER_TIMEOUT_MS,
  });

  await new Promise<void>((resolve) => app.httpServer.listen(config.PORT, config.HOST, resolve));
  const addr = app.httpServer.address();
  const port = addr && typeof addr === 'object' ? addr.port : config.PORT;
  log.info({ url: `http://${config.HOST}:${port}/` }, 'softphone listening');
  console.log(`softphone ready at http://${config.HOST}:${port}/`);

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    app.io.close();
    await gateway.stop();
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
