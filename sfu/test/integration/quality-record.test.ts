/**
 * Each ended call's quality record (issue 21) through the real server and SFU, with socket.io
 * parties: written after the call's end row, with each device's report, the outcome, and the
 * verdict from the SFU's own direction records. These parties carry no media (no ICE agent stands
 * behind them): an answered call among them is the no-audio call, and an iPhone that never reports
 * didActivate is kept as such. A two-way call needs real media (not here yet: NOTES-i21-records.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DeviceReport } from '../../src/protocol/index.ts';
import { connect, next, startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness({ noAnswerTimeoutMs: 500 });
});
after(async () => h.stop());

const browser: DeviceReport = {
  platform: 'browser',
  os: 'Linux',
  osVersion: 'x86_64',
  model: null,
  appVersion: 'web 0.0.0-test',
  engine: 'browser',
  path: 'host',
};
const iphone: DeviceReport = {
  platform: 'ios-shell',
  os: 'iOS',
  osVersion: '18.4.1',
  model: 'iPhone15,2',
  appVersion: '1.4.0 (212)',
  engine: 'native',
  path: 'srflx',
  didActivateMs: null,
  watchdog: 'fired',
  pageFrozen: false,
};

/** The call's record once its writes have landed (the record is queued after the end row). */
async function recordOf(callId: string) {
  await h.server.record.settled();
  return h.server.quality.byCall(callId);
}

describe('the quality record of a call', () => {
  it('an answered call whose iPhone never reports didActivate and no audio flows: no-audio, its report kept', async () => {
    const a = await connect(h.url, 'Caller');
    const b = await connect(h.url, 'Callee on an iPhone');
    const rings = next(b.socket, 'call:incoming');
    const res = await a.socket.emitWithAck('call:invite', { to: b.self.id });
    assert.ok(res.ok);
    const { callId } = res.data;
    await rings;
    assert.ok((await b.socket.emitWithAck('call:answer', { callId })).ok);
    const ok = { ok: true, data: {} };
    assert.deepEqual(await a.socket.emitWithAck('call:device-report', { callId, report: browser }), ok);
    assert.deepEqual(await b.socket.emitWithAck('call:device-report', { callId, report: iphone }), ok);
    assert.deepEqual(
      await b.socket.emitWithAck('call:activation-failed', { callId, why: 'not-activated' }),
      ok,
    );
    const ended = next(b.socket, 'call:ended');
    await a.socket.emitWithAck('call:hangup', { callId });
    await ended;
    const r = await recordOf(callId);
    assert.ok(r, 'written at the end');
    assert.equal(r.outcome, 'answered');
    assert.equal(r.endReason, 'hung-up');
    assert.equal(r.verdict, 'no-audio');
    assert.deepEqual(r.caller, { report: browser, activationFailed: false });
    assert.deepEqual(r.callee, { report: iphone, activationFailed: true });
    assert.deepEqual(r.c2e, { firstRtpMs: null, packets: 0, stalls: 0, heard: false });
    const call = await h.server.db
      .selectFrom('calls')
      .select('ended_at')
      .where('id', '=', callId)
      .executeTakeFirstOrThrow();
    assert.equal(r.endedAt, call.ended_at, 'the same end as the call row');
  });

  it('an unanswered call: missed, not-answered, the callee without a report', async () => {
    const a = await connect(h.url, 'Caller');
    const b = await connect(h.url, 'Callee who does not answer');
    const res = await a.socket.emitWithAck('call:invite', { to: b.self.id });
    assert.ok(res.ok);
    const { callId } = res.data;
    await a.socket.emitWithAck('call:device-report', { callId, report: browser });
    const ended = await next(a.socket, 'call:ended');
    assert.equal(ended.reason, 'no-answer');
    const r = await recordOf(callId);
    assert.ok(r);
    assert.equal(r.outcome, 'missed');
    assert.equal(r.verdict, 'not-answered');
    assert.deepEqual(r.callee, { report: null, activationFailed: false });
    assert.deepEqual(r.caller.report, browser);
  });

  it('refuses a report outside the schema and one from a stranger', async () => {
    const a = await connect(h.url, 'Caller');
    const b = await connect(h.url, 'Callee');
    const stranger = await connect(h.url, 'Stranger');
    const res = await a.socket.emitWithAck('call:invite', { to: b.self.id });
    assert.ok(res.ok);
    const { callId } = res.data;
    const bad = await a.socket.emitWithAck('call:device-report', {
      callId,
      report: { ...browser, path: 'relay' as 'host' },
    });
    assert.equal(!bad.ok && bad.error.code, 'invalid-payload');
    const foreign = await stranger.socket.emitWithAck('call:device-report', { callId, report: browser });
    assert.equal(foreign.ok, false);
    await a.socket.emitWithAck('call:hangup', { callId });
  });
});
