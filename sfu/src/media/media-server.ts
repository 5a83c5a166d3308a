/**
 * The SFU: a pool of mediasoup workers (one per core unless configured), each a child process,
 * supervised. A new call's room goes to the live worker carrying the fewest calls. A worker that
 * dies takes only its own calls with it (their rooms emit `lost`) and is replaced with backoff.
 * Everyone else gets rooms through {@link MediaServer.openRoom}.
 */
// Sets MEDIASOUP_WORKER_BIN, which mediasoup reads when it loads: import it first.
import { assertWorkerBinary } from './worker-binary.ts';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../log.ts';
import { MediaRoom, webRtcLegs, type CreateLegTransport, type TransportListen } from './media-room.ts';

export interface MediaServerOptions {
  workers: number;
  listen: TransportListen;
  /** How a party's transports are made (default WebRTC); only the load bench sets it. */
  legs?: CreateLegTransport;
  log: Logger;
}

/**
 * One live worker. `/healthz` shows its slot and calls, not its pid: the log says which process
 * each slot runs ('media worker started'), for operators and for tests that kill one on purpose.
 */
export interface WorkerStatus {
  slot: number;
  pid: number;
  calls: number;
}

/** The worker a room was being opened on died meanwhile. */
export class MediaWorkerDied extends Error {
  constructor(cause: unknown) {
    super('the media worker died while the room was being opened', { cause });
  }
}

const RESTART_BACKOFF_MS = [100, 500, 1_000, 2_000, 5_000];
/** A worker that stayed up this long counts as healthy again: the backoff starts over. */
const STABLE_AFTER_MS = 30_000;

interface Slot {
  worker: ms.Worker | null;
  calls: number;
  restarts: number;
  startedAt: number;
}

export class MediaServer {
  private readonly slots: Slot[];
  private stopping = false;
  private readonly log: Logger;

  constructor(private readonly opts: MediaServerOptions) {
    this.log = opts.log.child({ module: 'media' });
    this.slots = Array.from({ length: opts.workers }, () => ({
      worker: null,
      calls: 0,
      restarts: 0,
      startedAt: 0,
    }));
  }

  /** True while at least one worker can take a call. */
  get isReady(): boolean {
    return this.slots.some((s) => s.worker !== null);
  }

  get workers(): WorkerStatus[] {
    return this.slots.flatMap((s, slot) => (s.worker ? [{ slot, pid: s.worker.pid, calls: s.calls }] : []));
  }

  /** CPU time the live workers have used so far (user + system, ms), for the node's load. */
  async cpuUsage(): Promise<{ cpuMs: number; workers: number }> {
    const live = this.slots.flatMap((s) => (s.worker ? [s.worker] : []));
    const used = await Promise.all(
      live.map((w) =>
        w.getResourceUsage().then(
          (u) => u.ru_utime + u.ru_stime,
          () => 0,
        ),
      ),
    );
    return { cpuMs: used.reduce((a, b) => a + b, 0), workers: live.length };
  }

  async start(): Promise<void> {
    assertWorkerBinary();
    const t0 = Date.now();
    await Promise.all(this.slots.map((s) => this.launch(s)));
    this.log.info({ workers: this.workers.map((w) => w.pid), ms: Date.now() - t0 }, 'media workers ready');
  }

  /** A room for one call, on the least busy live worker. */
  async openRoom(partyNames: string[], log: Logger): Promise<MediaRoom> {
    const slot = this.slots.filter((s) => s.worker !== null).sort((a, b) => a.calls - b.calls)[0];
    if (!slot?.worker) throw new Error('media server not ready');
    slot.calls++;
    const worker = slot.worker;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (slot.worker === worker) slot.calls--;
    };
    try {
      return await MediaRoom.open(
        worker,
        this.opts.listen,
        this.opts.legs ?? webRtcLegs,
        partyNames,
        log.child({ worker: worker.pid }),
        release,
      );
    } catch (err) {
      release();
      // The worker died while the room was being opened: the same event as for a room that was
      // open (`lost`), not a room the server could not make.
      if (worker.died) throw new MediaWorkerDied(err);
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const s of this.slots) {
      s.worker?.close();
      s.worker = null;
    }
  }

  /** Last resort on process exit (synchronous): never leave a worker behind. */
  kill(): void {
    this.stopping = true;
    for (const s of this.slots) s.worker?.close();
  }

  private async launch(slot: Slot): Promise<void> {
    const worker = await mediasoup.createWorker({ logLevel: 'warn', disableLiburing: true });
    if (this.stopping) {
      worker.close();
      return;
    }
    slot.worker = worker;
    slot.calls = 0;
    slot.startedAt = Date.now();
    worker.on('died', (err) => this.onDied(slot, worker, err));
    this.log.info({ slot: this.slots.indexOf(slot), pid: worker.pid }, 'media worker started');
  }

  private onDied(slot: Slot, worker: ms.Worker, err: Error): void {
    if (slot.worker !== worker) return;
    slot.worker = null;
    if (this.stopping) return;
    this.log.error({ pid: worker.pid, err: err.message }, 'media worker died');
    if (Date.now() - slot.startedAt > STABLE_AFTER_MS) slot.restarts = 0;
    this.scheduleRestart(slot);
  }

  private scheduleRestart(slot: Slot): void {
    const delay = RESTART_BACKOFF_MS[Math.min(slot.restarts, RESTART_BACKOFF_MS.length - 1)] ?? 5_000;
    slot.restarts++;
    setTimeout(() => {
      if (this.stopping) return;
      this.launch(slot).then(
        () => this.log.info({ pid: slot.worker?.pid, attempt: slot.restarts }, 'media worker replaced'),
        (err: unknown) => {
          this.log.error({ err }, 'media worker restart failed');
          this.scheduleRestart(slot);
        },
      );
    }, delay);
  }
}
