/**
 * A call outlives its signalling dropping, in a real topology (src/stack/topology.ts): each
 * party's browser behind its own NAT, the server and the SFU on the public host. The callee's NAT
 * resets the signalling connection and refuses new ones while media flows on (a), or for longer
 * than the server's reconnect grace (b); or the callee moves to a new address mid-call, which
 * kills its signalling and its media path at once (c); or its network is gone for longer than the
 * media recovery deadline, but within the grace (d). The grace and socket.io's heartbeat are
 * short here (server env) so the suite is quick; the behaviour is the production default's.
 * Needs root (CI runs as root); elsewhere it is skipped, saying why.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SIGNATURES, writeSignatureWav } from '../../src/audio/wav.ts';
import { startNetworkRig, type NetworkRig } from '../../src/network/network-rig.ts';
import { waitHeardBothWays } from '../../src/rig/heard-both-ways.ts';
import type { Party } from '../../src/rig/party.ts';
import { cannotBuildTopology } from '../../src/stack/topology.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-sigdrop-'));
const wav = (name: 'caller' | 'callee') => {
  const f = path.join(dir, `${name}.wav`);
  writeSignatureWav(f, SIGNATURES[name]);
  return f;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const GRACE_MS = 12_000;
/** (d)'s: longer than the page's media recovery deadline (20 s), which its outage outlasts. */
const LONG_GRACE_MS = 40_000;
/** A dead connection is noticed within 2 s on both sides (the client's own timeout is their sum). */
const PING = { interval: 1_000, timeout: 1_000 };
/** How long the signalling stays cut in (a), and the network is gone in (d): the scenarios, not waits. */
const CUT_MS = 5_000;
const OUTAGE_MS = 28_000;

const cannot = cannotBuildTopology();

/** The rig for a suite, with the reconnect grace it needs, and what its tests share. */
function suite(graceMs: number) {
  let n: NetworkRig;
  before(async () => {
    n = await startNetworkRig({
      profile: 'linux-chromium',
      wav: { caller: wav('caller'), callee: wav('callee') },
      logDir: path.join(dir, `grace-${graceMs}`),
      network: null,
      serverEnv: {
        CALL_RECONNECT_GRACE_MS: String(graceMs),
        SIGNALLING_PING_INTERVAL_MS: String(PING.interval),
        SIGNALLING_PING_TIMEOUT_MS: String(PING.timeout),
      },
    });
  });
  after(async () => {
    await n?.stop();
  });

  /** An answered call, heard both ways; its id. */
  async function twoWayCall(): Promise<string> {
    const { caller, callee } = n.rig;
    await settled();
    await caller.call(callee);
    await callee.waitForScreen('incoming');
    await callee.answer();
    const [, inCall] = await Promise.all([caller.waitForScreen('in-call'), callee.waitForScreen('in-call')]);
    const heard = await waitHeardBothWays(caller, callee, Date.now() - 2_000, 15_000);
    assert.ok(heard.heardByA.heard && heard.heardByB.heard, 'not two-way before the network was touched');
    return inCall.state.call?.id ?? assert.fail('no call id');
  }

  type Snapshot = Awaited<ReturnType<Party['snapshot']>>;
  async function waitFor(p: Party, what: string, timeout: number, ok: (s: Snapshot) => boolean) {
    let last = '';
    try {
      await p.driver.waitUntil(
        async () => {
          const s = await p.snapshot(1e9);
          last = JSON.stringify({ screen: s.screen, connection: s.state.connection, call: s.state.call });
          return ok(s);
        },
        { timeout, interval: 200 },
      );
    } catch {
      throw new Error(`${p.name}: not ${what} within ${timeout} ms: ${last}`);
    }
  }

  /** Each test starts with both parties connected and on their contacts, whatever the last left. */
  async function settled(): Promise<void> {
    const { caller, callee } = n.rig;
    for (const p of [caller, callee]) {
      await waitFor(p, 'connected', 20_000, (s) => s.state.connection === 'connected');
      const { screen } = await p.snapshot(1e9);
      if (screen === 'in-call' || screen === 'outgoing') await p.hangup();
      else if (screen === 'incoming') await p.decline();
      if (screen !== 'ended' && screen !== 'contacts') await p.waitForScreen('ended');
      if ((await p.snapshot(1e9)).screen === 'ended') await p.dismiss();
    }
  }

  /** Both parties are in the same call again, their signalling up, and heard both ways from then. */
  async function sameCallHeardAfter(callId: string): Promise<void> {
    const { caller, callee } = n.rig;
    for (const p of [caller, callee]) {
      await waitFor(
        p,
        'back in the same call',
        graceMs + 10_000,
        (s) =>
          s.state.connection === 'connected' &&
          s.state.call?.id === callId &&
          s.state.call.reconnecting === false &&
          s.state.call.peerReconnecting === false,
      );
    }
    const back = await waitHeardBothWays(caller, callee, Date.now(), 20_000);
    assert.ok(back.heardByB.heard, `caller->callee not heard after: ${JSON.stringify(back.heardByB)}`);
    assert.ok(back.heardByA.heard, `callee->caller not heard after: ${JSON.stringify(back.heardByA)}`);
    await caller.hangup();
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
    await Promise.all([caller.dismiss(), callee.dismiss()]);
  }

  return { net: () => n, twoWayCall, waitFor, sameCallHeardAfter };
}

describe('a call through a signalling drop', { timeout: 300_000, skip: cannot ?? false }, () => {
  const { net, twoWayCall, waitFor, sameCallHeardAfter } = suite(GRACE_MS);

  it('(a) only the signalling cut for 5 s: the same call goes on, heard both ways after', async () => {
    const { caller, callee } = net().rig;
    const callId = await twoWayCall();
    const cutAt = Date.now();
    net().topology.cutSignalling('callee', net().webPort, true);
    try {
      await waitFor(callee, 'reconnecting', 10_000, (s) => s.state.connection === 'reconnecting');
      await waitFor(
        caller,
        "told the callee's connection dropped",
        10_000,
        (s) => s.state.call?.peerReconnecting === true,
      );
      await sleep(Math.max(0, cutAt + CUT_MS - Date.now()));
    } finally {
      net().topology.cutSignalling('callee', net().webPort, false);
    }
    await sameCallHeardAfter(callId);
  });

  it('(b) the signalling cut past the grace: both parties see the call end as a lost connection', async () => {
    const { caller, callee } = net().rig;
    await twoWayCall();
    const cutAt = Date.now();
    net().topology.cutSignalling('callee', net().webPort, true);
    try {
      await Promise.all([
        caller.waitForScreen('ended', GRACE_MS + 5_000),
        callee.waitForScreen('ended', GRACE_MS + 5_000),
      ]);
      const tookMs = Date.now() - cutAt;
      for (const p of [caller, callee]) {
        assert.match(await p.endMessage(), /^Connection lost: /);
        assert.equal((await p.snapshot(1e9)).state.ended?.reason, 'disconnected');
      }
      assert.ok(tookMs <= GRACE_MS + 5_000, `ended ${tookMs} ms after the cut`);
    } finally {
      net().topology.cutSignalling('callee', net().webPort, false);
    }
    await Promise.all([caller.dismiss(), callee.dismiss()]);
    await waitFor(callee, 'reconnected', 20_000, (s) => s.state.connection === 'connected');
  });

  it('(c) the callee moves to a new address mid-call: the call goes on, heard both ways after', async () => {
    const callId = await twoWayCall();
    net().topology.moveAddress('callee');
    await sameCallHeardAfter(callId);
  });
});

describe(
  'a call through a network outage longer than the media recovery deadline',
  { timeout: 300_000, skip: cannot ?? false },
  () => {
    const { net, twoWayCall, waitFor, sameCallHeardAfter } = suite(LONG_GRACE_MS);

    it('(d) the callee offline past the media recovery deadline, within the grace: ICE restarts wait for the signalling; the call goes on', async () => {
      const { callee } = net().rig;
      const callId = await twoWayCall();
      const downAt = Date.now();
      net().topology.setOutage('callee', true);
      try {
        await waitFor(callee, 'reconnecting', 10_000, (s) => s.state.call?.reconnecting === true);
        await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));
      } finally {
        net().topology.setOutage('callee', false);
      }
      await sameCallHeardAfter(callId);
      const marks = (await callee.snapshot(1e9)).marks;
      assert.ok(
        (marks?.iceRestarts ?? 0) >= 1,
        `the media came back without an ICE restart: ${JSON.stringify(marks)}`,
      );
    });
  },
);
