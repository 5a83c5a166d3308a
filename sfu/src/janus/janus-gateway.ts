/**
 * Owns the private Janus instance and the one janode connection to it: starts Janus as a child
 * process with a generated config, waits until its API answers, restarts it when it dies, and
 * stops it on exit. Everyone else gets janode sessions through {@link JanusGateway.createSession}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Janode, { type Connection, type Session } from 'janode';
import type { Logger } from '../log.ts';
import { defaultRouteInterface, writeJanusConfig, type JanusConfig } from './janus-config.ts';

export interface JanusGatewayOptions {
  dataDir: string;
  wsPort: number;
  adminPort: number;
  rtpPortRange: string;
  iceInterface: string;
  log: Logger;
}

export interface JanusGatewayEvents {
  /** Janus answers on its API (first start and after every restart). */
  ready: [];
  /** Janus died or its API connection closed: every room and session it had is gone. */
  lost: [reason: string];
}

const READY_TIMEOUT_MS = 10_000;
const RESTART_BACKOFF_MS = [100, 500, 1_000, 2_000, 5_000];
/** A Janus that stayed up this long counts as healthy again: the backoff starts over. */
const STABLE_AFTER_MS = 30_000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export class JanusGateway extends EventEmitter<JanusGatewayEvents> {
  private child: ChildProcess | null = null;
  private connection: Connection | null = null;
  private config: JanusConfig | null = null;
  private stopping = false;
  private restarts = 0;
  private startedAt = 0;
  private readonly log: Logger;

  constructor(private readonly opts: JanusGatewayOptions) {
    super();
    this.log = opts.log.child({ module: 'janus' });
    Janode.Logger.setLevel('none');
  }

  get isReady(): boolean {
    return this.connection !== null;
  }

  /** The Janus process id, for operators and for tests that kill it on purpose. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    this.config = {
      dir: path.join(this.opts.dataDir, 'janus'),
      wsPort: this.opts.wsPort || (await freePort()),
      adminPort: this.opts.adminPort || (await freePort()),
      apiSecret: crypto.randomBytes(18).toString('base64url'),
      adminSecret: crypto.randomBytes(18).toString('base64url'),
      rtpPortRange: this.opts.rtpPortRange,
      iceInterface: this.opts.iceInterface || defaultRouteInterface(),
    };
    await this.launch();
  }

  async createSession(): Promise<Session> {
    if (!this.connection) throw new Error('media server not ready');
    return this.connection.create();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const conn = this.connection;
    this.connection = null;
    await conn?.close().catch(() => undefined);
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    }
  }

  /** Last resort on process exit (synchronous): never leave an orphaned Janus behind. */
  kill(): void {
    this.stopping = true;
    this.child?.kill('SIGKILL');
  }

  private async launch(): Promise<void> {
    const cfg = this.config;
    if (!cfg) throw new Error('start() first');
    const jcfg = writeJanusConfig(cfg);
    const logFile = fs.createWriteStream(path.join(this.opts.dataDir, 'janus.log'), { flags: 'a' });
    const child = spawn('janus', ['-C', jcfg, '-F', cfg.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.startedAt = Date.now();
    child.stdout?.pipe(logFile);
    child.stderr?.pipe(logFile);
    const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
    child.once('exit', (code, signal) => {
      logFile.end();
      this.onExit(child, code, signal);
    });
    this.log.info({ pid: child.pid, wsPort: cfg.wsPort, ice: cfg.iceInterface }, 'janus starting');
    const t0 = Date.now();
    const connection = await Promise.race([
      Janode.connect({
        address: { url: `ws://127.0.0.1:${cfg.wsPort}/`, apisecret: cfg.apiSecret },
        retry_time_secs: 0.05,
        max_retries: READY_TIMEOUT_MS / 50,
      }),
      spawnFailed,
    ]);
    if (this.child !== child || this.stopping) {
      await connection.close().catch(() => undefined);
      return;
    }
    connection.once(Janode.EVENT.CONNECTION_CLOSED, () => this.onConnectionClosed(connection));
    this.connection = connection;
    this.log.info({ pid: child.pid, ms: Date.now() - t0 }, 'janus ready');
    this.emit('ready');
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    if (this.stopping) return;
    this.log.error({ code, signal }, 'janus exited');
    this.markLost(`janus exited (${signal ?? code})`);
    this.scheduleRestart();
  }

  private onConnectionClosed(connection: Connection): void {
    if (this.connection !== connection || this.stopping) return;
    this.log.error('janus API connection closed');
    this.markLost('janus API connection closed');
    // The process may still be alive but wedged; killing it lets onExit restart a clean one.
    this.child?.kill('SIGKILL');
  }

  private markLost(reason: string): void {
    const hadConnection = this.connection !== null;
    this.connection = null;
    if (hadConnection) this.emit('lost', reason);
  }

  private scheduleRestart(): void {
    if (Date.now() - this.startedAt > STABLE_AFTER_MS) this.restarts = 0;
    const delay = RESTART_BACKOFF_MS[Math.min(this.restarts, RESTART_BACKOFF_MS.length - 1)] ?? 5_000;
    this.restarts++;
    this.log.warn({ delay, attempt: this.restarts }, 'restarting janus');
    setTimeout(() => {
      if (this.stopping) return;
      this.launch().catch((err: unknown) => {
        this.log.error({ err }, 'janus restart failed');
        this.child?.kill('SIGKILL');
      });
    }, delay);
  }
}
