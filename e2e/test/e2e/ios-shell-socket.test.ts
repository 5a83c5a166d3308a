/**
 * The simulated iPhone's own socket as the real one meets the server: it opens its WebSocket as
 * socket.io-client-swift 16.1.1 over Starscream 4.0.8 do (through the rig's Swift socket stand-in,
 * `@softphone/test-support/starscream-handshake`), reconnects as that library does, and carries the
 * call while the page is frozen. Issue 18's S1 (the server refused that handshake), S5 (a reconnect
 * lost what happened while away), S6 (the SFU refused a rebuilt engine's republish) and S7 (a
 * media failure waited for the page).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { judgeDirection, verdictOf } from '../../src/audio/verdict.ts';
import { SIGNATURES, writeSignatureWav } from '../../src/audio/wav.ts';
import { IphoneParty } from '../../src/rig/iphone-party.ts';
import { placeCall } from '../../src/rig/place-call.ts';
import { Rig } from '../../src/rig/rig.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-ios-socket-'));
const wav = (name: string, sig: (typeof SIGNATURES)[keyof typeof SIGNATURES]) => {
  const f = path.join(dir, `${name}.wav`);
  writeSignatureWav(f, sig);
  return f;
};
/** The server's default no-answer timeout, plus the shell's ring margin (CallDeadline.ringMargin). */
const RING_TIMEOUT_MS = 30_000 + 5_000;

describe(
  "the simulated iPhone's own socket (socket.io-client-swift + Starscream)",
  { timeout: 300_000 },
  () => {
    let rig: Rig;
    let phone: IphoneParty;
    before(async () => {
      rig = await Rig.start({
        profile: 'linux-chromium',
        wav: { caller: wav('caller', SIGNATURES.caller), callee: wav('callee', SIGNATURES.callee) },
        logDir: path.join(dir, 'logs'),
        // A frozen page rings nothing: a call reaches CallKit by a VoIP push then (S7). The first
        // scenario's call registers the phone's token.
        apns: {},
        calleeOnIphone: { query: '', pushes: true },
      });
      assert.ok(rig.callee instanceof IphoneParty);
      phone = rig.callee;
    });
    after(async () => rig?.stop());

    /** Whatever a failed scenario left: the path back, the page thawed, no call up, the phone in the foreground. */
    async function leaveClean(): Promise<void> {
      rig.swiftSocket?.setReachable(true);
      await phone.thawPage().catch(() => undefined);
      for (const p of [rig.caller, phone]) {
        const screen = (await p.snapshot(1e9).catch(() => null))?.screen;
        if (screen === 'in-call' || screen === 'outgoing' || screen === 'incoming')
          await p.hangup().catch(() => undefined);
      }
      await phone.setDevice('foreground');
      for (const p of [rig.caller, phone])
        if ((await p.snapshot(1e9).catch(() => null))?.screen === 'ended')
          await p.dismiss().catch(() => undefined);
    }

    /** Audio both ways between the browser and the phone's native engine, judged since the answer. */
    async function twoWayWithoutThePage(callId: string): Promise<void> {
      const judge = async () => {
        const [a, n] = [await rig.caller.snapshot(), await phone.nativeAudio(callId)];
        const endAt = Date.now();
        const from = n.answeredAt ?? endAt;
        const directions = {
          'caller->callee': judgeDirection(n.windows, from, endAt),
          'callee->caller': judgeDirection(a.windows, from, endAt),
        };
        return { ...verdictOf(directions), directions };
      };
      await rig.caller.driver
        .waitUntil(async () => (await judge()).verdict === 'two-way', { timeout: 10_000, interval: 250 })
        .catch(() => undefined);
      const { verdict, directions } = await judge();
      assert.equal(verdict, 'two-way', JSON.stringify(directions));
    }

    it("S1: answered on CallKit's screen with the page in the foreground, the answer goes over Starscream's handshake: two-way", async () => {
      const standIn = rig.swiftSocket;
      assert.ok(standIn, 'the rig runs the Swift socket stand-in');
      const from = standIn.handshakes.length;
      const result = await placeCall(0, rig.caller, phone, {
        holdMs: 2_500,
        heardTimeoutMs: 8_000,
        // The page in the foreground sends nothing for a call CallKit carries: only the shell's socket can.
        answer: () => phone.answerOnSystemUi(),
      });
      assert.equal(result.outcome, 'measured', result.error);
      assert.equal(result.verdict, 'two-way', JSON.stringify(result.directions));
      const handshakes = standIn.handshakes.slice(from);
      assert.ok(handshakes.length > 0, "the shell's socket went through the stand-in");
      // The shell sets its page's origin (`.extraHeaders`), and the server takes the handshake.
      assert.deepEqual(
        handshakes.map((h) => h.status),
        handshakes.map(() => 101),
      );
      assert.ok(handshakes.every((h) => h.origin === new URL(rig.url).origin));
    });

    it("S6: a media-services reset mid-call: the rebuilt engine's republish is taken, its downstream offered again and heard", async () => {
      try {
        await Promise.all([rig.caller.listen(), phone.listen()]);
        await rig.caller.call(phone);
        await phone.waitForScreen('incoming');
        await phone.answer();
        await Promise.all([rig.caller.waitForScreen('in-call'), phone.waitForScreen('in-call')]);
        const callId = (await phone.snapshot()).state.call?.id;
        assert.ok(callId);
        const mark = await phone.eventMark();
        await phone.libWebRTCEvent('media-services-reset');
        await phone.waitForSystemEvent('media-rebuilt', { since: mark });
        // The SFU closed the old transports and offers the downstream again, for the new connection.
        await phone.waitForSystemEvent('downstream-offer', { callId, since: mark, timeout: 10_000 });
        const rebuiltAt = Date.now();
        // The caller's voice on the new downstream (the uplink waits for CallKit's next didActivate).
        await phone.driver.waitUntil(
          async () => judgeDirection((await phone.nativeAudio(callId)).windows, rebuiltAt, Date.now()).heard,
          { timeout: 10_000, interval: 250, timeoutMsg: 'the caller is not heard on the rebuilt downstream' },
        );
        const events = await phone.systemEvents(mark);
        assert.equal(
          events.find((e) => e.kind === 'media-ended'),
          undefined,
          JSON.stringify(events.map((e) => [e.kind, e.detail])),
        );
        assert.equal((await rig.caller.snapshot()).screen, 'in-call');
        await rig.caller.hangup();
        await phone.waitForSystemEvent('ended', { callId });
      } finally {
        await leaveClean();
      }
    });

    it('S5: the shell socket drops mid-call with the page frozen and the far end answers meanwhile: the resync connects the call, which outlives the ring timeout, two-way', async () => {
      const standIn = rig.swiftSocket;
      assert.ok(standIn);
      try {
        const since = await phone.eventMark();
        const placedAt = Date.now();
        await Promise.all([rig.caller.listen(), phone.listen()]);
        await phone.call(rig.caller);
        await rig.caller.waitForScreen('incoming');
        const started = await phone.waitForSystemEvent('reported', {
          since,
          match: (e) => e.detail === 'CXStartCallAction',
        });
        const callId = started.callId;
        assert.ok(callId);
        await phone.setDevice('background');
        await phone.freezePage();
        const cut = await phone.eventMark();
        standIn.setReachable(false);
        await phone.waitForSystemEvent('native-socket-disconnected', { since: cut });
        // The answer reaches the device's frozen page only: the shell hears it from the resync.
        await rig.caller.answer();
        await rig.caller.waitForScreen('in-call');
        standIn.setReachable(true);
        const resync = await phone.waitForSystemEvent('resync', { callId, since: cut, timeout: 15_000 });
        assert.match(resync.detail ?? '', /answered=true/);
        // Past the shell's ring timeout, counted from the start: the answered call is still up.
        const wait = placedAt + RING_TIMEOUT_MS + 2_000 - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const events = await phone.eventsOf(callId);
        assert.equal(
          events.find((e) => e.kind === 'ring-timeout'),
          undefined,
          'the ring timer hung up an answered call',
        );
        assert.deepEqual(
          (await phone.systemSnapshot()).calls.map((c) => c.id),
          [callId],
        );
        assert.equal((await rig.caller.snapshot()).screen, 'in-call');
        await twoWayWithoutThePage(callId);
        await rig.caller.hangup();
        await phone.waitForSystemEvent('ended', { callId });
      } finally {
        await leaveClean();
      }
    });

    it('S7: a refused publish with the page frozen ends the call from the shell at once (media-lost), not at the no-answer timeout', async () => {
      try {
        await rig.caller.waitUntilOnline(phone, 20_000);
        await phone.setKnobs({ refuseNextPublish: true });
        await phone.setDevice('background');
        await phone.freezePage();
        const since = await phone.eventMark();
        const calledAt = Date.now();
        await rig.caller.call(phone);
        const lost = await phone.waitForSystemEvent('media-ended', { since, timeout: 15_000 });
        assert.match(lost.detail ?? '', /media:publish refused/);
        await rig.caller.waitForScreen('ended', 10_000);
        assert.ok(Date.now() - calledAt < 20_000, 'ended by the shell, not by the server at 30 s');
        assert.deepEqual((await phone.systemSnapshot()).calls, []);
      } finally {
        await phone.setKnobs({ refuseNextPublish: false });
        await leaveClean();
      }
    });
  },
);
