/**
 * Real network topologies from network namespaces, veth pairs and the kernel's NAT (nftables), for
 * calls between people on different networks:
 *
 *   caller ns ──lan── natA ns ──wan──┐
 *                                    ├── public ns (203.0.113.10: server, SFU, TURN relay)
 *   callee ns ──lan── natB ns ──wan──┘
 *
 * Each party sits on a private network (10.1.0.0/24, 10.2.0.0/24) behind its own NAT (nftables
 * masquerade, so the public host sees only the NAT's address). Each NAT's firewall is a policy
 * ({@link NatPolicy}) changed during a test. The test process stays in the root namespace and
 * reaches the public host and each party's browser driver through management links of their own
 * (10.211.x.0/30), which carry no call traffic: each party's only route to the public host is its NAT.
 * Needs root; {@link cannotBuildTopology} says why not where it can't.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';

export const PUBLIC_IP = '203.0.113.10';
/**
 * Where the SFU really listens on the public host: behind the impairment relay, which holds
 * PUBLIC_IP's media ports as a cloud provider's 1:1 NAT holds a host's public address.
 */
export const SFU_PRIVATE_IP = '10.99.99.1';

export type PartyName = 'caller' | 'callee';

/**
 * What a NAT lets out (nothing unsolicited ever gets in: conntrack lets in only answers).
 * - `open`: a home router: anything out.
 * - `turn-only`: an office firewall: out only to the web (TCP) and TURN ports (UDP and TCP);
 *   no UDP to anywhere else, so no direct media path to the SFU.
 * - `no-udp`: a network that blocks UDP entirely: out only to the web and TURN TCP/TLS ports.
 * - `tls-only`: no UDP, and TCP only to the web and the relay's TLS port (a proxy-like firewall).
 */
export type NatPolicy = 'open' | 'turn-only' | 'no-udp' | 'tls-only';

export interface PublicPorts {
  web: number;
  /** The relay's UDP + TCP port. */
  turn: number;
  /** The relay's TLS port. */
  turnTls: number;
}

interface PartyNet {
  ns: string;
  nat: string;
  /** The party's management address (its browser driver listens there). */
  mgmtIp: string;
  lanPrefix: string;
}

const sh = (cmd: string, args: string[], input?: string) =>
  execFileSync(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(input ? { input } : {}) }).toString();
const ip = (...args: string[]) => sh('ip', args);
const inNs = (ns: string, cmd: string, ...args: string[]) => sh('ip', ['netns', 'exec', ns, cmd, ...args]);

/** Null when this machine can build topologies; otherwise why not (for a test's skip). */
export function cannotBuildTopology(): string | null {
  const probe = `sp-probe-${crypto.randomBytes(2).toString('hex')}`;
  try {
    ip('netns', 'add', probe);
  } catch (err) {
    return `cannot create a network namespace here (${firstLine(err)}); needs root`;
  } finally {
    try {
      ip('netns', 'del', probe);
    } catch {
      // Never made.
    }
  }
  try {
    sh('nft', ['--version']);
  } catch {
    return 'nftables is not installed (apt-get install nftables; setup does it)';
  }
  return null;
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: Buffer; message?: string };
  return (e.stderr?.toString() || e.message || String(err)).split('\n')[0] ?? '';
}

export class Topology {
  private readonly parties: Record<PartyName, PartyNet>;
  readonly publicNs: string;
  /** The root namespace's side of every management link, to take them down at the end. */
  private readonly rootLinks: string[] = [];

  private constructor(private readonly tag: string) {
    this.publicNs = `sp${tag}-pub`;
    this.parties = {
      caller: { ns: `sp${tag}-a`, nat: `sp${tag}-nata`, mgmtIp: '10.211.1.2', lanPrefix: '10.1.0' },
      callee: { ns: `sp${tag}-b`, nat: `sp${tag}-natb`, mgmtIp: '10.211.2.2', lanPrefix: '10.2.0' },
    };
  }

  /**
   * Builds the namespaces, links, routes and open NATs. Names and addresses are fixed (one
   * topology per machine at a time), so a run killed before it tore its own down is cleared first.
   */
  static build(): Topology {
    const t = new Topology('11');
    t.destroy();
    try {
      t.create();
    } catch (err) {
      t.destroy();
      throw new Error(`cannot build the topology: ${firstLine(err)}`);
    }
    return t;
  }

  /** The party's network namespace (its browser runs there). */
  nsOf(p: PartyName): string {
    return this.parties[p].ns;
  }

  mgmtIpOf(p: PartyName): string {
    return this.parties[p].mgmtIp;
  }

  /** The root namespace's end of the party's management link. */
  rootMgmtIpOf(p: PartyName): string {
    return this.parties[p].mgmtIp.replace(/\.2$/, '.1');
  }

  /** The address the public host sees the party's traffic come from: its NAT's. */
  natAddressOf(p: PartyName): string {
    return p === 'caller' ? '198.51.100.2' : '198.51.100.6';
  }

  /** Replaces the party's NAT firewall. */
  setPolicy(p: PartyName, policy: NatPolicy, ports: PublicPorts): void {
    const n = this.parties[p];
    sh('ip', ['netns', 'exec', n.nat, 'nft', '-f', '-'], natRuleset(policy, ports));
  }

  /** Takes the party's uplink down (true) or up (false): a network outage for everything it sends. */
  setOutage(p: PartyName, down: boolean): void {
    inNs(this.parties[p].nat, 'ip', 'link', 'set', 'wan', down ? 'down' : 'up');
    if (!down) inNs(this.parties[p].nat, 'ip', 'route', 'replace', 'default', 'via', this.wanGateway(p));
  }

  /**
   * Cuts the party's signalling only (true), or restores it: its NAT resets every TCP connection
   * to or from the server's web port, both ways, as a phone's sockets die in a handover, and
   * refuses new ones; media (UDP, and the relay's ports) still flows. A policy change lifts it.
   */
  cutSignalling(p: PartyName, webPort: number, cut: boolean): void {
    const nat = this.parties[p].nat;
    if (!cut) {
      inNs(nat, 'nft', 'delete', 'table', 'inet', 'softphone_cut');
      return;
    }
    // Before the NAT's own filter (priority 0), which would accept the established connection.
    sh(
      'ip',
      ['netns', 'exec', nat, 'nft', '-f', '-'],
      `table inet softphone_cut {
  chain forward {
    type filter hook forward priority -10;
    tcp dport ${webPort} reject with tcp reset
    tcp sport ${webPort} reject with tcp reset
  }
}
`,
    );
  }

  /**
   * Moves the party to another address on its network, as a phone that changed networks: every
   * connection from the old address is dead (for signalling and media alike) and new ones come
   * from the new address, through the NAT to a new public port. Each call alternates .2 and .3.
   */
  moveAddress(p: PartyName): string {
    const n = this.parties[p];
    const from = inNs(n.ns, 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0').includes(`${n.lanPrefix}.2/`)
      ? `${n.lanPrefix}.2`
      : `${n.lanPrefix}.3`;
    const to = from.endsWith('.2') ? `${n.lanPrefix}.3` : `${n.lanPrefix}.2`;
    // The old one goes first: a second address in the subnet would go with it (a secondary).
    inNs(n.ns, 'ip', 'addr', 'del', `${from}/24`, 'dev', 'eth0');
    inNs(n.ns, 'ip', 'addr', 'add', `${to}/24`, 'dev', 'eth0');
    inNs(n.ns, 'ip', 'route', 'replace', 'default', 'via', `${n.lanPrefix}.1`);
    return to;
  }

  destroy(): void {
    for (const ns of [this.publicNs, ...Object.values(this.parties).flatMap((n) => [n.ns, n.nat])]) {
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
    try {
      ip('route', 'del', `${PUBLIC_IP}/32`);
    } catch {
      // Not added.
    }
  }

  private wanGateway(p: PartyName): string {
    return p === 'caller' ? '198.51.100.1' : '198.51.100.5';
  }

  private create(): void {
    const pub = this.publicNs;
    ip('netns', 'add', pub);
    inNs(pub, 'ip', 'link', 'set', 'lo', 'up');
    inNs(pub, 'ip', 'addr', 'add', `${PUBLIC_IP}/32`, 'dev', 'lo');
    inNs(pub, 'ip', 'addr', 'add', `${SFU_PRIVATE_IP}/32`, 'dev', 'lo');
    // The public host's management link: the test process reaches the server through it.
    const rootPub = `sp${this.tag}p`;
    ip('link', 'add', rootPub, 'type', 'veth', 'peer', 'name', 'mgmt', 'netns', pub);
    this.rootLinks.push(rootPub);
    ip('addr', 'add', '10.211.0.1/30', 'dev', rootPub);
    ip('link', 'set', rootPub, 'up');
    inNs(pub, 'ip', 'addr', 'add', '10.211.0.2/30', 'dev', 'mgmt');
    inNs(pub, 'ip', 'link', 'set', 'mgmt', 'up');
    ip('route', 'replace', `${PUBLIC_IP}/32`, 'via', '10.211.0.2');

    for (const p of ['caller', 'callee'] as const) {
      const n = this.parties[p];
      const side = p === 'caller' ? 'a' : 'b';
      const gw = this.wanGateway(p);
      ip('netns', 'add', n.nat);
      ip('netns', 'add', n.ns);
      for (const ns of [n.nat, n.ns]) inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
      // NAT ↔ public host.
      const pubSide = `nat-${side}`;
      ip('link', 'add', 'wan', 'netns', n.nat, 'type', 'veth', 'peer', 'name', pubSide, 'netns', pub);
      inNs(n.nat, 'ip', 'addr', 'add', `${this.natAddressOf(p)}/30`, 'dev', 'wan');
      inNs(pub, 'ip', 'addr', 'add', `${gw}/30`, 'dev', pubSide);
      inNs(n.nat, 'ip', 'link', 'set', 'wan', 'up');
      inNs(pub, 'ip', 'link', 'set', pubSide, 'up');
      inNs(n.nat, 'ip', 'route', 'add', 'default', 'via', gw);
      // Party ↔ NAT.
      ip('link', 'add', 'lan', 'netns', n.nat, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.ns);
      inNs(n.nat, 'ip', 'addr', 'add', `${n.lanPrefix}.1/24`, 'dev', 'lan');
      inNs(n.ns, 'ip', 'addr', 'add', `${n.lanPrefix}.2/24`, 'dev', 'eth0');
      inNs(n.nat, 'ip', 'link', 'set', 'lan', 'up');
      inNs(n.ns, 'ip', 'link', 'set', 'eth0', 'up');
      inNs(n.ns, 'ip', 'route', 'add', 'default', 'via', `${n.lanPrefix}.1`);
      inNs(n.nat, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
      // The party's management link: its browser driver, nothing else.
      const rootSide = `sp${this.tag}${side}`;
      const octet = side === 'a' ? 1 : 2;
      ip('link', 'add', rootSide, 'type', 'veth', 'peer', 'name', 'mgmt', 'netns', n.ns);
      this.rootLinks.push(rootSide);
      ip('addr', 'add', `10.211.${octet}.1/30`, 'dev', rootSide);
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

/** The NAT's whole nftables ruleset for a policy (replacing the previous one). */
export function natRuleset(policy: NatPolicy, ports: PublicPorts): string {
  const out =
    policy === 'open'
      ? ['accept']
      : [
          policy === 'tls-only'
            ? `ip daddr ${PUBLIC_IP} tcp dport { ${ports.web}, ${ports.turnTls} } accept`
            : `ip daddr ${PUBLIC_IP} tcp dport { ${ports.web}, ${ports.turn}, ${ports.turnTls} } accept`,
          ...(policy === 'turn-only' ? [`ip daddr ${PUBLIC_IP} udp dport ${ports.turn} accept`] : []),
          'drop',
        ];
  return `flush ruleset
table ip softphone_nat {
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "lan" oifname "wan" jump outbound
  }
  chain outbound {
    ${out.join('\n    ')}
  }
  chain postrouting {
    type nat hook postrouting priority 100;
    oifname "wan" masquerade
  }
}
`;
}
