/**
 * DevTools of a party's browser in a network namespace (a topology's party): the browser listens
 * for DevTools on that namespace's loopback, which the test process can't reach, so a forwarder in
 * the namespace exposes the same port on the party's management address, as its chromedriver is.
 */
import { startTcpForwarder, type TcpForwarder } from '../stack/tcp-forwarder.ts';
import { DevTools, devToolsAddress } from './devtools.ts';
import type { PartyNetworks } from './rig.ts';

export interface NamespacedDevTools {
  /** A new DevTools session (again after the tab it attached to was closed). */
  attach(): Promise<DevTools>;
  stop(): Promise<void>;
}

export async function namespacedDevTools(
  driver: WebdriverIO.Browser,
  net: PartyNetworks,
  role: 'caller' | 'callee',
  logFile: string,
): Promise<NamespacedDevTools> {
  const { port } = devToolsAddress(driver);
  const host = net.mgmtIpOf(role);
  const forwarder: TcpForwarder = await startTcpForwarder({
    ns: net.nsOf(role),
    listen: { host, port },
    // Chromium's DevTools listen on 127.0.0.1 (chromedriver reports it as localhost).
    target: { host: '127.0.0.1', port },
    logFile,
  });
  return { attach: () => DevTools.attach(driver, { host }), stop: () => forwarder.stop() };
}
