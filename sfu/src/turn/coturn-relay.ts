/**
 * The embedded TURN relay: Debian's coturn (`turnserver`) as the server's child, with a generated
 * config in `<dataDir>/coturn/` and a shared secret kept there (made once, so credentials handed
 * out before a restart stay valid). Restarted with backoff when it dies, stopped on exit — the way
 * the media workers are supervised. It relays only to the SFU's own addresses: an open relay on a
 * public host would let anyone with a credential reach the host's private networks.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../log.ts';
import type { TurnService } from './turn-credentials.ts';

export interface CoturnOptions {
  dataDir: string;
  /** Where it listens; null = every address. */
  listenIp: string | null;
  /** UDP and TCP. */
  port: number;
  /** TLS over TCP, when `tls` is given. */
  tlsPort: number;
  relayPorts: { min: number; max: number };
  /** The public address when this host is behind a 1:1 NAT (a cloud host's elastic IP). */
  externalIp: string | null;
  /** The only addresses it relays to: the SFU's announced (and listen) addresses. */
  peers: string[];
  /** PEM certificate chain and key for the TLS listener. */
  tls?: { cert: string; key: string };
  log: Logger;
}

const READY_TIMEOUT_MS = 10_000;
const RESTART_BACKOFF_MS = [100, 500, 1_000, 2_000, 5_000];
/** A relay that stayed up this long counts as healthy again: the backoff starts over. */
const STABLE_AFTER_MS = 30_000;
export const COTURN_BINARY = 'turnserver';

interface CoturnFiles {
  secret: string;
  cert?: string;
  key?: string;
  log: string;
  pid: string;
  userDb: string;
}

const isLoopback = (ip: string) => ip === '::1' || ip.startsWith('127.');

/** turnserver.conf for these options (one `key=value` per line; see turnserver(1)). */
export function coturnConfig(o: CoturnOptions, files: CoturnFiles): string {
  const lines = [
    `listening-port=${o.port}`,
    ...(o.listenIp ? [`listening-ip=${o.listenIp}`] : []),
    ...(files.cert && files.key
      ? [
          `tls-listening-port=${o.tlsPort}`,
          `cert=${files.cert}`,
          `pkey=${files.key}`,
          'no-tlsv1',
          'no-tlsv1_1',
        ]
      : ['no-tls', 'no-dtls']),
    ...(o.externalIp ? [`external-ip=${o.externalIp}`] : []),
    `min-port=${o.relayPorts.min}`,
    `max-port=${o.relayPorts.max}`,
    'use-auth-secret',
    `static-auth-secret=${files.secret}`,
    'realm=softphone',
    'fingerprint',
    // Relay to the SFU and nothing else.
    'denied-peer-ip=0.0.0.0-255.255.255.255',
    'denied-peer-ip=::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    ...o.peers.map((p) => `allowed-peer-ip=${p}`),
    ...(o.peers.some(isLoopback) ? ['allow-loopback-peers'] : []),
    'no-multicast-peers',
    'no-cli',
    'no-rfc5780',
    'no-stun-backward-compatibility',
    'response-origin-only-with-rfc5780',
    'user-quota=12',
    'total-quota=1200',
    'stale-nonce=600',
    `log-file=${files.log}`,
    `pidfile=${files.pid}`,
    // Unused with use-auth-secret, but coturn opens it: keep it ours, not the system's.
    `userdb=${files.userDb}`,
    'simple-log',
    'no-stdout-log',
  ];
  return `${lines.join('\n')}\n`;
}

/** The shared secret, made once and kept (mode 0600) so a restart keeps credentials valid. */
function keptSecret(dir: string): string {
  const file = path.join(dir, 'secret');
  try {
    const s = fs.readFileSync(file, 'utf8').trim();
    if (s.length >= 32) return s;
  } catch {
    // Not made yet.
  }
  const secret = crypto.randomBytes(32).toString('base64url');
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export function coturnInstalled(): boolean {
  try {
    execFileSync(COTURN_BINARY, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export class CoturnRelay {
  private child: ChildProcess | null = null;
  private stopping = false;
  private restarts = 0;
  private startedAt = 0;
  private readonly log: Logger;
  private readonly dir: string;
  private secret = '';
  private configFile = '';

  constructor(private readonly opts: CoturnOptions) {
    this.log = opts.log.child({ module: 'turn' });
    this.dir = path.join(opts.dataDir, 'coturn');
  }

  get isReady(): boolean {
    return this.child !== null && this.startedAt > 0;
  }

  /** The relay's process id, for operators and for tests that kill it on purpose. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * The relay as clients see it. URLs carry `{host}`: the name each client reached the server by
   * (the relay runs on the same host), unless the host has a configured public address.
   */
  get service(): TurnService {
    const host = this.opts.externalIp ?? '{host}';
    return {
      urls: [
        `turn:${host}:${this.opts.port}?transport=udp`,
        `turn:${host}:${this.opts.port}?transport=tcp`,
        ...(this.opts.tls ? [`turns:${host}:${this.opts.tlsPort}?transport=tcp`] : []),
      ],
      secret: this.secret,
    };
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.secret = keptSecret(this.dir);
    const files: CoturnFiles = {
      secret: this.secret,
      log: path.join(this.opts.dataDir, 'coturn.log'),
      pid: path.join(this.dir, 'turnserver.pid'),
      userDb: path.join(this.dir, 'turndb'),
    };
    if (this.opts.tls) {
      files.cert = path.join(this.dir, 'cert.pem');
      files.key = path.join(this.dir, 'key.pem');
      fs.writeFileSync(files.cert, this.opts.tls.cert);
      fs.writeFileSync(files.key, this.opts.tls.key, { mode: 0o600 });
    }
    this.configFile = path.join(this.dir, 'turnserver.conf');
    fs.writeFileSync(this.configFile, coturnConfig(this.opts, files), { mode: 0o600 });
    try {
      await this.launch();
    } catch (err) {
      this.kill();
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    }
  }

  /** Last resort on process exit (synchronous): never leave a relay behind. */
  kill(): void {
    this.stopping = true;
    this.child?.kill('SIGKILL');
  }

  private async launch(): Promise<void> {
    const child = spawn(COTURN_BINARY, ['-c', this.configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    this.startedAt = 0;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2_000)));
    const exited = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) =>
        reject(new Error(`coturn exited (${signal ?? code}) before listening: ${stderr.trim()}`)),
      );
    });
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    const t0 = Date.now();
    await Promise.race([this.listening(child), exited]);
    if (this.child !== child) return;
    this.startedAt = Date.now();
    this.log.info({ pid: child.pid, port: this.opts.port, ms: this.startedAt - t0 }, 'turn relay ready');
  }

  /** Resolves once the relay accepts TCP on its port (it opens UDP in the same step). */
  private async listening(child: ChildProcess): Promise<void> {
    const host = this.opts.listenIp && this.opts.listenIp !== '0.0.0.0' ? this.opts.listenIp : '127.0.0.1';
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (this.child !== child) return;
      const up = await new Promise<boolean>((resolve) => {
        const s = net.connect({ host, port: this.opts.port }, () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      if (up) return;
      if (Date.now() > deadline) throw new Error(`coturn not listening on ${host}:${this.opts.port}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    if (this.stopping) return;
    this.log.error({ code, signal }, 'turn relay exited');
    if (this.startedAt > 0 && Date.now() - this.startedAt > STABLE_AFTER_MS) this.restarts = 0;
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delay = RESTART_BACKOFF_MS[Math.min(this.restarts, RESTART_BACKOFF_MS.length - 1)] ?? 5_000;
    this.restarts++;
    setTimeout(() => {
      if (this.stopping) return;
      this.launch().then(
        () => this.log.info({ pid: this.child?.pid, attempt: this.restarts }, 'turn relay restarted'),
        (err: unknown) => {
          this.log.error({ err: (err as Error).message }, 'turn relay restart failed');
          if (this.child === null) return;
          this.child.kill('SIGKILL');
        },
      );
    }, delay);
  }
}
