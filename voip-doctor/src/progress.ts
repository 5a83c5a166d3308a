/** Progress on stderr while big inputs are read; stdout stays clean for --json / --html. */

export interface ProgressOptions {
  total: number | null;
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  intervalMs?: number;
}

const MB = 1024 * 1024;

export class Progress {
  private done = 0;
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ProgressOptions) {}

  add(n: number): void {
    this.done += n;
  }

  start(): void {
    this.timer = setInterval(() => this.print(false), this.opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.print(true);
  }

  private print(last: boolean): void {
    const secs = Math.max((Date.now() - this.started) / 1000, 0.001);
    const total = this.opts.total;
    const pct = total ? ` (${Math.min(100, Math.round((100 * this.done) / total))}%)` : '';
    const of = total ? `/${(total / MB).toFixed(1)}` : '';
    const line = `voip-doctor: ${(this.done / MB).toFixed(1)}${of} MB${pct}, ${(this.done / MB / secs).toFixed(0)} MB/s`;
    const tty = this.opts.stream.isTTY === true;
    this.opts.stream.write(tty ? `\r${line}${last ? '\n' : ''}` : `${line}\n`);
  }
}
