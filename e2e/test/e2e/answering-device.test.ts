/**
 * The caller hears the callee's device that answered, when the callee has a browser tab open and an
 * iPhone asleep (review C1): real Chromium, the server's mediasoup, the simulated iPhone woken by a
 * push through the APNs stand-in. While only the tab rings, the server gives the caller the tab's
 * (silent) upstream; the device that answers must replace it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EndReason } from '@softphone/sfu/protocol';
import { SIGNATURES, writeSignatureWav } from '../../src/audio/wav.ts';
import { IphoneParty } from '../../src/rig/iphone-party.ts';
import type { Party } from '../../src/rig/party.ts';
import { placeCall } from '../../src/rig/place-call.ts';
import type { CallResult } from '../../src/rig/results.ts';
import { Rig } from '../../src/rig/rig.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-answering-device-'));
const wav = (name: string, sig: (typeof SIGNATURES)[keyof typeof SIGNATURES]) => {
  const f = path.join(dir, `${name}.wav`);
  writeSignatureWav(f, sig);
  return f;
};
const serverLog = path.join(dir, 'logs', 'server.log');

/**
 * A browser caller's side (the direction C1 lost) heard the answering device's own tones, not just
 * something loud. An iPhone's side is judged by level here: its engine's windows reach its page over
 * the bridge without tones (the farm judges the native engine's own audio by signature).
 */
function callerHeardSignature(result: CallResult): void {
  assert.equal(
    result.directions?.['callee->caller'].judgedBy,
    'signature',
    "callee->caller: judged by level, not by the answering device's tones",
  );
}

describe(
  "a callee's browser tab and push-woken iPhone: the caller hears the device that answers",
  { timeout: 240_000 },
  () => {
    let rig: Rig;
    let phone: IphoneParty;
    /** A browser tab of the iPhone's user: it is connected, so it rings at once. */
    let tab: Party;
    before(async () => {
      rig = await Rig.start({
        profile: 'linux-chromium',
        wav: { caller: wav('caller', SIGNATURES.caller), callee: wav('callee', SIGNATURES.callee) },
        logDir: path.join(dir, 'logs'),
        apns: {},
        calleeOnIphone: { query: '', pushes: true },
      });
      assert.ok(rig.callee instanceof IphoneParty);
      phone = rig.callee;
      // A first call, so that the phone has registered its VoIP token; then it sleeps, and the tab opens.
      const first = await placeCall(0, rig.caller, phone, { holdMs: 1_000, heardTimeoutMs: 8_000 });
      assert.equal(first.outcome, 'measured', first.error);
      await phone.killApp();
      await rig.caller.waitUntilAsleep(phone);
      tab = await rig.addDevice(phone);
    });
    after(async () => rig?.stop());

    /** The server's log lines from `mark` (a line count, see {@link lineCount}) on, parsed. */
    const serverLines = (mark = 0): Record<string, unknown>[] =>
      fs
        .readFileSync(serverLog, 'utf8')
        .split('\n')
        .slice(mark)
        // Its whole JSON lines (it also prints its URL when ready; the last line may be half written).
        .filter((l) => l.startsWith('{') && l.endsWith('}'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);

    const lineCount = () => fs.readFileSync(serverLog, 'utf8').split('\n').length - 1;

    /** The server sent the caller its downstream of the call (the only callee device that rings). */
    const callerSubscribed = (callId: string) =>
      serverLines().some(
        (l) => l['callId'] === callId && l['msg'] === 'downstream sent' && l['subscriber'] === 'caller',
      );

    const callIdOf = async (p: Party): Promise<string> => {
      let id: string | null | undefined;
      await p.driver.waitUntil(async () => Boolean((id = (await p.snapshot(1e9)).state.call?.id)), {
        timeout: 10_000,
        timeoutMsg: `${p.who}: no call`,
      });
      return id ?? '';
    };

    /** Whatever a case left, failed or not: no call up, every party's page back on its contacts. */
    async function leaveClean(...parties: Party[]): Promise<void> {
      await phone.setNetwork(true);
      for (const p of parties) {
        const screen = (await p.snapshot(1e9).catch(() => null))?.screen;
        if (screen === 'in-call' || screen === 'outgoing') await p.hangup().catch(() => undefined);
        if (screen === 'incoming') await p.decline().catch(() => undefined);
        if (screen && screen !== 'contacts' && (await p.waitForScreen('ended', 5_000).catch(() => null)))
          await p.dismiss().catch(() => undefined);
      }
    }

    it('the tab rings alone and the caller hears it; the woken iPhone answers: heard both ways', async (t) => {
      t.after(() => leaveClean(rig.caller, tab, phone));
      const since = await phone.eventMark();
      const result = await placeCall(1, rig.caller, phone, {
        holdMs: 1_500,
        heardTimeoutMs: 10_000,
        dial: async () => {
          // The phone is out of reach: APNs holds the push, so the iPhone can report only once the
          // caller has been given the tab's upstream (the order that lost the caller's audio).
          await phone.setNetwork(false);
          await rig.caller.call(phone);
          await tab.waitForScreen('incoming');
          const callId = await callIdOf(rig.caller);
          await rig.caller.driver.waitUntil(async () => callerSubscribed(callId), {
            timeout: 15_000,
            interval: 100,
            timeoutMsg: "the caller was not given the ringing tab's upstream",
          });
          await phone.setNetwork(true);
          await phone.waitForSystemEvent('app-launched', { timeout: 15_000, since });
          await phone.enterApp();
        },
        answer: () => phone.answerOnSystemUi(),
      });
      assert.equal(result.outcome, 'measured', result.error);
      assert.equal(result.verdict, 'two-way', JSON.stringify(result.directions));
      callerHeardSignature(result);
      t.diagnostic(`answer → heard (ms): ${JSON.stringify(result.timings.answerToHeardMs)}`);
      assert.equal((await tab.waitForScreen('ended')).state.ended?.reason, EndReason.AnsweredElsewhere);
    });

    it("an iPhone calls; the callee's tab rings alone and the iPhone hears it; the callee's woken iPhone answers: the caller's native engine takes a second offer, heard both ways", async (t) => {
      await phone.openApp();
      // The callee (the rig's caller, in a tab) gets an iPhone too: it registers its VoIP token and sleeps.
      const mark = lineCount();
      const other = await rig.addIphone(rig.caller);
      const connected = serverLines(mark).find((l) => l['msg'] === 'connected');
      assert.ok(connected, 'the server logged the new iPhone connecting');
      const left = lineCount();
      await other.killApp();
      await rig.caller.driver.waitUntil(
        async () =>
          serverLines(left).some(
            (l) =>
              l['msg'] === 'disconnected' && l['device'] === connected['device'] && l['deviceLeft'] === true,
          ),
        { timeout: 15_000, interval: 100, timeoutMsg: 'the server still has the killed iPhone connected' },
      );
      t.after(() => leaveClean(phone, rig.caller, other));
      const since = await other.eventMark();
      const result = await placeCall(2, phone, other, {
        holdMs: 1_500,
        heardTimeoutMs: 10_000,
        dial: async () => {
          await other.setNetwork(false);
          await phone.call(rig.caller);
          await rig.caller.waitForScreen('incoming');
          const callId = await callIdOf(phone);
          await phone.driver.waitUntil(async () => callerSubscribed(callId), {
            timeout: 15_000,
            interval: 100,
            timeoutMsg: "the calling iPhone was not given the ringing tab's upstream",
          });
          await other.setNetwork(true);
          await other.waitForSystemEvent('app-launched', { timeout: 15_000, since });
          await other.enterApp();
        },
        answer: () => other.answerOnSystemUi(),
      });
      assert.equal(result.outcome, 'measured', result.error);
      assert.equal(result.verdict, 'two-way', JSON.stringify(result.directions));
      t.diagnostic(`answer → heard (ms): ${JSON.stringify(result.timings.answerToHeardMs)}`);
      assert.equal(
        (await rig.caller.waitForScreen('ended')).state.ended?.reason,
        EndReason.AnsweredElsewhere,
      );
    });

    it('the tab answers while the woken iPhone rings: heard both ways', async (t) => {
      t.after(() => leaveClean(rig.caller, tab, phone));
      const since = await phone.eventMark();
      const result = await placeCall(3, rig.caller, tab, {
        holdMs: 1_500,
        heardTimeoutMs: 10_000,
        answer: async (callee) => {
          await phone.waitForSystemEvent('incoming-reported', { timeout: 15_000, since });
          await callee.answer();
        },
      });
      assert.equal(result.outcome, 'measured', result.error);
      assert.equal(result.verdict, 'two-way', JSON.stringify(result.directions));
      callerHeardSignature(result);
      t.diagnostic(`answer → heard (ms): ${JSON.stringify(result.timings.answerToHeardMs)}`);
      await phone.waitForSystemEvent('ended', { timeout: 15_000, since });
    });
  },
);
