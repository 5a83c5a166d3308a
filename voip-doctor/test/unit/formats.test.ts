import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonArrayScanner } from '../../src/formats/json-array.ts';
import { fromRecord } from '../../src/formats/json.ts';
import { parseTextLine } from '../../src/formats/text.ts';
import type { DayState } from '../../src/formats/text.ts';
import { UTC } from '../../src/time.ts';

const day = (): DayState => ({ day: Date.UTC(2025, 7, 29), dateKnown: true, lastClock: 0, zone: UTC });
const parse = (line: string, days = day()) => parseTextLine(line, days, 0)?.[0] ?? null;

test('log show default style: thread, type, activity, pid, ttl, library, subsystem', () => {
  const p = parse(
    '2023-07-19 08:22:51.916784+0300 0x3058     Info        0x0                  599    0    remotepairingd: (RemotePairing) [com.apple.dt.remotepairing:networktunnelmanager] tunnel-1: Tunnel established',
  );
  assert.equal(p?.form, 'log-default');
  assert.equal(p?.process, 'remotepairingd');
  assert.equal(p?.pid, 599);
  assert.equal(p?.type, 'Info');
  assert.equal(p?.subsystem, 'com.apple.dt.remotepairing');
  assert.equal(p?.category, 'networktunnelmanager');
  assert.equal(p?.message, 'tunnel-1: Tunnel established');
});

test('log show default style without the TTL column (older releases)', () => {
  const p = parse(
    '2017-12-07 18:33:56.230481+0800 0x1daa15   Activity    0x80000000000ab54b   48240  AppName: (UIKit) send gesture actions',
  );
  assert.equal(p?.form, 'log-default');
  assert.equal(p?.process, 'AppName');
  assert.equal(p?.message, 'send gesture actions');
});

test('syslog style: host, process[pid], library and subsystem', () => {
  const p = parse(
    "2025-03-09 14:52:02.178784+0100  localhost SpringBoard[34]: (SpringBoardHome) [com.apple.SpringBoard:Icon] Allowing tap for icon view 'com.apple.mobilephone'",
  );
  assert.equal(p?.form, 'syslog');
  assert.equal(p?.process, 'SpringBoard');
  assert.equal(p?.pid, 34);
  assert.equal(p?.subsystem, 'com.apple.SpringBoard');
  assert.equal(p?.message, "Allowing tap for icon view 'com.apple.mobilephone'");
});

test('compact style: type code, pid:tid, no offset', () => {
  const p = parse(
    '2026-09-22 02:45:10.082 E  kernel[0:18c57] (Sandbox) System Policy: diskutil(9215) deny(1) file-mount',
  );
  assert.equal(p?.form, 'compact');
  assert.equal(p?.type, 'Error');
  assert.equal(p?.process, 'kernel');
  assert.equal(p?.basis, 'assumed-zone');
  assert.equal(p?.message, 'System Policy: diskutil(9215) deny(1) file-mount');
});

test('Console.app copies: localized type, optional columns, no type column', () => {
  const fr = parse(
    'par défaut\t12:05:02.905711 +0530\tcallservicesd\tSuccessfully set audio activation context',
  );
  assert.equal(fr?.form, 'console');
  assert.equal(fr?.type, 'par défaut');
  assert.equal(fr?.offset, 330);
  assert.equal(fr?.message, 'Successfully set audio activation context');
  const extra = parse(
    'default\t08:00:54.700689-0600\trunningboardd\tRunningBoard\t[application<com.AppCo.MyApp>:432] termination reported by launchd (2, 10, 10)',
  );
  assert.equal(extra?.process, 'runningboardd');
  assert.equal(
    extra?.message,
    '[application<com.AppCo.MyApp>:432] termination reported by launchd (2, 10, 10)',
  );
  const untyped = parse('13:07:36.889890-0400\tmediaserverd\tAudioSessionServerImp.cpp:285 something');
  assert.equal(untyped?.process, 'mediaserverd');
  assert.equal(untyped?.type, undefined);
});

test('forum and DTS pastes: with and without date, offset, type, pid, pid:tid', () => {
  const dts = parse(
    '2025-08-29 16:21:19.348953+0530 callservicesd: [com.apple.calls.callservicesd:Default] Successfully launched application with bundle identifier com.acme',
  );
  assert.equal(dts?.form, 'paste');
  assert.equal(dts?.process, 'callservicesd');
  assert.equal(dts?.subsystem, 'com.apple.calls.callservicesd');
  assert.equal(dts?.message, 'Successfully launched application with bundle identifier com.acme');
  const typed = parse('default 12:05:01.310788 +0530 apsd <private>: Outstanding data received');
  assert.equal(typed?.type, 'default');
  assert.equal(typed?.process, 'apsd');
  assert.equal(typed?.time, Date.UTC(2025, 7, 29, 6, 35, 1, 310) + 0.788);
  const condensed = parse('17:48:41.248  powerd  Sending com.apple.powerd.assertionpolicy 3');
  assert.equal(condensed?.process, 'powerd');
  assert.equal(condensed?.message, 'Sending com.apple.powerd.assertionpolicy 3');
  const tid = parse('18:29:14.283117+0200 Softphone[1958:1e0f] reporting call');
  assert.equal(tid?.pid, 1958);
  assert.equal(tid?.process, 'Softphone');
  const crash = parse('2025-08-29 16:21:32.669000+0530 283  MyApp: {');
  assert.equal(crash?.pid, 283);
  assert.equal(crash?.process, 'MyApp');
});

test('dateless lines roll over to the next day when the clock wraps', () => {
  const days = day();
  const late = parse('default\t23:59:59.900000 +0000\tapsd\tlate', days);
  const early = parse('default\t00:00:00.100000 +0000\tapsd\tearly', days);
  assert.ok(late && early);
  assert.equal(early.time - late.time, 200);
});

test('idevicesyslog lines take the year of the file day', () => {
  const p = parse(
    'Aug 29 16:41:30 iPhone callservicesd(TelephonyUtilities)[112] <Notice>: Received incoming APS message',
  );
  assert.equal(p?.form, 'idevicesyslog');
  assert.equal(p?.process, 'callservicesd');
  assert.equal(p?.type, 'Notice');
  assert.equal(p?.time, Date.UTC(2025, 7, 29, 16, 41, 30));
});

test('prose and stack frames are not log lines', () => {
  assert.equal(parse('Hi team, here are the logs from this morning'), null);
  assert.equal(parse('(0x1a2b3c4d 0x1a2b3c50 0x1a2b3c60)'), null);
});

test('JSON records: Apple keys, mandiant jsonl, pino, and the ndjson trailer', () => {
  const apple = fromRecord(
    {
      timestamp: '2025-08-29 16:21:19.348953+0530',
      processImagePath: '/System/Library/PrivateFrameworks/TelephonyUtilities.framework/callservicesd',
      processID: 112,
      messageType: 'Default',
      eventMessage: 'Delivering 1 VoIP payload(s) to application X',
    },
    UTC,
    'unknown',
  );
  assert.ok(apple && !('finished' in apple));
  assert.equal(apple.process, 'callservicesd');
  assert.equal(apple.pid, 112);
  const mandiant = fromRecord(
    { time: 1748872798821000000, process: 'apsd', message: 'x', pid: 88 },
    UTC,
    'unknown',
  );
  assert.ok(mandiant && !('finished' in mandiant));
  assert.equal(mandiant.time, 1748872798821);
  const pino = fromRecord({ level: 30, time: 1748872798821, msg: 'didActivate' }, UTC, 'app');
  assert.ok(pino && !('finished' in pino));
  assert.equal(pino.process, 'app');
  assert.deepEqual(fromRecord({ count: 3335, finished: 1 }, UTC, 'x'), { count: 3335, finished: true });
  assert.equal(fromRecord({ hello: 'world' }, UTC, 'x'), null);
});

test('the JSON array scanner cuts objects across chunk boundaries and counts lines', () => {
  const text = '[{\n  "a" : "x}{\\"",\n  "b" : { "c" : 1 }\n},{\n  "a" : "y"\n}]\n';
  const seen: [string, number][] = [];
  const scanner = new JsonArrayScanner(1, (t, line) => seen.push([t, line]));
  for (let i = 0; i < text.length; i += 3) scanner.feed(text.slice(i, i + 3));
  assert.equal(seen.length, 2);
  assert.deepEqual(JSON.parse((seen[0] as [string, number])[0]), { a: 'x}{"', b: { c: 1 } });
  assert.equal((seen[1] as [string, number])[1], 4);
  assert.equal(scanner.truncated, false);
});
