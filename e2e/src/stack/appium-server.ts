/**
 * Runs Appium 3 as a child with APPIUM_HOME at the repo root, where npm installed the chromium
 * driver as a dependency: nothing is downloaded, and `appium driver install` is never needed.
 */
import path from 'node:path';
import { startChild } from '@softphone/test-support/child';
import { freePort } from './free-port.ts';
import { REPO_ROOT } from './softphone-server.ts';

export interface AppiumServer {
  port: number;
  stop(): Promise<void>;
}

export async function startAppium(logDir: string): Promise<AppiumServer> {
  const port = await freePort();
  const bin = path.join(REPO_ROOT, 'node_modules', '.bin', 'appium');
  const started = await startChild(
    'appium',
    bin,
    ['server', '--address', '127.0.0.1', '--port', String(port)],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, APPIUM_HOME: REPO_ROOT },
      ready: /Appium REST http interface listener started/,
      timeoutMs: 60_000,
      logFile: path.join(logDir, 'appium.log'),
    },
  );
  return { port, stop: started.stop };
}
