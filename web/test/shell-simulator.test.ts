/**
 * The simulator's rules, row by row (docs/callkit-decision-table.md): the push rows as the pure
 * decision the Swift shell's ShellTests also run, and the system rows about strikes and first unlock.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  CallKitSimulator,
  LOG_CAPACITY,
  STRIKES_BEFORE_DROPPING,
  type SimulatedApp,
} from '../src/shell-simulator/callkit-simulator.ts';
import { decidePush, type PushContext } from '../src/shell-simulator/decision-table.ts';

const fixtures = path.dirname(
  fileURLToPath(import.meta.resolve('@softphone/sfu/protocol/fixtures/voip-push/valid.json')),
);
const valid = JSON.parse(fs.readFileSync(path.join(fixtures, 'valid.json'), 'utf8')) as {
  callId: string;
  expiresAt: number;
};
const ctx = (over: Partial<PushContext> = {}): PushContext => ({
  now: valid.expiresAt - 1_000,
  isLive: () => false,
  wasEndedRecently: () => false,
  protectedDataAvailable: true,
  mustReport: true,
  ...over,
});

describe('push decision (P1–P6)', () => {
  it('P6: a valid, fresh, unknown call rings', () => {
    assert.equal(decidePush(valid, ctx()).kind, 'ring');
  });
  it('P1: every invalid fixture is reported then ended, or dropped when it need not be reported', () => {
    const invalid = fs.readdirSync(fixtures).filter((f) => f.startsWith('invalid.'));
    assert.ok(invalid.length > 0);
    for (const f of invalid) {
      const raw: unknown = JSON.parse(fs.readFileSync(path.join(fixtures, f), 'utf8'));
      assert.deepEqual(
        [decidePush(raw, ctx()).row, decidePush(raw, ctx()).kind],
        ['P1', 'report-then-end'],
        f,
      );
      assert.equal(decidePush(raw, ctx({ mustReport: false })).kind, 'drop', f);
    }
  });
  it('P2: a duplicate of a live call is reported again under the same UUID', () => {
    const d = decidePush(valid, ctx({ isLive: (id) => id === valid.callId }));
    assert.deepEqual(d, { row: 'P2', kind: 'report-duplicate', callId: valid.callId });
  });
  it('P3: a call that already ended is reported and ended', () => {
    const d = decidePush(valid, ctx({ wasEndedRecently: () => true }));
    assert.equal(d.row, 'P3');
    assert.equal(d.kind, 'report-then-end');
  });
  it('P4: a stale push is reported and ended, even one a millisecond late', () => {
    const d = decidePush(valid, ctx({ now: valid.expiresAt }));
    assert.deepEqual([d.row, d.kind], ['P4', 'report-then-end']);
  });
  it('P5: before first unlock the push is reported and ended, never rung', () => {
    const d = decidePush(valid, ctx({ protectedDataAvailable: false }));
    assert.deepEqual([d.row, d.kind], ['P5', 'report-then-end']);
  });
  it('mustReport false (iOS 26.4) drops what would not ring, and still rings what would', () => {
    assert.equal(decidePush(valid, ctx({ mustReport: false, now: valid.expiresAt })).kind, 'drop');
    assert.equal(decidePush(valid, ctx({ mustReport: false })).kind, 'ring');
  });
});

/** An app whose PushKit delegate returns without reporting: what S1 punishes. */
function appThatNeverReports(): SimulatedApp {
  const nothing = () => undefined;
  return {
    performAnswer: nothing,
    performEnd: nothing,
    performSetHeld: nothing,
    performStart: nothing,
    didActivate: nothing,
    didDeactivate: nothing,
    providerDidReset: nothing,
    interruption: nothing,
    libWebRTCEvent: nothing,
    refused: nothing,
    didReceiveIncomingPush: nothing,
    didBecomeActive: nothing,
    performSetMuted: nothing,
    routeChanged: nothing,
  };
}

describe('the system log', () => {
  it('reads on from a mark, and keeps the last LOG_CAPACITY events as a rotating log', () => {
    const system = new CallKitSimulator();
    system.log('first');
    const mark = system.eventMark;
    system.log('second', 'c1');
    assert.deepEqual(
      system.eventsSince(mark).map((e) => [e.seq, e.kind]),
      [[mark, 'second']],
    );
    for (let i = 0; i < LOG_CAPACITY; i++) system.log('filler');
    const all = system.eventsSince();
    assert.equal(all.length, LOG_CAPACITY);
    assert.equal(all.at(-1)?.seq, system.eventMark - 1);
    assert.deepEqual(
      system.eventsSince(system.eventMark - 2).map((e) => e.seq),
      [system.eventMark - 2, system.eventMark - 1],
    );
    // A mark older than the log is the whole log, not an error.
    assert.equal(system.eventsSince(mark).length, LOG_CAPACITY);
  });
});

describe('system rows', () => {
  it('S1/S2: each unreported push kills the app and counts a strike; after three, pushes are dropped', () => {
    const system = new CallKitSimulator();
    let launches = 0;
    system.launch = () => {
      launches += 1;
      system.app = appThatNeverReports();
      return system.app;
    };
    system.kill = () => system.appTerminated();
    for (let i = 0; i < STRIKES_BEFORE_DROPPING + 2; i++) system.deliverPush(valid);
    assert.equal(system.strikes, STRIKES_BEFORE_DROPPING);
    assert.equal(launches, STRIKES_BEFORE_DROPPING);
    assert.equal(system.eventsSince().filter((e) => e.kind === 'push-dropped').length, 2);
  });

  it('S3: before first unlock no push reaches the app, and it is not launched', () => {
    const system = new CallKitSimulator();
    system.beforeFirstUnlock = true;
    system.launch = () => assert.fail('launched before first unlock');
    system.deliverPush(valid);
    assert.equal(system.strikes, 0);
    assert.match(system.eventsSince().at(-1)?.detail ?? '', /before first unlock/);
  });

  it('S6: after a lost session no didActivate comes until the configuration is assigned again', async () => {
    const system = new CallKitSimulator({ activationDelayMs: 1, loseSessionAfterNextReport: true });
    let activations = 0;
    system.app = { ...appThatNeverReports(), didActivate: () => (activations += 1) };
    const answer = async (id: string) => {
      system.reportNewIncomingCall(id, { handle: 'a', name: 'A' }, () => undefined);
      system.answerFulfilled(id);
      // The simulator logs its decision either way: didActivate, or why there is none.
      while (!system.eventsSince().some((e) => e.callId === id && /^(no-)?didActivate$/.test(e.kind)))
        await setImmediate();
    };
    await answer('first');
    assert.equal(activations, 0);
    system.reportCallEnded('first', 'hung up');
    system.assignConfiguration('backstop');
    await answer('second');
    assert.equal(activations, 1);
  });
});
