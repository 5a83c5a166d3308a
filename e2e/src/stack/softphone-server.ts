/** Runs the real softphone server (and so its Janus) as a child, on free ports, for the rig. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild } from './child.ts';
import { freePort } from './free-port.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface SoftphoneServer {
  url: string;
  dataDir: string;
  /** Janus's pid as the server reports it (tests kill it on purpose). */
  janusPid(): Promise<number | null>;
  /** Stops and starts the server again on the same port and data: a deploy, or a crash and restart. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSoftphoneServer(
  opts: { env?: Record<string, string>; logDir?: string } = {},
): Promise<SoftphoneServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'softphone-'));
  const webDir = path.join(REPO_ROOT, 'web', 'dist');
  if (!fs.existsSync(path.join(webDir, 'index.html'))) {
    throw new Error('the web app is not built: run `npm run build` first');
  }
  const port = await freePort();
  const logFile = path.join(opts.logDir ?? dataDir, 'server.log');
  const start = () =>
    startChild('softphone server', process.execPath, ['--import', 'tsx', 'sfu/src/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info', ...opts.env },
      ready: /softphone ready at (http:\/\/\S+)/,
      timeoutMs: 20_000,
      logFile,
    });
  let started = await start();
  const url = started.match[1] ?? `http://127.0.0.1:${port}/`;
  return {
    url,
    dataDir,
    async janusPid() {
      const res = await fetch(new URL('/healthz', url));
      const body = (await res.json()) as { janus: { pid: number | null } };
      return body.janus.pid;
    },
    async restart() {
      await started.stop();
      started = await start();
    },
    stop: () => started.stop(),
  };
}
