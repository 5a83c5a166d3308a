/**
 * A UDP impairment relay: user-space stand-in for `tc netem`, which this kernel lacks. It sits in
 * front of the SFU on the address the SFU announces (as a cloud host's 1:1 NAT does), one socket
 * per SFU port, and forwards every client's datagrams to the SFU's real address and back. A
 * client whose address is `impaired` gets its uplink and its downlink each through an
 * {@link ImpairedLink}: loss, delay, jitter, reordering, rate cap, outages. STUN, DTLS and RTP
 * alike, so ICE sees an outage as a browser would on a real network.
 *
 * Runs as its own process inside the public host's namespace (impairment-relay-main.ts), driven by
 * JSON lines on stdin; the rig drives it through {@link startImpairmentRelay}.
 */
import dgram from 'node:dgram';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild } from '@softphone/test-support/child';
import { ImpairedLink } from './impaired-link.ts';
import type { LinkImpairment } from './network-profiles.ts';

export interface RelayOptions {
  /** Where clients send (the SFU's announced address). */
  listenIp: string;
  /** Where the SFU really listens. */
  targetIp: string;
  ports: { min: number; max: number };
  /** The client address whose packets are impaired; everyone else's pass untouched. */
  impaired: string;
}

/** Control messages on stdin. */
export type RelayCommand = { link: LinkImpairment } | { outageMs: number };

interface Session {
  back: dgram.Socket;
}

export class ImpairmentRelay {
  private readonly up: ImpairedLink;
  private readonly down: ImpairedLink;
  private readonly sockets: dgram.Socket[] = [];

  constructor(
    private readonly o: RelayOptions,
    link: LinkImpairment,
  ) {
    this.up = new ImpairedLink(link);
    this.down = new ImpairedLink(link);
  }

  async start(): Promise<void> {
    const bound: Promise<void>[] = [];
    for (let port = this.o.ports.min; port <= this.o.ports.max; port++) bound.push(this.front(port));
    await Promise.all(bound);
  }

  set(link: LinkImpairment): void {
    this.up.set(link);
    this.down.set(link);
  }

  outage(ms: number): void {
    const until = Date.now() + ms;
    this.up.outage(until);
    this.down.outage(until);
  }

  close(): void {
    for (const s of this.sockets) s.close();
  }

  private front(port: number): Promise<void> {
    const front = dgram.createSocket('udp4');
    this.sockets.push(front);
    const sessions = new Map<string, Session>();
    front.on('message', (msg, from) => {
      const key = `${from.address}:${from.port}`;
      let s = sessions.get(key);
      if (!s) {
        const back = dgram.createSocket('udp4');
        this.sockets.push(back);
        back.on('message', (reply) =>
          this.pass(from.address === this.o.impaired ? this.down : null, reply, () =>
            front.send(reply, from.port, from.address),
          ),
        );
        back.bind(0, this.o.targetIp);
        s = { back };
        sessions.set(key, s);
      }
      const back = s.back;
      this.pass(from.address === this.o.impaired ? this.up : null, msg, () =>
        back.send(msg, port, this.o.targetIp),
      );
    });
    return new Promise((resolve, reject) => {
      front.once('error', reject);
      front.bind(port, this.o.listenIp, () => resolve());
    });
  }

  private pass(link: ImpairedLink | null, msg: Buffer, send: () => void): void {
    if (!link) return send();
    const now = Date.now();
    // 28: the IPv4 and UDP headers the rate cap counts too.
    const at = link.schedule(now, msg.length + 28);
    if (at === null) return;
    if (at <= now) send();
    else setTimeout(send, at - now);
  }
}

export interface RelayHandle {
  set(link: LinkImpairment): Promise<void>;
  /** Resolves when the outage is over. */
  outage(ms: number): Promise<void>;
  stop(): Promise<void>;
}

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'impairment-relay-main.ts');

/** Starts the relay as a child in `ns` (the public host's namespace). */
export async function startImpairmentRelay(
  ns: string,
  o: RelayOptions,
  link: LinkImpairment,
  logFile: string,
): Promise<RelayHandle> {
  const started = await startChild(
    'impairment relay',
    'ip',
    ['netns', 'exec', ns, process.execPath, '--import', 'tsx', MAIN, JSON.stringify({ options: o, link })],
    { ready: /^relay ready$/m, timeoutMs: 15_000, logFile, stdin: true },
  );
  const { child } = started;
  const answer = (re: RegExp) =>
    new Promise<void>((resolve) => {
      const on = (d: Buffer) => {
        if (re.test(d.toString())) {
          child.stdout?.off('data', on);
          resolve();
        }
      };
      child.stdout?.on('data', on);
    });
  const send = (cmd: RelayCommand, done: RegExp) => {
    const answered = answer(done);
    child.stdin?.write(`${JSON.stringify(cmd)}\n`);
    return answered;
  };
  return {
    set: (l) => send({ link: l }, /^applied$/m),
    outage: (ms) => send({ outageMs: ms }, /^outage over$/m),
    stop: started.stop,
  };
}
