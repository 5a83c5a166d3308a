/**
 * The simulated iPhone's system log: every line carries the source of its wording, and voip-doctor
 * (its real analysis, not its catalog's strings) diagnoses each injected fault from those lines.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { SystemEvent } from '@softphone/web/callkit-simulator';
import { diagnoseCall } from '../../src/farm/diagnose.ts';
import { syslogLines } from '../../src/farm/simulated-syslog.ts';

const CALL = '6F1C8E2A-9B1D-4C55-8B4E-2D8E1A0C9F11';
const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

/** Events `ms` apart from T0, as the simulator logs them. */
function events(...kinds: [kind: string, atMs: number, detail?: string][]): SystemEvent[] {
  return kinds.map(([kind, at, detail], seq) => ({
    seq,
    at: T0 + at,
    kind,
    callId: CALL,
    ...(detail ? { detail } : {}),
  }));
}

const PUSH_AND_ANSWER: [string, number, string?][] = [
  ['push-arrived', 0],
  ['app-launched', 50],
  ['push-decision', 80, 'report'],
  ['configuration-assigned', 90, 'before report (A1)'],
  ['incoming-reported', 100, 'Bob'],
  ['answer-fulfilled', 2_000],
];

async function doctor(evs: SystemEvent[]): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simulated-syslog-'));
  const last = evs.at(-1)?.at ?? T0;
  const d = await diagnoseCall(syslogLines(evs), null, { from: T0, to: last }, path.join(dir, 'call.log'));
  return d.scenarioIds;
}

describe('simulated syslog', () => {
  it('cites a source for every line it writes', () => {
    const kinds = [
      'push-arrived',
      'app-launched',
      'push-decision',
      'app-killed',
      'configuration-assigned',
      'incoming-reported',
      'session-lost',
      'start-requested',
      'start-fulfilled',
      'answer-fulfilled',
      'didActivate',
      'didDeactivate',
      'app-activated-audio',
      'interruption',
      'activation-failed',
      'ended',
      'app-terminated',
      'rebooted',
      'first-unlock',
    ];
    const lines = syslogLines([
      ...events(...kinds.map((k, i): [string, number] => [k, i * 10])),
      ...events(['push-dropped', 500, 'blocked (S2)']),
    ]);
    assert.ok(lines.length >= kinds.length);
    for (const l of lines) {
      assert.match(l.source.url, /^(https:\/\/|ios-shell\/Shell\/\S+\.swift:\d+$)/, l.message);
      assert.ok(l.source.shows.length > 10, l.message);
    }
  });

  it('a healthy answered call: nothing to diagnose', async () => {
    assert.deepEqual(await doctor(events(...PUSH_AND_ANSWER, ['didActivate', 2_080], ['ended', 9_000])), []);
  });

  it("didActivate missing: the shell's watchdog lines do not read as an activation", async () => {
    const ids = await doctor(
      events(
        ...PUSH_AND_ANSWER,
        // The shell's 5 s watchdog and voip-doctor's 5 s deadline end together: its lines come first.
        ['activation-failed', 6_999, 'no didActivate within 4999 ms'],
        ['configuration-assigned', 7_000, 'backstop after a missing didActivate (A4)'],
        ['ended', 9_000],
      ),
    );
    assert.ok(ids.includes('audio-not-activated'), ids.join(','));
  });

  it('an outgoing call whose audio is never activated', async () => {
    const ids = await doctor(events(['start-requested', 0], ['start-fulfilled', 100], ['ended', 9_000]));
    assert.ok(ids.includes('audio-not-activated'), ids.join(','));
  });

  it("SessionID 0x0, CallKit's activation twice, an interruption with no end", async () => {
    assert.ok(
      (await doctor(events(...PUSH_AND_ANSWER, ['session-lost', 2_050]))).includes('audio-session-id-null'),
    );
    const twice = await doctor(events(...PUSH_AND_ANSWER, ['didActivate', 2_080], ['didActivate', 4_500]));
    assert.ok(twice.includes('audio-activated-twice'), twice.join(','));
    const interrupted = await doctor(
      events(...PUSH_AND_ANSWER, ['didActivate', 2_080], ['interruption', 5_000, 'begin'], ['ended', 9_000]),
    );
    assert.ok(interrupted.includes('interruption-without-end'), interrupted.join(','));
  });

  it('a push the app never reported, and the block that follows', async () => {
    const killed = await doctor(
      events(['push-arrived', 0], ['app-launched', 50], ['push-decision', 80, 'drop'], ['app-killed', 120]),
    );
    assert.ok(killed.includes('push-not-reported-killed'), killed.join(','));
    const blocked = await doctor(events(['push-arrived', 0], ['push-dropped', 30, 'blocked (S2)']));
    assert.ok(blocked.includes('voip-launch-blocked'), blocked.join(','));
  });

  it('before first unlock', async () => {
    assert.ok(
      (await doctor(events(['rebooted', 0], ['push-arrived', 1_000]))).includes('before-first-unlock'),
    );
  });
});
