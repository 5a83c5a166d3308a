/**
 * Reaching anyone, in real Chromium through the rig (issue 22): calling by username from the people
 * view (a callee online, one signed out with nothing to wake, nobody by that name, yourself), the
 * recent people at the top of it, and history rows with their direction, outcome and duration, and a
 * call back from a row. Asleep callees woken by push: sfu/test/integration/call-by-username.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EndReason } from '@softphone/sfu/protocol';
import { formatDuration } from '@softphone/web/format';
import { SIGNATURES, writeSignatureWav } from '../../src/audio/wav.ts';
import type { Party } from '../../src/rig/party.ts';
import { Rig } from '../../src/rig/rig.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-reach-'));
const wav = (name: string, sig: (typeof SIGNATURES)[keyof typeof SIGNATURES]) => {
  const f = path.join(dir, `${name}.wav`);
  writeSignatureWav(f, sig);
  return f;
};

/** The id of the call the party is ringing for or in. */
async function callIdOf(p: Party): Promise<string> {
  const id = (await p.snapshot(1e9)).state.call?.id;
  assert.ok(id, `${p.who} has no call id`);
  return id;
}

/** Opens the history and waits until the call's row says `text` (its end may be written a moment late). */
async function historyRow(p: Party, callId: string, text: string) {
  await p.openHistory();
  let rows = await p.historyRows();
  await p.driver.waitUntil(
    async () => {
      rows = await p.historyRows();
      return rows.find((r) => r.callId === callId)?.text === text;
    },
    {
      timeout: 10_000,
      timeoutMsg: `${p.who}: the row of ${callId} never said "${text}": ${JSON.stringify(rows)}`,
    },
  );
  return rows;
}

describe('reaching anyone, and the history people use', { timeout: 240_000 }, () => {
  let rig: Rig;

  before(async () => {
    rig = await Rig.start({
      profile: 'linux-chromium',
      wav: { caller: wav('caller', SIGNATURES.caller), callee: wav('callee', SIGNATURES.callee) },
      logDir: path.join(dir, 'logs'),
    });
  });
  after(async () => rig?.stop());

  it('calls a username, says who is nobody and who can’t be reached, lists the call with its duration and calls back from it', async () => {
    const { caller, callee } = rig;

    // Nobody by that name, and yourself: said in words, no call placed.
    await caller.dial(`nobody-${caller.username}`);
    assert.equal(await caller.peopleNotice(), `Nobody has the username “nobody-${caller.username}”.`);
    assert.equal((await caller.snapshot(1e9)).screen, 'contacts');
    await caller.dial(caller.username);
    assert.equal(await caller.peopleNotice(), 'That is your own username.');

    // Online, typed in capitals: usernames are case-folded as accounts are.
    await caller.dial(callee.username.toUpperCase());
    await callee.waitForScreen('incoming');
    const answeredId = await callIdOf(callee);
    assert.equal((await caller.snapshot(1e9)).state.call?.peer.displayName, callee.name);
    await callee.answer();
    await Promise.all([caller.waitForScreen('in-call'), callee.waitForScreen('in-call')]);
    await caller.hangup();
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
    await Promise.all([caller.dismiss(), callee.dismiss()]);

    // The callee is the first of the caller's recent people.
    await caller.driver.waitUntil(async () => (await caller.recentPeople())[0]?.name === callee.name, {
      timeout: 10_000,
      timeoutMsg: 'the callee is not the first of the recent people',
    });

    const answered = (await caller.snapshot(1e9)).state.history.find((e) => e.callId === answeredId);
    const calleeRows = await historyRow(
      callee,
      answeredId,
      `Incoming · Answered · ${formatDuration((await callee.snapshot(1e9)).state.history.find((e) => e.callId === answeredId)?.durationMs ?? -1)}`,
    );
    assert.equal(calleeRows.find((r) => r.callId === answeredId)?.kind, 'incoming');
    await callee.openPeople();

    // Signed out, with no push registered: nothing can wake them.
    await callee.signOut();
    await caller.dial(callee.username);
    await caller.waitForScreen('ended');
    const unreachable = (await caller.snapshot(1e9)).state;
    assert.equal(unreachable.ended?.reason, EndReason.Unreachable);
    assert.match(await caller.endMessage(), new RegExp(`^${callee.name} can't be reached`));
    await caller.dismiss();
    assert.deepEqual(await callee.signIn(), { ok: true });

    const rows = await historyRow(
      caller,
      answeredId,
      `Outgoing · Answered · ${formatDuration(answered?.durationMs ?? -1)}`,
    );
    assert.ok(answered?.durationMs && answered.durationMs > 0, 'the answered call has a duration');
    assert.equal(
      rows[0]?.text,
      'Outgoing · Not answered · unreachable',
      'the unreachable call is listed first',
    );
    assert.equal(rows[0]?.kind, 'outgoing');

    // Call back from the answered call's row; the callee declines it.
    assert.equal(await caller.callBack(answeredId), `Call ${callee.name} back`);
    await callee.waitForScreen('incoming');
    const declinedId = await callIdOf(callee);
    await callee.decline();
    await Promise.all([caller.waitForScreen('ended'), callee.waitForScreen('ended')]);
    await Promise.all([caller.dismiss('history'), callee.dismiss()]);
    await historyRow(caller, declinedId, 'Outgoing · Declined');
    await historyRow(callee, declinedId, 'Incoming · Declined');
  });
});
