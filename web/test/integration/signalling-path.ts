/**
 * A network path between one Node phone and the server that a test can cut and restore: a TCP
 * relay on loopback. Cutting it resets both sides' connections (as a handover does to a phone's
 * sockets) and refuses new ones until it is restored, so the phone's socket.io keeps retrying.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export class SignallingPath {
  private readonly sockets = new Set<net.Socket>();
  private cut = false;
  private readonly server: net.Server;

  private constructor(target: URL) {
    this.server = net.createServer((client) => {
      if (this.cut) {
        client.resetAndDestroy();
        return;
      }
      const upstream = net.connect(Number(target.port), target.hostname);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(a);
        a.pipe(b);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
      }
    });
  }

  /** A path to the server at `url`; its own URL is {@link SignallingPath.url}. */
  static async open(url: string): Promise<SignallingPath> {
    const path = new SignallingPath(new URL(url));
    await new Promise<void>((r) => path.server.listen(0, '127.0.0.1', r));
    return path;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resets every connection on the path and refuses new ones. */
  down(): void {
    this.cut = true;
    for (const s of this.sockets) s.resetAndDestroy();
  }

  up(): void {
    this.cut = false;
  }

  async close(): Promise<void> {
    this.down();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
