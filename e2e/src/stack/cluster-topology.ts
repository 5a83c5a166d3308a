/**
 * The multi-node topology: several server hosts behind a load balancer, their shared engines on a
 * private backbone, and two parties behind their own NATs (as topology.ts), all from network
 * namespaces, veth pairs and nftables:
 *
 *   caller ns ──lan── nata ns ──wan──┐                ┌── lb ns    (203.0.113.10: HAProxy, signalling only)
 *                                    ├── pub ns (br) ─┼── n1 ns    (203.0.113.11: server, SFU, TURN)
 *   callee ns ──lan── natb ns ──wan──┘                └── n2 ns    (203.0.113.12: server, SFU, TURN)
 *                                                          n1, n2 ──bb── infra ns (10.98.0.2: Redis, PostgreSQL)
 *
 * The parties reach the load balancer for signalling and each node's own address for media and
 * TURN; only the nodes reach the backbone. The test process reaches the nodes (their /healthz) and
 * the parties' browser drivers, and the nodes reach its stand-ins, over management links
 * (10.212.x.0/30) that carry no call traffic. Every name starts with `spm` so a run killed
 * before it tore its own down is cleared by the next, and nothing of topology.ts's is touched: its
 * root route holds 203.0.113.10, so the test process never routes to the load balancer itself.
 */
import { execFileSync } from 'node:child_process';
import { natRuleset } from './topology.ts';

export const LB_IP = '203.0.113.10';
export const NODE_NAMES = ['n1', 'n2'] as const;
export type NodeName = (typeof NODE_NAMES)[number];
/** Each node's public address: what it announces for media and where its TURN relay listens. */
export const NODE_IP: Record<NodeName, string> = { n1: '203.0.113.11', n2: '203.0.113.12' };
/** Each node's address on the backbone, where it meets Redis and PostgreSQL. */
export const NODE_BACKBONE_IP: Record<NodeName, string> = { n1: '10.98.0.11', n2: '10.98.0.12' };
export const INFRA_IP = '10.98.0.2';
export const BACKBONE = '10.98.0.0/24';
/** The root namespace's end of the public router's management link (reachable from the nodes). */
export const ROOT_MGMT_IP = '10.212.0.1';

export type PartyName = 'caller' | 'callee';

interface PartyNet {
  ns: string;
  nat: string;
  mgmtIp: string;
  lanPrefix: string;
  natIp: string;
  gateway: string;
}

const sh = (cmd: string, args: string[], input?: string) =>
  execFileSync(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(input ? { input } : {}) }).toString();
const ip = (...args: string[]) => sh('ip', args);
const inNs = (ns: string, ...args: string[]) => sh('ip', ['netns', 'exec', ns, ...args]);

export class ClusterTopology {
  readonly publicNs = 'spm-pub';
  readonly lbNs = 'spm-lb';
  readonly infraNs = 'spm-infra';
  private readonly parties: Record<PartyName, PartyNet> = {
    caller: {
      ns: 'spm-a',
      nat: 'spm-nata',
      mgmtIp: '10.212.1.2',
      lanPrefix: '10.1.0',
      natIp: '198.51.100.2',
      gateway: '198.51.100.1',
    },
    callee: {
      ns: 'spm-b',
      nat: 'spm-natb',
      mgmtIp: '10.212.2.2',
      lanPrefix: '10.2.0',
      natIp: '198.51.100.6',
      gateway: '198.51.100.5',
    },
  };
  private readonly rootLinks = ['spmp', 'spma', 'spmb'];

  /** Builds every namespace and link, clearing what a killed run left first. */
  static build(): ClusterTopology {
    const t = new ClusterTopology();
    t.destroy();
    try {
      t.create();
    } catch (err) {
      t.destroy();
      const e = err as { stderr?: Buffer; message?: string };
      throw new Error(`cannot build the cluster topology: ${(e.stderr?.toString() || e.message) ?? ''}`);
    }
    return t;
  }

  nodeNs(n: NodeName): string {
    return `spm-${n}`;
  }

  nsOf(p: PartyName): string {
    return this.parties[p].ns;
  }

  mgmtIpOf(p: PartyName): string {
    return this.parties[p].mgmtIp;
  }

  rootMgmtIpOf(p: PartyName): string {
    return this.parties[p].mgmtIp.replace(/\.2$/, '.1');
  }

  /** The address the load balancer and the nodes see the party's traffic come from: its NAT's. */
  natAddressOf(p: PartyName): string {
    return this.parties[p].natIp;
  }

  /** Process ids running in a namespace (a host's processes). */
  pidsIn(ns: string): number[] {
    return ip('netns', 'pids', ns).split('\n').filter(Boolean).map(Number);
  }

  destroy(): void {
    const namespaces = [
      this.publicNs,
      this.lbNs,
      this.infraNs,
      ...NODE_NAMES.map((n) => this.nodeNs(n)),
      ...Object.values(this.parties).flatMap((p) => [p.ns, p.nat]),
    ];
    for (const ns of namespaces) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // Not made.
      }
    }
    for (const link of this.rootLinks) {
      try {
        ip('link', 'del', link);
      } catch {
        // Went with its namespace.
      }
    }
  }

  private create(): void {
    const pub = this.publicNs;
    for (const ns of [pub, this.lbNs, this.infraNs, ...NODE_NAMES.map((n) => this.nodeNs(n))]) {
      ip('netns', 'add', ns);
      inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    }
    inNs(pub, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    // The public side: one bridge, the load balancer and the nodes on it, the NATs routed to it.
    inNs(pub, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    inNs(pub, 'ip', 'addr', 'add', '203.0.113.1/24', 'dev', 'br0');
    inNs(pub, 'ip', 'link', 'set', 'br0', 'up');
    const hosts: [string, string, string][] = [
      [this.lbNs, LB_IP, 'lb'],
      ...NODE_NAMES.map((n): [string, string, string] => [this.nodeNs(n), NODE_IP[n], n]),
    ];
    for (const [ns, addr, port] of hosts) {
      ip('link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', pub);
      inNs(pub, 'ip', 'link', 'set', port, 'master', 'br0');
      inNs(pub, 'ip', 'link', 'set', port, 'up');
      inNs(ns, 'ip', 'addr', 'add', `${addr}/24`, 'dev', 'eth0');
      inNs(ns, 'ip', 'link', 'set', 'eth0', 'up');
      inNs(ns, 'ip', 'route', 'add', 'default', 'via', '203.0.113.1');
    }
    // The backbone: a bridge in infra, one leg per node; no route from it to anywhere else.
    inNs(this.infraNs, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    inNs(this.infraNs, 'ip', 'addr', 'add', `${INFRA_IP}/24`, 'dev', 'br0');
    inNs(this.infraNs, 'ip', 'link', 'set', 'br0', 'up');
    for (const n of NODE_NAMES) {
      ip(
        'link',
        'add',
        'bb',
        'netns',
        this.nodeNs(n),
        'type',
        'veth',
        'peer',
        'name',
        n,
        'netns',
        this.infraNs,
      );
      inNs(this.infraNs, 'ip', 'link', 'set', n, 'master', 'br0');
      inNs(this.infraNs, 'ip', 'link', 'set', n, 'up');
      inNs(this.nodeNs(n), 'ip', 'addr', 'add', `${NODE_BACKBONE_IP[n]}/24`, 'dev', 'bb');
      inNs(this.nodeNs(n), 'ip', 'link', 'set', 'bb', 'up');
    }
    // The test process ↔ the public router: it reaches the nodes, and they reach its stand-ins.
    ip('link', 'add', 'spmp', 'type', 'veth', 'peer', 'name', 'mgmt', 'netns', pub);
    ip('addr', 'add', `${ROOT_MGMT_IP}/30`, 'dev', 'spmp');
    ip('link', 'set', 'spmp', 'up');
    inNs(pub, 'ip', 'addr', 'add', '10.212.0.2/30', 'dev', 'mgmt');
    inNs(pub, 'ip', 'link', 'set', 'mgmt', 'up');
    for (const n of NODE_NAMES) ip('route', 'replace', `${NODE_IP[n]}/32`, 'via', '10.212.0.2');

    for (const p of ['caller', 'callee'] as const) {
      const n = this.parties[p];
      const side = p === 'caller' ? 'a' : 'b';
      ip('netns', 'add', n.nat);
      ip('netns', 'add', n.ns);
      for (const ns of [n.nat, n.ns]) inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
      const pubSide = `nat-${side}`;
      ip('link', 'add', 'wan', 'netns', n.nat, 'type', 'veth', 'peer', 'name', pubSide, 'netns', pub);
      inNs(n.nat, 'ip', 'addr', 'add', `${n.natIp}/30`, 'dev', 'wan');
      inNs(pub, 'ip', 'addr', 'add', `${n.gateway}/30`, 'dev', pubSide);
      inNs(n.nat, 'ip', 'link', 'set', 'wan', 'up');
      inNs(pub, 'ip', 'link', 'set', pubSide, 'up');
      inNs(n.nat, 'ip', 'route', 'add', 'default', 'via', n.gateway);
      ip('link', 'add', 'lan', 'netns', n.nat, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.ns);
      inNs(n.nat, 'ip', 'addr', 'add', `${n.lanPrefix}.1/24`, 'dev', 'lan');
      inNs(n.ns, 'ip', 'addr', 'add', `${n.lanPrefix}.2/24`, 'dev', 'eth0');
      inNs(n.nat, 'ip', 'link', 'set', 'lan', 'up');
      inNs(n.ns, 'ip', 'link', 'set', 'eth0', 'up');
      inNs(n.ns, 'ip', 'route', 'add', 'default', 'via', `${n.lanPrefix}.1`);
      inNs(n.nat, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
      const rootSide = `spm${side}`;
      ip('link', 'add', rootSide, 'type', 'veth', 'peer', 'name', 'mgmt', 'netns', n.ns);
      ip('addr', 'add', `${this.rootMgmtIpOf(p)}/30`, 'dev', rootSide);
      ip('link', 'set', rootSide, 'up');
      inNs(n.ns, 'ip', 'addr', 'add', `${n.mgmtIp}/30`, 'dev', 'mgmt');
      inNs(n.ns, 'ip', 'link', 'set', 'mgmt', 'up');
      sh(
        'ip',
        ['netns', 'exec', n.nat, 'nft', '-f', '-'],
        natRuleset('open', { web: 0, turn: 0, turnTls: 0 }),
      );
    }
  }
}
