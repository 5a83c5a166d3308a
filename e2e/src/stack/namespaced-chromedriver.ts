/**
 * Debian's chromedriver run inside a party's network namespace, so the Chromium it starts (and so
 * that browser's WebRTC) sits on the party's network. It listens on the party's management address,
 * which the test process reaches from the root namespace; the browser's traffic to the softphone
 * goes through the party's NAT like anyone else's.
 */
import { startChild } from '@softphone/test-support/child';
import { freePort } from './free-port.ts';

export interface NamespacedDriver {
  ns: string;
  hostname: string;
  port: number;
  stop(): Promise<void>;
}

export async function startNamespacedChromedriver(o: {
  ns: string;
  listenIp: string;
  /** The root namespace's side of the management link: the only client it accepts. */
  clientIp: string;
  logFile: string;
}): Promise<NamespacedDriver> {
  const port = await freePort();
  const started = await startChild(
    `chromedriver in ${o.ns}`,
    'ip',
    [
      'netns',
      'exec',
      o.ns,
      '/usr/bin/chromedriver',
      `--port=${port}`,
      `--allowed-ips=${o.clientIp}`,
      '--allowed-origins=*',
    ],
    { ready: /ChromeDriver was started successfully on port (\d+)/, timeoutMs: 15_000, logFile: o.logFile },
  );
  return { ns: o.ns, hostname: o.listenIp, port, stop: started.stop };
}
