/**
 * `npm run bench:load`: how many concurrent 1:1 Opus calls a core of the serving side holds (issue 20).
 *
 * Engine layer: the real server (signalling, call table, MediaRoom) with one mediasoup worker pinned
 * to CPU 1; calls placed by socket.io parties exactly as pages place them, their media on SRTP
 * PlainTransports (plain-legs.ts) fed with real Opus by a generator pinned to CPU 0 (generator.ts).
 * Ramped by --step calls until a call fails, loss passes 0.5 %, p95 jitter passes 20 ms or the SFU
 * worker passes 80 % of its core; then a profile at the limit, then the bare-mediasoup baseline
 * (the same media, no server) at the same number of calls.
 */
// Sets MEDIASOUP_WORKER_BIN, which mediasoup reads when it loads: import it first.
import { assertWorkerBinary } from '../../src/media/worker-binary.ts';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import { createLogger } from '../../src/log.ts';
import { startServer, type Server } from '../../src/server.ts';
import { percentile } from '../percentile.ts';
import type { CreateLegTransport } from '../../src/media/media-room.ts';
import { BareCalls } from './bare-calls.ts';
import { RealCalls } from './calibration.ts';
import { profileFor } from './cpu-profile.ts';
import { EngineCalls } from './engine-calls.ts';
import { Generator, pin } from './generator.ts';
import { parseOptions, type LoadOptions } from './options.ts';
import { plainSrtpLegs } from './plain-legs.ts';
import { cores, pct, stopReason, windowMedia, type MediaFigures } from './ramp.ts';
import { usage, type Usage } from './usage.ts';

const GENERATOR_CPU = 0;
const SFU_CPU = 1;
const SFU_IP = '127.0.0.1';
const GENERATOR_IP = '127.0.0.2';
/** Calls being set up at once. */
const PLACING = 16;
/** Let the new calls' jitter estimates settle before a window opens. */
const SETTLE_MS = 1_000;

interface Step {
  calls: number;
  /** Packets per second the Opus source sent (50 when the generator keeps time). */
  sourcePps: number;
  media: MediaFigures;
  workerCores: number;
  busiestWorker: number;
  nodeCores: number;
  /** Resident memory the calls added, per call: the SFU worker's, and this Node process's. */
  workerKbPerCall: number;
  nodeKbPerCall: number;
  setupP50: number;
  setupP95: number;
}

/** Every live mediasoup worker of this process: the server's are found here by pid. */
const allWorkers = new Set<ms.Worker>();
mediasoup.observer.on('newworker', (w) => {
  allWorkers.add(w);
  w.observer.once('close', () => allWorkers.delete(w));
});

const log = (line: string) => process.stdout.write(`${line}\n`);
const f1 = (x: number) => x.toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `place` n times, PLACING at a time; the successes' results and the failures' count. */
async function placeMany<T>(n: number, place: () => Promise<T>): Promise<{ done: T[]; failed: string[] }> {
  const done: T[] = [];
  const failed: string[] = [];
  let left = n;
  await Promise.all(
    Array.from({ length: Math.min(PLACING, n) }, async () => {
      while (left > 0) {
        left -= 1;
        await place().then(
          (x) => done.push(x),
          (err: unknown) => failed.push(err instanceof Error ? err.message : String(err)),
        );
      }
    }),
  );
  return { done, failed };
}

/** One measuring window at the current load. */
async function measure(
  generator: Generator,
  workers: ms.Worker[],
  seconds: number,
  base: Usage,
  calls: number,
): Promise<Omit<Step, 'setupP50' | 'setupP95'>> {
  await sleep(SETTLE_MS);
  const c0 = await generator.counters();
  const s0 = await generator.sourcePackets();
  const u0 = await usage(workers);
  await sleep(seconds * 1_000);
  const u1 = await usage(workers);
  const s1 = await generator.sourcePackets();
  const c1 = await generator.counters();
  const wall = u1.at - u0.at;
  const perWorker = u1.workerCpu.map((c, i) => cores(u0.workerCpu[i] ?? c, c, wall));
  return {
    calls,
    sourcePps: (1_000 * (s1 - s0)) / wall,
    media: windowMedia(c0, c1),
    workerCores: perWorker.reduce((a, b) => a + b, 0),
    busiestWorker: Math.max(0, ...perWorker),
    nodeCores: cores(u0.nodeCpu, u1.nodeCpu, wall),
    workerKbPerCall: (u1.workerRss - base.workerRss) / 1024 / Math.max(1, calls),
    nodeKbPerCall: (u1.nodeRss - base.nodeRss) / 1024 / Math.max(1, calls),
  };
}

/** `bare`: no server and no call setup in the path, so neither Node's share nor setup times. */
function printStep(s: Step, failed: number, bare = false): void {
  log(
    [
      `${String(s.calls).padStart(6)} calls`,
      `worker ${pct(s.workerCores).padStart(5)} (${((1_000 * s.workerCores) / s.calls).toFixed(2)} m-core/call)`,
      ...(bare
        ? [`mem/call worker ${f1(s.workerKbPerCall)} KB`]
        : [
            `node ${pct(s.nodeCores).padStart(5)}`,
            `mem/call worker ${f1(s.workerKbPerCall)} KB + node ${f1(s.nodeKbPerCall)} KB`,
          ]),
      `loss ${s.media.lossPct.toFixed(3)} %`,
      `jitter p95 ${f1(s.media.jitterP95Ms)} ms`,
      ...(bare ? [] : [`setup p50/p95 ${s.setupP50.toFixed(0)}/${s.setupP95.toFixed(0)} ms`]),
      `source ${s.sourcePps.toFixed(0)} pkt/s`,
      ...(failed ? [`FAILED ${failed}`] : []),
    ].join(' | '),
  );
}

/** perf's view of a worker over a window: its hottest symbols (empty if perf can't run here). */
function perfTop(pid: number, seconds: number): string[] {
  const out = path.join(os.tmpdir(), `bench-load-${pid}.perf`);
  try {
    execFileSync(
      'perf',
      ['record', '-F', '499', '-p', String(pid), '-o', out, '--', 'sleep', String(seconds)],
      {
        stdio: 'ignore',
      },
    );
    const report = execFileSync(
      'perf',
      ['report', '-i', out, '--stdio', '--no-children', '--sort', 'dso,symbol', '--percent-limit', '2'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return report
      .split('\n')
      .filter((l) => /^\s+\d+\.\d+%/.test(l))
      .slice(0, 12)
      .map((l) => l.trim().replace(/\s+/g, ' '));
  } catch {
    return [];
  } finally {
    fs.rmSync(out, { force: true });
  }
}

/** The real server with one mediasoup worker pinned to the SFU's core, listening on `ip`. */
async function serve(ip: string, legs?: CreateLegTransport) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-load-'));
  const server: Server = await startServer({
    dataDir,
    webDir: path.join(dataDir, 'no-web'),
    noAnswerTimeoutMs: 60_000,
    media: { workers: 1, listen: { ip, ports: { min: 20_000, max: 39_999 } }, ...(legs ? { legs } : {}) },
    // Every party is a new account from one address, every call a new pair of devices.
    accountLimits: { signUpsPerHour: 1_000_000 },
    inviteLimits: {
      invitesPerCallerPerMinute: 1_000_000,
      invitesPerCalleePerMinute: 1_000_000,
      pushesPerDevicePerMinute: 1_000_000,
    },
    mediaLimits: { requestsPerSocketPerMinute: 1_000_000, requestsPerDevicePerMinute: 1_000_000 },
    log: createLogger('silent'),
  });
  const pids = server.media.workers.map((w) => w.pid);
  for (const pid of pids) pin(pid, SFU_CPU);
  // The server's workers as mediasoup objects, for their resource usage.
  const workers = [...allWorkers].filter((w) => pids.includes(w.pid));
  await new Promise<void>((r) => server.httpServer.listen(0, ip, r));
  const url = `http://${ip}:${(server.httpServer.address() as AddressInfo).port}`;
  return {
    workers,
    url,
    async stop() {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function engineRamp(
  opts: LoadOptions,
  generator: Generator,
): Promise<{ first: Step; limit: Step | null; last: Step; stop: string }> {
  const plain = plainSrtpLegs(generator);
  const server = await serve(SFU_IP, plain.legs);
  const { workers } = server;
  const calls = new EngineCalls(server.url, generator, plain.farEnd);
  const base = await usage(workers);
  log(
    `engine layer: real server, 1 SFU worker on CPU ${SFU_CPU} (pid ${workers.map((w) => w.pid).join(',')}), generator on CPU ${GENERATOR_CPU}`,
  );
  let limit: Step | null = null;
  let first: Step | null = null;
  let last: Step | null = null;
  let stop = `--max-calls ${opts.maxCalls} reached`;
  try {
    for (let target = opts.step; target <= opts.maxCalls; target += opts.step) {
      process.stderr.write(`… placing calls up to ${target}\n`);
      const placed = await placeMany(target - calls.calls, () => calls.place());
      const setups = placed.done.sort((a, b) => a - b);
      for (const why of new Set(placed.failed)) process.stderr.write(`  call failed: ${why}\n`);
      const m = await measure(generator, workers, opts.stepSeconds, base, calls.calls);
      const step: Step = { ...m, setupP50: percentile(setups, 0.5), setupP95: percentile(setups, 0.95) };
      const failed = placed.failed.length + calls.dropped;
      printStep(step, failed);
      last = step;
      first ??= step;
      const why = stopReason({
        calls: step.calls,
        failedCalls: failed,
        media: step.media,
        busiestWorkerCpu: step.busiestWorker,
      });
      if (why) {
        stop = why;
        break;
      }
      limit = step;
    }
    if (!last || !first) throw new Error('no step ran');
    log(`ramp stopped: ${stop}`);
    log(`\nprofile at ${calls.calls} calls (${opts.stepSeconds} s):`);
    const [profile, workerTop] = await Promise.all([
      profileFor(opts.stepSeconds * 1_000),
      new Promise<string[]>((resolve) =>
        resolve(perfTop(workers[0]?.pid ?? 0, Math.min(opts.stepSeconds, 10))),
      ),
    ]);
    log(
      `  split: SFU worker ${pct(last.workerCores)} of a core, server Node ${pct(last.nodeCores)} (last step)`,
    );
    log('  Node, by module (self time, of the time it was busy):');
    for (const h of profile.modules) log(`    ${pct(h.share).padStart(5)}  ${h.name}`);
    log('  Node, hottest functions (self time):');
    for (const h of profile.functions) log(`    ${pct(h.share).padStart(5)}  ${h.name}`);
    if (workerTop.length) {
      log('  SFU worker, hottest symbols (perf):');
      for (const l of workerTop) log(`    ${l}`);
    }
    return { first, limit, last, stop };
  } finally {
    await calls.hangUpAll();
    await server.stop();
  }
}

async function bare(calls: number, seconds: number, generator: Generator): Promise<Step> {
  const worker = await mediasoup.createWorker({ logLevel: 'warn', disableLiburing: true });
  pin(worker.pid, SFU_CPU);
  const bareCalls = new BareCalls(worker, generator, SFU_IP);
  try {
    const base = await usage([worker]);
    process.stderr.write(`… bare mediasoup: placing ${calls} calls\n`);
    const placed = await placeMany(calls, () => bareCalls.place());
    if (placed.failed.length) throw new Error(`bare calls failed: ${placed.failed[0]}`);
    const m = await measure(generator, [worker], seconds, base, bareCalls.calls);
    return { ...m, setupP50: NaN, setupP95: NaN };
  } finally {
    bareCalls.closeAll();
    worker.close();
  }
}

/** An address libwebrtc gathers candidates on (it leaves loopback out). */
function hostAddress(): string {
  const ip = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  if (!ip) throw new Error('no non-loopback IPv4 address for the real-path calibration');
  return ip;
}

/** Real WebRTC calls through the real server and WebRtcTransports: the SFU worker's CPU per call. */
async function calibration(n: number, seconds: number): Promise<{ workerPerCall: number; silent: number }> {
  const server = await serve(hostAddress());
  const calls = new RealCalls(server.url);
  try {
    process.stderr.write(`… real path: placing ${n} WebRTC calls (ICE/DTLS/SRTP, libwebrtc)\n`);
    const placed = await placeMany(n, () => calls.place());
    for (const why of new Set(placed.failed)) process.stderr.write(`  call failed: ${why}\n`);
    await sleep(SETTLE_MS);
    const r0 = await calls.received();
    const u0 = await usage(server.workers);
    await sleep(seconds * 1_000);
    const u1 = await usage(server.workers);
    const r1 = await calls.received();
    const worker = cores(u0.workerCpu[0] ?? 0, u1.workerCpu[0] ?? 0, u1.at - u0.at);
    const perCall = worker / Math.max(1, placed.done.length);
    log(
      `real path: ${placed.done.length} WebRTC calls (${placed.failed.length} failed) | worker ${pct(worker)} (${(1_000 * perCall).toFixed(2)} m-core/call)`,
    );
    return { workerPerCall: perCall, silent: r1.filter((x, i) => x <= (r0[i] ?? 0)).length };
  } finally {
    calls.close();
    await server.stop();
  }
}

async function main(): Promise<void> {
  let opts: LoadOptions;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  log(
    `bench:load ${JSON.stringify(opts)} — ${os.cpus().length} CPUs, load ${os.loadavg().map(f1).join(' ')}`,
  );
  assertWorkerBinary();
  const generator = await Generator.start({ ip: GENERATOR_IP, cpu: GENERATOR_CPU });
  try {
    const engine = await engineRamp(opts, generator);
    const at = engine.limit ?? engine.last;
    const b = await bare(at.calls, opts.stepSeconds, generator);
    log(`\nbare mediasoup at ${b.calls} calls:`);
    printStep(b, 0, true);
    generator.stop();
    const real = opts.calibrationCalls ? await calibration(opts.calibrationCalls, opts.stepSeconds) : null;
    const servingPerCall = (at.workerCores + at.nodeCores) / at.calls;
    const workerPerCall = at.workerCores / at.calls;
    const barePerCall = b.workerCores / b.calls;
    log(`\nresult (load ${os.loadavg().map(f1).join(' ')})`);
    log(
      `  limit: ${engine.stop}${engine.limit ? `; last step within limits: ${engine.limit.calls} calls` : '; no step was within limits'}`,
    );
    log(
      `  calls per core of the serving side (SFU worker + server Node): ${(1 / servingPerCall).toFixed(0)}`,
    );
    log(
      `  calls per core, SFU worker alone: ${(1 / workerPerCall).toFixed(0)}; bare mediasoup: ${(1 / barePerCall).toFixed(0)}`,
    );
    log(
      `  ratio to bare mediasoup: ${(servingPerCall / barePerCall).toFixed(2)}× the CPU per call (SFU worker alone ${(workerPerCall / barePerCall).toFixed(2)}×)`,
    );
    log(
      `  memory per call: SFU worker ${f1(at.workerKbPerCall)} KB + Node ${f1(at.nodeKbPerCall)} KB (server and the bench's clients); bare worker ${f1(b.workerKbPerCall)} KB`,
    );
    if (real)
      log(
        `  real-path calibration: a WebRTC call costs the worker ${(real.workerPerCall / (engine.first.workerCores / engine.first.calls)).toFixed(2)}× an engine-layer call at ${engine.first.calls} calls (${real.silent} silent downstreams) → ~${(1 / (workerPerCall * (real.workerPerCall / (engine.first.workerCores / engine.first.calls)) + at.nodeCores / at.calls)).toFixed(0)} real calls per core of the serving side`,
      );
  } finally {
    generator.stop();
  }
}

await main();
// libwebrtc's threads outlive their peer connections: the run is over.
process.exit(0);
