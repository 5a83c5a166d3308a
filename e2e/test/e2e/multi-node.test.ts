/**
 * Past one machine, on real engines in namespaces (src/stack/cluster.ts): two nodes (the real
 * server, each with its SFU and coturn) behind HAProxy, Redis and PostgreSQL on a private backbone,
 * two parties in Chromium behind their own NATs. The load balancer pins the caller to n1 and the
 * callee to n2 by their NAT's address while those nodes are up (HAProxy `use-server`), and sends
 * them to the live node otherwise: a party's reconnect after its node died goes through the same
 * load balancer as a phone's would. Every call is judged per direction by the rig.
 * Needs root, HAProxy, Redis, PostgreSQL and coturn (setup installs them); elsewhere it is skipped,
 * saying why, and with CI=true it fails saying why (test-support/environment-skip).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { environmentSkip } from '@softphone/test-support/environment-skip';
import { POSTGRES_BIN } from '@softphone/test-support/engines/postgres';
import { REDIS_SERVER } from '@softphone/test-support/engines/redis';
import { WebPushMessageSchema } from '@softphone/sfu/protocol';
import { SIGNATURES, writeSignatureWav } from '../../src/audio/wav.ts';
import type { DevTools } from '../../src/rig/devtools.ts';
import { waitHeardBothWays } from '../../src/rig/heard-both-ways.ts';
import { namespacedDevTools } from '../../src/rig/namespaced-devtools.ts';
import type { Party } from '../../src/rig/party.ts';
import { pushManagerStandIn } from '../../src/rig/push-manager-stand-in.ts';
import { Rig } from '../../src/rig/rig.ts';
import { backboneReachable, CLUSTER_PORTS, startCluster, type Cluster } from '../../src/stack/cluster.ts';
import { INFRA_IP, LB_IP, type NodeName } from '../../src/stack/cluster-topology.ts';
import { cannotBuildTopology } from '../../src/stack/topology.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-multi-node-'));
const wav = (name: 'caller' | 'callee') => {
  const f = path.join(dir, `${name}.wav`);
  writeSignatureWav(f, SIGNATURES[name]);
  return f;
};

function cannotRun(): string | null {
  const topology = cannotBuildTopology();
  if (topology) return topology;
  const tools: [string, string][] = [
    ['haproxy', 'haproxy'],
    [REDIS_SERVER, 'redis-server'],
    [path.join(POSTGRES_BIN, 'postgres'), 'postgresql'],
    ['turnserver', 'coturn'],
  ];
  for (const [bin, pkg] of tools) {
    try {
      execFileSync(bin, ['--version'], { stdio: 'ignore' });
    } catch {
      if (bin !== 'haproxy') return `${pkg} is not installed (apt-get install ${pkg}; setup does it)`;
      try {
        execFileSync(bin, ['-v'], { stdio: 'ignore' });
      } catch {
        return 'haproxy is not installed (apt-get install haproxy; setup does it)';
      }
    }
  }
  return null;
}
const cannot = environmentSkip(cannotRun());

async function startRig(cluster: Cluster, name: string): Promise<Rig> {
  return Rig.start({
    profile: 'linux-chromium',
    wav: { caller: wav('caller'), callee: wav('callee') },
    logDir: path.join(dir, name),
    serverUrl: cluster.url,
    topology: cluster.topology,
  });
}

/** Dials, answers, and waits until heard both ways; returns the call's id. */
async function twoWayCall(caller: Party, callee: Party): Promise<string> {
  await caller.call(callee);
  await callee.waitForScreen('incoming');
  await callee.answer();
  await Promise.all([caller.waitForScreen('in-call'), callee.waitForScreen('in-call')]);
  const heard = await waitHeardBothWays(caller, callee, Date.now() - 2_000);
  assert.ok(heard.heardByA.heard && heard.heardByB.heard, `not two-way: ${JSON.stringify(heard)}`);
  const id = (await caller.snapshot(1e9)).state.call?.id;
  assert.ok(id, 'the caller has no call id');
  return id;
}

async function hangUp(by: Party, other: Party): Promise<void> {
  await by.hangup();
  await Promise.all([by.waitForScreen('ended'), other.waitForScreen('ended')]);
  await Promise.all([by.dismiss(), other.dismiss()]);
}

/** Heard both ways from `since` on: the media path outlived what happened at `since`. */
async function assertStillHeard(caller: Party, callee: Party, since: number, what: string): Promise<void> {
  const heard = await waitHeardBothWays(caller, callee, since, 15_000);
  assert.ok(heard.heardByB.heard, `${what}: caller->callee not heard: ${JSON.stringify(heard.heardByB)}`);
  assert.ok(heard.heardByA.heard, `${what}: callee->caller not heard: ${JSON.stringify(heard.heardByA)}`);
}

/** Waits until the party's page is connected to a server and welcomed. */
async function waitConnected(p: Party, timeout = 20_000): Promise<void> {
  await p.driver.waitUntil(async () => (await p.snapshot(1e9)).state.connection === 'connected', {
    timeout,
    interval: 100,
    timeoutMsg: `${p.who}: not connected again within ${timeout} ms`,
  });
}

/** The node the load balancer sent the source's newest connection to. */
function lastNodeOf(cluster: Cluster, source: string): string | undefined {
  return cluster.lb
    .connections()
    .filter((c) => c.source === source)
    .at(-1)?.server;
}

/** The call ids of the incoming-call pushes the cluster's push service accepted, in order. */
function incomingCallPushes(cluster: Cluster): string[] {
  return (cluster.webPush?.received ?? []).flatMap((p) => {
    const m = WebPushMessageSchema.parse(JSON.parse(p.plaintext));
    return m.kind === 'incoming-call' ? [m.call.callId] : [];
  });
}

/**
 * The callee turns call notifications on (its page subscribes with the cluster's push stand-in,
 * whose deliveries reach the browser's service worker through DevTools), then closes the app: only
 * a push can tell it of a call. The caller calls it; exactly one push is accepted for the call, the
 * worker shows one notification, and the callee, woken, opens the app through the load balancer
 * ("Answer" on the notification), answers, and is heard both ways. Returns the call's id.
 */
async function callSleepingCallee(cluster: Cluster, rig: Rig, logDir: string): Promise<string> {
  const { caller, callee } = rig;
  const pushService = cluster.webPush;
  assert.ok(pushService, 'the cluster runs without a push service');
  const origin = new URL(cluster.url).origin;
  const devtools = await namespacedDevTools(
    callee.driver,
    cluster.topology,
    'callee',
    path.join(logDir, 'callee-devtools-forwarder.log'),
  );
  let tools: DevTools = await devtools.attach();
  try {
    const subscription = pushService.subscribe((data) => tools.deliverPush(origin, data));
    await tools.grant(origin, ['notifications']);
    await tools.beforeEveryPage(pushManagerStandIn(subscription));
    await callee.driver.refresh();
    await callee.waitForScreen('contacts', 20_000);
    const enable = callee.driver.$('>>>[data-test="call-notifications-enable"]');
    await enable.waitForClickable({ timeout: 10_000, timeoutMsg: 'no offer to turn call notifications on' });
    await enable.click();
    await callee.driver.waitUntil(async () => (await callee.snapshot(1e9)).state.callNotifications === 'on', {
      timeout: 10_000,
      timeoutMsg: 'call notifications did not turn on',
    });
    // No tab of the app open any more (an empty one keeps the browser session).
    const appTab = await callee.driver.getWindowHandle();
    await callee.driver.newWindow('about:blank');
    const emptyTab = await callee.driver.getWindowHandle();
    await callee.driver.switchToWindow(appTab);
    await callee.driver.closeWindow();
    await callee.driver.switchToWindow(emptyTab);
    // The session was the closed tab's; permission overrides live as long as the session.
    await tools.close();
    tools = await devtools.attach();
    await tools.grant(origin, ['notifications']);
    await caller.waitUntilAsleep(callee, 15_000);

    const pushedBefore = incomingCallPushes(cluster).length;
    await caller.call(callee);
    const push = await pushService.nextPush(() => incomingCallPushes(cluster).length > pushedBefore, 15_000);
    const message = WebPushMessageSchema.parse(JSON.parse(push.plaintext));
    assert.ok(message.kind === 'incoming-call', `not a call push: ${push.plaintext}`);
    const callId = message.call.callId;
    let shown: { title: string; tag: string; actions: string[] }[] = [];
    await callee.driver.waitUntil(async () => (shown = await tools.notifications(origin)).length > 0, {
      timeout: 10_000,
      interval: 250,
      timeoutMsg: 'no notification shown for the pushed call',
    });
    assert.deepEqual(
      shown.map((n) => n.tag),
      [callId],
    );
    // "Answer" on the notification opens the app at this URL (service-worker.ts, launchUrl).
    await callee.driver.url(new URL(`/?call=${callId}&action=answer`, cluster.url).toString());
    await Promise.all([caller.waitForScreen('in-call', 20_000), callee.waitForScreen('in-call', 20_000)]);
    const answeredAt = (await callee.snapshot(1e9)).marks?.answeredAt ?? Date.now();
    const heard = await waitHeardBothWays(caller, callee, answeredAt);
    assert.ok(heard.heardByB.heard, `caller->callee not heard: ${JSON.stringify(heard.heardByB)}`);
    assert.ok(heard.heardByA.heard, `callee->caller not heard: ${JSON.stringify(heard.heardByA)}`);
    // Answered and heard: any other node's push for this ring would have been sent by now.
    assert.deepEqual(
      incomingCallPushes(cluster).filter((id) => id === callId),
      [callId],
      'exactly one push woke the callee',
    );
    await hangUp(caller, callee);
    return callId;
  } finally {
    await tools.close();
    await devtools.stop();
  }
}

/** UDP sockets a node's SFU holds in its RTC port range (one per WebRTC transport). */
function rtcSockets(cluster: Cluster, n: NodeName): number {
  const out = execFileSync('ip', ['netns', 'exec', cluster.topology.nodeNs(n), 'ss', '-Huan'], {
    stdio: 'pipe',
  }).toString();
  return out
    .split('\n')
    .map((l) => Number(/\s\S+:(\d+)\s/.exec(l)?.[1]))
    .filter((port) => port >= 40000 && port <= 40039).length;
}

describe(
  'the multi-node rig itself: one server of today behind the load balancer',
  { timeout: 240_000, skip: cannot },
  () => {
    let cluster: Cluster;
    let rig: Rig;
    before(async () => {
      cluster = await startCluster({
        logDir: path.join(dir, 'rig-check'),
        nodes: ['n1'],
        shared: false,
        webPush: true,
      });
      rig = await startRig(cluster, 'rig-check');
    });
    after(async () => {
      await rig?.stop();
      await cluster?.stop();
    });

    it('the engines on the backbone answer the nodes and no one else; the load balancer checks /healthz', async () => {
      assert.deepEqual(backboneReachable(cluster, 'n1'), { redis: 'PONG', postgres: '1' });
      // A party has no route to the backbone: its NAT's upstream knows nothing of it.
      assert.throws(
        () =>
          execFileSync(
            'ip',
            [
              'netns',
              'exec',
              cluster.topology.nsOf('caller'),
              'redis-cli',
              '-h',
              INFRA_IP,
              '-p',
              '6379',
              'PING',
            ],
            { stdio: 'pipe', timeout: 2_000 },
          ),
        'a party reached Redis',
      );
      assert.equal((await cluster.node('n1').healthz()).status, 200);
      const states = await cluster.lb.states();
      assert.match(states['n1'] ?? '', /^UP/);
      assert.match(states['n2'] ?? '', /^DOWN/, 'n2 runs nothing: its check must fail');
    });

    it('a call through the load balancer is heard both ways, with media straight to the node', async () => {
      const { caller, callee } = rig;
      // n2 is down, so the pins give way: both parties are on n1.
      for (const p of ['caller', 'callee'] as const)
        assert.equal(lastNodeOf(cluster, cluster.topology.natAddressOf(p)), 'n1');
      await twoWayCall(caller, callee);
      assert.ok(rtcSockets(cluster, 'n1') >= 4, 'the call has its four transports on n1');
      await hangUp(caller, callee);
    });

    it('a crashed node leaves the load balancer within 2 s, and once started again the parties are back and call', async () => {
      const { caller, callee } = rig;
      const crashedAt = Date.now();
      cluster.crashNode('n1');
      await cluster.lb.waitForState('n1', 'DOWN', 5_000);
      const leftAfter = Date.now() - crashedAt;
      assert.ok(leftAfter < 2_500, `the load balancer took ${leftAfter} ms to drop a dead node`);
      assert.equal(
        cluster.topology.pidsIn(cluster.topology.nodeNs('n1')).length,
        0,
        'something outlived the crash',
      );
      await cluster.startNode('n1');
      await Promise.all([waitConnected(caller), waitConnected(callee)]);
      await twoWayCall(caller, callee);
      await hangUp(callee, caller);
    });

    it('a sleeping callee is woken by exactly one push, through the load balancer, and heard both ways', async () => {
      await callSleepingCallee(cluster, rig, path.join(dir, 'rig-check'));
      assert.equal(lastNodeOf(cluster, cluster.topology.natAddressOf('callee')), 'n1');
    });
  },
);

describe('calls across two nodes on Redis and PostgreSQL', { timeout: 900_000, skip: cannot }, () => {
  let cluster: Cluster;
  let rig: Rig;
  const src = (p: 'caller' | 'callee') => cluster.topology.natAddressOf(p);
  before(async () => {
    cluster = await startCluster({ logDir: path.join(dir, 'cluster'), webPush: true });
    rig = await startRig(cluster, 'cluster');
  });
  after(async () => {
    await rig?.stop();
    await cluster?.stop();
  });

  /**
   * Puts the party back on its own node (after a case sent it elsewhere): a reload reconnects
   * through the load balancer, whose pin holds again once the node is up.
   */
  async function backHome(p: Party, role: 'caller' | 'callee'): Promise<void> {
    const home: NodeName = role === 'caller' ? 'n1' : 'n2';
    if (lastNodeOf(cluster, src(role)) === home) return;
    await p.driver.refresh();
    await p.waitForScreen('contacts', 20_000);
    await waitConnected(p);
    assert.equal(lastNodeOf(cluster, src(role)), home, `${p.who} is not back on ${home}`);
  }

  /** Every node up and each party on its own node, whatever the previous case left. */
  async function everyoneHome(): Promise<void> {
    for (const n of ['n1', 'n2'] as const)
      if (!(await cluster.lb.states())[n]?.startsWith('UP')) await cluster.startNode(n);
    await backHome(rig.caller, 'caller');
    await backHome(rig.callee, 'callee');
  }

  it('a call between users on different nodes is heard both ways, media only to the home (the dialling node)', async () => {
    await everyoneHome();
    const { caller, callee } = rig;
    assert.equal(lastNodeOf(cluster, src('caller')), 'n1');
    assert.equal(lastNodeOf(cluster, src('callee')), 'n2');
    const callId = await twoWayCall(caller, callee);
    // The callee's transports are on the caller's node (the home), none on its own.
    assert.ok(rtcSockets(cluster, 'n1') >= 4, `n1 holds ${rtcSockets(cluster, 'n1')} RTC sockets`);
    assert.equal(rtcSockets(cluster, 'n2'), 0, 'media reached the node that is not the call’s home');
    await hangUp(caller, callee);
    const rows = cluster.query(`SELECT end_reason, ended_at IS NOT NULL FROM calls WHERE id = '${callId}'`);
    assert.deepEqual(rows, [['hung-up', 't']], 'one finished history row in PostgreSQL');
  });

  it('the home node killed mid-call: the other party sees "server-lost" within 5 s, the caller comes back through the load balancer, the next call works', async () => {
    await everyoneHome();
    const { caller, callee } = rig;
    const callId = await twoWayCall(caller, callee);
    const crashedAt = Date.now();
    cluster.crashNode('n1');
    // The registry's 3 s freshness plus the reaper's round, plus the rig's own polling.
    const ended = await callee.waitForScreen('ended', 6_000);
    const endedAfter = Date.now() - crashedAt;
    assert.equal(ended.state.ended?.reason, 'server-lost');
    assert.ok(endedAfter <= 6_000, `the callee saw the call end ${endedAfter} ms after its home died`);
    const callerEnded = await caller.waitForScreen('ended', 20_000);
    assert.equal(callerEnded.state.ended?.reason, 'server-lost');
    await Promise.all([caller.dismiss(), callee.dismiss()]);
    await waitConnected(caller);
    assert.equal(lastNodeOf(cluster, src('caller')), 'n2', 'the caller reconnected to the live node');
    // Exactly one survivor finalised the row: one row, ended once, with the reason.
    assert.deepEqual(
      cluster.query(`SELECT end_reason, ended_at IS NOT NULL FROM calls WHERE id = '${callId}'`),
      [['server-lost', 't']],
    );
    const next = await twoWayCall(caller, callee);
    assert.notEqual(next, callId);
    await hangUp(caller, callee);
  });

  it('the other node killed mid-call: the audio keeps flowing, the callee re-attaches through the load balancer, hang-up works', async () => {
    await everyoneHome();
    const { caller, callee } = rig;
    await twoWayCall(caller, callee);
    const crashedAt = Date.now();
    cluster.crashNode('n2');
    await assertStillHeard(caller, callee, crashedAt, 'after the callee’s node died');
    await callee.driver.waitUntil(
      async () => {
        const s = await callee.snapshot(1e9);
        return s.state.connection === 'connected' && s.state.call?.reconnecting === false;
      },
      { timeout: 25_000, interval: 100, timeoutMsg: 'the callee did not re-attach to its call' },
    );
    assert.equal(lastNodeOf(cluster, src('callee')), 'n1', 'the callee reconnected to the live node');
    assert.equal((await callee.snapshot(1e9)).screen, 'in-call');
    await assertStillHeard(caller, callee, Date.now(), 'after the callee re-attached');
    await callee.hangup();
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
    assert.equal((await caller.snapshot(1e9)).state.ended?.reason, 'hung-up');
    await Promise.all([caller.dismiss(), callee.dismiss()]);
  });

  it('Redis restarted mid-call: the audio keeps flowing, the nodes stay in service, signalling resumes (hang-up works)', async () => {
    await everyoneHome();
    const { caller, callee } = rig;
    await twoWayCall(caller, callee);
    const stoppedAt = Date.now();
    await cluster.redis.stop();
    try {
      await assertStillHeard(caller, callee, stoppedAt, 'with Redis down');
      // /healthz must not depend on Redis: both nodes stay in the load balancer.
      const states = await cluster.lb.states();
      assert.ok(states['n1']?.startsWith('UP') && states['n2']?.startsWith('UP'), JSON.stringify(states));
    } finally {
      await cluster.redis.start();
    }
    // The hang-up is a request from the callee's node (n2) about a call homed on n1: it needs Redis.
    await callee.hangup();
    await Promise.all([caller.waitForScreen('ended', 20_000), callee.waitForScreen('ended', 20_000)]);
    assert.equal((await caller.snapshot(1e9)).state.ended?.reason, 'hung-up');
    await Promise.all([caller.dismiss(), callee.dismiss()]);
  });

  it('a drain (SIGTERM): /healthz 503, new connections go to the other node, the call in progress finishes, the node exits 0', async () => {
    await everyoneHome();
    const { caller, callee } = rig;
    await twoWayCall(caller, callee);
    const exited = cluster.terminateNode('n1');
    await cluster.lb.waitForState('n1', 'DOWN', 5_000);
    assert.equal((await cluster.node('n1').healthz()).status, 503);
    // A new connection from the caller's network, pinned to n1, goes to n2 instead.
    const before = cluster.lb.connections().length;
    execFileSync(
      'ip',
      [
        'netns',
        'exec',
        cluster.topology.nsOf('caller'),
        'curl',
        '-ksf',
        '--max-time',
        '5',
        `https://${LB_IP}:${CLUSTER_PORTS.web}/healthz`,
      ],
      { stdio: 'pipe' },
    );
    const fresh = await cluster.lb.waitForConnection(before, (c) => c.source === src('caller'));
    assert.equal(fresh.server, 'n2');
    await assertStillHeard(caller, callee, Date.now(), 'while its home drains');
    await caller.hangup();
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
    assert.equal((await callee.snapshot(1e9)).state.ended?.reason, 'hung-up');
    await Promise.all([caller.dismiss(), callee.dismiss()]);
    assert.deepEqual(await exited, { code: 0, signal: null }, 'the drained node exits 0');
    // Its children (media worker, relay) are stopped before it exits; the kernel reaps them a moment later.
    for (const until = Date.now() + 5_000; cluster.node('n1').running;) {
      assert.ok(Date.now() < until, 'something of n1 outlived its drain');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('a sleeping callee on the other node gets exactly one push, and woken, answers through the load balancer', async () => {
    await everyoneHome();
    const callId = await callSleepingCallee(cluster, rig, path.join(dir, 'cluster'));
    assert.equal(lastNodeOf(cluster, src('callee')), 'n2', 'the woken callee came back to its own node');
    assert.deepEqual(
      cluster.query(`SELECT end_reason, ended_at IS NOT NULL FROM calls WHERE id = '${callId}'`),
      [['hung-up', 't']],
    );
  });

  it('a restart of everything (nodes, Redis, PostgreSQL, load balancer) loses no account, device or history row', async () => {
    await everyoneHome();
    const { caller, callee } = rig;
    const counts = () =>
      cluster.query(
        'SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM devices), (SELECT count(*) FROM calls)',
      );
    const before = counts();
    assert.ok(Number(before[0]?.[2]) >= 1, `no history to keep: ${JSON.stringify(before)}`);
    await cluster.restartAll();
    assert.deepEqual(counts(), before);
    // Their sessions are in PostgreSQL too: the pages sign back in on their own.
    await Promise.all([waitConnected(caller, 30_000), waitConnected(callee, 30_000)]);
    await caller.openHistory();
    const rows = await caller.historyRows();
    assert.equal(rows.length, Number(before[0]?.[2]), 'the caller’s history lists every call');
    await caller.openPeople();
    await twoWayCall(caller, callee);
    await hangUp(caller, callee);
  });
});
