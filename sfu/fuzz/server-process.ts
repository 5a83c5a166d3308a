/**
 * The real server (`src/main.ts`, so its mediasoup workers too) as a child process on a temp data folder and
 * a free port: what the fuzz tool attacks and what the exposed-server tests start, exactly as
 * `npm start` runs it. Its RSS is read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SFU_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface ServerProcess {
  url: string;
  pid: number;
  dataDir: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Its exit code or signal once it has exited; null while it runs. */
  exit(): string | null;
  /** Resident set size in KiB (VmRSS). */
  rssKiB(): number;
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  env?: Record<string, string>;
  /** Reuse a data folder (a restart); default a new temp one. */
  dataDir?: string;
  timeoutMs?: number;
}

export async function startServerProcess(o: ServerProcessOptions = {}): Promise<ServerProcess> {
  const dataDir = o.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'softphone-srv-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: SFU_DIR,
    env: {
      ...process.env,
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      MEDIA_RTC_PORTS: '42000-42199',
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let exit: string | null = null;
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = signal ?? String(code);
      resolve();
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server not ready in time:\n${out}`)),
      o.timeoutMs ?? 30_000,
    );
    const check = () => {
      const m = /softphone ready at (https?:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    };
    child.stdout?.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`server exited (${exit}) before it was ready:\n${out}`));
    });
  });
  return {
    url,
    pid: child.pid ?? 0,
    dataDir,
    output: () => out,
    exit: () => exit,
    rssKiB() {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    },
    async stop() {
      if (exit === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
