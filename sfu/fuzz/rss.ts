/** Samples a server process's RSS at an interval: start, peak and end. */
import type { ServerProcess } from './server-process.ts';

export interface RssFigures {
  startKiB: number;
  peakKiB: number;
  endKiB: number;
  samples: number;
}

export function sampleRss(server: ServerProcess, everyMs: number): { stop(): RssFigures } {
  const f: RssFigures = { startKiB: server.rssKiB(), peakKiB: 0, endKiB: 0, samples: 1 };
  f.peakKiB = f.startKiB;
  const sample = () => {
    if (server.exit() !== null) return;
    const kib = server.rssKiB();
    f.peakKiB = Math.max(f.peakKiB, kib);
    f.endKiB = kib;
    f.samples++;
  };
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return f;
    },
  };
}
