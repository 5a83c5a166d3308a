/**
 * A node's load for placement: the average use of its mediasoup workers since the last reading,
 * from the CPU time they report (`worker.getResourceUsage()`: ru_utime + ru_stime, ms), 0..1.
 */
export class CpuMeter {
  private last: { cpuMs: number; at: number } | null = null;

  constructor(
    /** Total CPU time of the live workers so far, and how many there are. */
    private readonly usage: () => Promise<{ cpuMs: number; workers: number }>,
    private readonly now: () => number = Date.now,
  ) {}

  async read(): Promise<number> {
    const { cpuMs, workers } = await this.usage();
    const at = this.now();
    const prev = this.last;
    this.last = { cpuMs, at };
    if (!prev || workers === 0 || at <= prev.at) return 0;
    // A replaced worker starts its count again: that reading is not a negative load.
    const used = Math.max(0, cpuMs - prev.cpuMs);
    return Math.min(1, used / ((at - prev.at) * workers));
  }
}
