/**
 * The simulated shell's activation timeline for the quality record (src/shell-simulator/calls/
 * call-quality.ts): the same cases as ios-shell/ShellTests/CallQualityTests.swift, and its report
 * is one the server accepts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeviceReportSchema } from '@softphone/sfu/protocol';
import { CallQuality, deviceReport } from '../src/shell-simulator/calls/call-quality.ts';

const answer = 1_000_000;

describe('the simulated shell’s call quality (CallQuality.swift)', () => {
  it('measures answer → didActivate, and only the first activation after the answer counts', () => {
    const call = new CallQuality();
    call.activated(answer - 10); // an outgoing call's start: before the answer
    assert.equal(call.didActivateMs, null);
    call.answered(answer);
    call.activated(answer + 123.4);
    call.activated(answer + 30_000); // an unhold
    assert.deepEqual([call.didActivateMs, call.watchdog], [123, 'activated']);
  });

  it('the watchdog fired: didActivate never came, or came late', () => {
    const never = new CallQuality();
    never.answered(answer);
    never.watchdogFired();
    assert.deepEqual([never.didActivateMs, never.watchdog], [null, 'fired']);
    never.activated(answer + 7_000);
    assert.deepEqual([never.didActivateMs, never.watchdog], [7_000, 'late']);
  });

  it('its report, before and after activation, is one the server accepts', () => {
    const call = new CallQuality();
    call.answered(answer);
    const first = deviceReport('native', call);
    assert.ok(DeviceReportSchema.safeParse(first).success);
    assert.deepEqual([first.didActivateMs, first.watchdog, first.path], [null, null, null]);
    call.activated(answer + 80);
    const second = deviceReport('page', call);
    assert.ok(DeviceReportSchema.safeParse(second).success);
    assert.deepEqual([second.platform, second.engine, second.didActivateMs], ['ios-shell', 'page', 80]);
  });

  it('reports the path when it changes, named as the server counts it (testThePathIsReportedWhenItChanges)', () => {
    const call = new CallQuality();
    call.answered(answer);
    assert.equal(call.pathSeen('srflx'), true);
    assert.equal(call.pathSeen('srflx'), false, 'the same path again is no new report');
    assert.equal(call.pathSeen('relay-tcp'), true);
    const report = deviceReport('native', call);
    assert.ok(DeviceReportSchema.safeParse(report).success);
    assert.equal(report.path, 'relay-tcp');
  });
});
