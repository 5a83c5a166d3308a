/** Starts a long-running child process and waits until a line of its output says it is ready. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export interface Started {
  child: ChildProcess;
  match: RegExpMatchArray;
  stop(): Promise<void>;
}

export async function startChild(
  name: string,
  cmd: string,
  args: string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    ready: RegExp;
    timeoutMs: number;
    logFile: string;
    /** Keep a pipe to the child's stdin (for children driven by commands). */
    stdin?: boolean;
  },
): Promise<Started> {
  const log = fs.createWriteStream(opts.logFile, { flags: 'a' });
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(t);
  };
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${name} did not start within ${opts.timeoutMs} ms (log: ${opts.logFile})`));
    }, opts.timeoutMs);
    const onData = (chunk: Buffer): void => {
      log.write(chunk);
      buffered = (buffered + chunk.toString('utf8')).slice(-8_192);
      const m = buffered.match(opts.ready);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        child.stdout?.on('data', (c: Buffer) => log.write(c));
        child.stderr?.on('data', (c: Buffer) => log.write(c));
        resolve({ child, match: m, stop });
      }
    };
    // Some engines (PostgreSQL) say they are ready on stderr.
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) before it was ready (log: ${opts.logFile})`));
    });
  });
}
