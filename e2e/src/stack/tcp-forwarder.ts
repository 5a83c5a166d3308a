/**
 * A TCP forwarder run inside a network namespace: what reaches `listen` there is piped to `target`
 * (an address that namespace routes to). It bridges a namespace's own loopback, which nothing else
 * reaches: a server that posts only to a loopback push service, a browser whose DevTools listen on
 * localhost. Its own process in the namespace (tcp-forwarder-main.ts), so it lives and dies with the
 * namespace's host like the rest of it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild } from '@softphone/test-support/child';

export interface Endpoint {
  host: string;
  port: number;
}

export interface TcpForwarder {
  pid: number;
  /** Whether its process still runs (a host crashed with kill -9 takes it too). */
  running(): boolean;
  stop(): Promise<void>;
}

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tcp-forwarder-main.ts');

export async function startTcpForwarder(o: {
  ns: string;
  listen: Endpoint;
  target: Endpoint;
  logFile: string;
}): Promise<TcpForwarder> {
  const started = await startChild(
    `tcp forwarder in ${o.ns}`,
    'ip',
    [
      'netns',
      'exec',
      o.ns,
      process.execPath,
      '--import',
      'tsx',
      MAIN,
      JSON.stringify({ listen: o.listen, target: o.target }),
    ],
    { ready: /^forwarder ready$/m, timeoutMs: 15_000, logFile: o.logFile },
  );
  const { child } = started;
  return {
    pid: child.pid ?? 0,
    running: () => child.exitCode === null && child.signalCode === null,
    stop: started.stop,
  };
}
