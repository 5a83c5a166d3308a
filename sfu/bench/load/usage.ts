/** CPU time and memory of the processes that serve the calls: mediasoup workers and this Node process. */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { types as ms } from 'mediasoup';

export interface Usage {
  at: number;
  /** Each worker's user + system CPU time, µs. */
  workerCpu: number[];
  /** This process's user + system CPU time, µs. */
  nodeCpu: number;
  workerRss: number;
  nodeRss: number;
}

/** Resident memory of a process, bytes (0 once it is gone). */
function rss(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kb ?? 0) * 1024;
  } catch {
    return 0;
  }
}

export async function usage(workers: ms.Worker[]): Promise<Usage> {
  // mediasoup reports getrusage() in ms.
  const workerCpu = await Promise.all(
    workers.map(async (w) => {
      const u = await w.getResourceUsage();
      return (u.ru_utime + u.ru_stime) * 1_000;
    }),
  );
  const node = process.cpuUsage();
  return {
    at: performance.now(),
    workerCpu,
    nodeCpu: node.user + node.system,
    workerRss: workers.reduce((n, w) => n + rss(w.pid), 0),
    nodeRss: process.memoryUsage().rss,
  };
}
