/**
 * Writes the private Janus instance's configuration: API and admin API on loopback only, VideoRoom
 * as the only plugin, WebSockets as the only transport, our own RTP port range.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface JanusConfig {
  dir: string;
  wsPort: number;
  adminPort: number;
  apiSecret: string;
  adminSecret: string;
  rtpPortRange: string;
  /** Network interface ICE is restricted to (see {@link defaultRouteInterface}). */
  iceInterface: string;
}

/** Debian installs Janus's modules under the multiarch lib folder (x86_64-linux-gnu, aarch64-linux-gnu, …). */
export function janusModulesDir(): string {
  const candidates = fs
    .readdirSync('/usr/lib')
    .map((d) => path.join('/usr/lib', d, 'janus'))
    .concat('/usr/lib/janus');
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'plugins', 'libjanus_videoroom.so')));
  if (!found) throw new Error('Janus is not installed (no libjanus_videoroom.so under /usr/lib/*/janus)');
  return found;
}

/**
 * Janus 1.1.2 can't restrict ICE to loopback ("lo" in the enforce list still offers every other
 * interface, and with only `lo` candidate gathering fails), so we enforce the interface holding
 * the default route; media still stays inside the host. Falls back to the first non-internal IPv4
 * interface when there is no default route.
 */
export function defaultRouteInterface(): string {
  try {
    const rows = fs.readFileSync('/proc/net/route', 'utf8').trim().split('\n').slice(1);
    for (const row of rows) {
      const [iface, destination] = row.split(/\s+/);
      if (destination === '00000000' && iface) return iface;
    }
  } catch {
    // not Linux, or /proc unavailable: use the interface list below
  }
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (addrs?.some((a) => a.family === 'IPv4' && !a.internal)) return name;
  }
  throw new Error('no network interface with an IPv4 address for ICE');
}

function pluginsToDisable(
  modules: string,
  kind: 'plugins' | 'transports' | 'loggers',
  keep: string[],
): string {
  const dir = path.join(modules, kind);
  const all = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.so')) : [];
  return all.filter((f) => !keep.includes(f)).join(',');
}

export function writeJanusConfig(cfg: JanusConfig): string {
  fs.mkdirSync(cfg.dir, { recursive: true });
  const modules = janusModulesDir();
  const main = `general: {
  configs_folder = "${cfg.dir}"
  plugins_folder = "${modules}/plugins"
  transports_folder = "${modules}/transports"
  events_folder = "${modules}/events"
  loggers_folder = "${modules}/loggers"
  debug_level = 4
  debug_timestamps = true
  debug_colors = false
  api_secret = "${cfg.apiSecret}"
  admin_secret = "${cfg.adminSecret}"
  session_timeout = 60
  server_name = "softphone-janus"
  protected_folders = [ "/bin", "/boot", "/dev", "/etc", "/lib", "/proc", "/sbin", "/sys", "/usr", "/var" ]
}
media: {
  rtp_port_range = "${cfg.rtpPortRange}"
}
nat: {
  ice_enforce_list = "${cfg.iceInterface}"
}
plugins: {
  disable = "${pluginsToDisable(modules, 'plugins', ['libjanus_videoroom.so'])}"
}
transports: {
  disable = "${pluginsToDisable(modules, 'transports', ['libjanus_websockets.so'])}"
}
loggers: {
  disable = "${pluginsToDisable(modules, 'loggers', [])}"
}
events: {
  broadcast = false
}
`;
  const websockets = `general: {
  json = "compact"
  ws = true
  ws_port = ${cfg.wsPort}
  ws_ip = "127.0.0.1"
  wss = false
  ws_logging = "err,warn"
}
admin: {
  admin_ws = true
  admin_ws_port = ${cfg.adminPort}
  admin_ws_ip = "127.0.0.1"
  admin_wss = false
}
`;
  // No demo rooms: every room is created through the API for one call and destroyed with it.
  const videoroom = `general: {
}
`;
  fs.writeFileSync(path.join(cfg.dir, 'janus.jcfg'), main);
  fs.writeFileSync(path.join(cfg.dir, 'janus.transport.websockets.jcfg'), websockets);
  fs.writeFileSync(path.join(cfg.dir, 'janus.plugin.videoroom.jcfg'), videoroom);
  return path.join(cfg.dir, 'janus.jcfg');
}
