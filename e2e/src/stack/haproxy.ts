/**
 * Debian's HAProxy as the cluster's load balancer: TCP mode (TLS passes through to the nodes, which
 * keep their own certificates), `balance leastconn` (socket.io is websocket-only, so no stickiness),
 * and each node checked with `GET /healthz` over TLS every 300 ms: a node that answers 503 (draining)
 * or nothing (dead) leaves after two failed checks, well within ~2 s. Its runtime API (a stats socket
 * in a temp dir, reachable from the root namespace as a file) says which nodes are up; its log (one
 * line per connection, written when the node is chosen) says where each connection went.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface HaproxyBackend {
  name: string;
  address: string;
  port: number;
  /** Connections from this source address go to this node while it is up (pinning a party). */
  pinnedSource?: string;
}

export interface HaproxyOptions {
  netns: string;
  bind: { address: string; port: number };
  backends: HaproxyBackend[];
  dir: string;
}

/** A connection as the load balancer logged it. */
export interface LbConnection {
  source: string;
  server: string;
}

export interface Haproxy {
  /** Each backend's status as HAProxy sees it (`UP`, `DOWN`, `MAINT`, `UP 1/2`…), by name. */
  states(): Promise<Record<string, string>>;
  /** Waits until `server`'s status starts with `status` (e.g. `UP`, `DOWN`). */
  waitForState(server: string, status: 'UP' | 'DOWN', timeoutMs?: number): Promise<void>;
  /** Every connection logged so far, oldest first. */
  connections(): LbConnection[];
  /** The first connection logged from index `after` on that matches (its log line comes a moment after it). */
  waitForConnection(
    after: number,
    match: (c: LbConnection) => boolean,
    timeoutMs?: number,
  ): Promise<LbConnection>;
  stop(): Promise<void>;
}

export function haproxyConfig(o: HaproxyOptions, statsSocket: string): string {
  const pins = o.backends
    .filter((b) => b.pinnedSource)
    .map((b) => `  use-server ${b.name} if { src ${b.pinnedSource} }`);
  return `global
  log stdout format raw local0
  stats socket ${statsSocket} mode 600 level admin
  maxconn 2000

defaults
  mode tcp
  log global
  option tcplog
  # One line as soon as a connection is forwarded (not when it closes: a socket lives for the call).
  option logasap
  timeout connect 2s
  timeout client 1h
  timeout server 1h
  timeout tunnel 1h
  # A node that died between two checks refuses the connection: try another one.
  retries 2
  option redispatch

frontend web
  bind ${o.bind.address}:${o.bind.port}
  default_backend nodes

backend nodes
  balance leastconn
  option httpchk GET /healthz
  http-check send hdr Host ${o.bind.address}
  default-server check check-ssl verify none inter 300 fastinter 300 downinter 300 fall 2 rise 2
${pins.join('\n')}
${o.backends.map((b) => `  server ${b.name} ${b.address}:${b.port}`).join('\n')}
`;
}

/** Sends one command to HAProxy's runtime API and returns its whole answer. */
function runtimeCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socket);
    let out = '';
    c.on('data', (d) => (out += d.toString()));
    c.on('end', () => resolve(out));
    c.on('error', reject);
    c.end(`${command}\n`);
  });
}

export async function startHaproxy(o: HaproxyOptions): Promise<Haproxy> {
  fs.mkdirSync(o.dir, { recursive: true });
  const statsSocket = path.join(o.dir, 'haproxy.sock');
  const cfg = path.join(o.dir, 'haproxy.cfg');
  fs.writeFileSync(cfg, haproxyConfig(o, statsSocket));
  const log = fs.createWriteStream(path.join(o.dir, 'haproxy.log'), { flags: 'a' });
  const logged: LbConnection[] = [];
  const child: ChildProcess = spawn('ip', ['netns', 'exec', o.netns, 'haproxy', '-db', '-f', cfg], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      // tcplog: `<src>:<port> [<date>] web nodes/<server> ...`
      const m = /^(\S+):\d+ \[[^\]]+\] \S+ \S+\/(\S+) /.exec(line);
      if (m?.[1] && m[2]) logged.push({ source: m[1], server: m[2] });
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const states = async (): Promise<Record<string, string>> => {
    const csv = await runtimeCommand(statsSocket, 'show stat');
    const [header, ...rows] = csv.replace(/^# /, '').trim().split('\n');
    const cols = (header ?? '').split(',');
    const [px, sv, st] = ['pxname', 'svname', 'status'].map((c) => cols.indexOf(c));
    const out: Record<string, string> = {};
    for (const r of rows) {
      const f = r.split(',');
      if (f[px ?? 0] === 'nodes' && f[sv ?? 1] !== 'BACKEND') out[f[sv ?? 1] ?? ''] = f[st ?? 17] ?? '';
    }
    return out;
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    log.end();
  };

  // Ready once its runtime API answers (it binds its listeners before it opens the stats socket).
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited at start (log: ${o.dir}/haproxy.log)`);
    try {
      if ((await runtimeCommand(statsSocket, 'show info')).includes('Name: HAProxy')) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy did not open its runtime API within 10 s (log: ${o.dir}/haproxy.log)`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    states,
    async waitForState(server, status, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      let last = '';
      for (;;) {
        last = (await states())[server] ?? 'absent';
        if (last.startsWith(status)) return;
        if (Date.now() > until)
          throw new Error(`haproxy: ${server} is ${last}, not ${status}, after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    connections: () => [...logged],
    async waitForConnection(after, match, timeoutMs = 5_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = logged.slice(after).find(match);
        if (found) return found;
        if (Date.now() > until)
          throw new Error(`haproxy: no matching connection logged within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop,
  };
}
