import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RULES } from '../../src/rules/catalog.ts';
import { NEEDLE_BYTES, PREFILTER, matchEntry } from '../../src/rules/match.ts';
import { messageEntry as entry } from './message-entry.ts';

/** One real or format-string-derived message per rule (shared/docs/voip-log-signatures.md §1). */
const SAMPLES: Record<string, string> = {
  'apsd-data-received':
    '<private>: Outstanding data received: <private> (length 410) onInterface: NonCellular. Connected on 1 interfaces.',
  'aps-message-received':
    'Received incoming APS message from application with bundle identifier com.acme.app and topic com.acme.app.voip',
  'voip-launch-attempt': 'Attempting to open application com.acme.app and acquire a process assertion',
  'voip-app-launched': 'Successfully launched application with bundle identifier com.acme.app',
  'voip-assertion-acquired':
    'Attempting to rename power assertion 42380 for target application<xxxx> to application<xxxx>;32-143-27197:CSDVoIPProcessAssertion-com.acme.app(VoIP);',
  'voip-assertion-invalidated':
    'Invalidating assertion 32-143-27197 (target:[application<xxxx>:1958]) from originator [daemon<com.apple.telephonyutilities.callservicesd>:143]',
  'voip-message-queued':
    'Asked to deliver message 0xc70d028c0 to application <CSDVoIPApplication 0xc70cc0f00>',
  'voip-payload-delivered': 'Delivering 1 VoIP payload(s) to application UrgiDoctor',
  'pushkit-no-connection': 'Pending PushKit VoIP payload deliveries until a connection exists',
  'pushkit-token-pending': 'Pending VoIP token delivery until a connection exists',
  'pushkit-unreported-push-crash':
    '*** Assertion failure in -[PKPushRegistry _terminateAppIfThereAreUnhandledVoIPPushes], PKPushRegistry.m:349',
  'callservicesd-killed-app': 'error: Killing VoIP app because it failed to post an incoming call in time.',
  'voip-launch-blocked':
    'Application com.acme.app will not be launched because it failed to report an incoming call too many times (or repeatedly crashed.)',
  'voip-app-disabled-from-launching': 'voipAppBecameDisabledFromLaunching: com.acme.app',
  'voip-push-dropped': 'VoIP push for app com.acme.app dropped on the floor',
  'voip-blocked-foreground-only':
    'Application com.acme.app will not be launched because it failed to report an incoming call too many times or repeatedly crashed. However because the app is foreground, delivering VOIP payload anyway.',
  'voip-kill-counts-reset': 'Resetting all CSDVoIPApplicationController kill counts',
  'voip-token-invalidated-uninstalled':
    'We found an enabled VOIP topic for com.acme.app that is no longer installed. Invalidating its push token',
  'voip-registration':
    'Asked to register bundle ID com.acme.app with APS environment development for VoIP type 1',
  'voip-token-delivered': 'Delivering voip token <private> to application com.acme.app',
  'aps-environment-changed':
    'Environment was development but is now production. Flushing out old registration with previous environment',
  'pushkit-registration-aborted':
    'Aborting PushKit registration for app com.acme.app for type 1 because no APS connection exists for the environment (production)',
  'local-push-no-delegate':
    'NEAppPushManager app has not set the delegate to receive the incoming call payload',
  'callkit-incoming-reported':
    'Provider <CXProvider: 0x1> was asked to report a new incoming call with UUID: 6F1C8E2A-9B1D-4C55-8B4E-2D8E1A0C9F11 update: <CXCallUpdate>',
  'callkit-configuration-set':
    'Provider <CXProvider: 0x1> was notified that configuration was set to <CXProviderConfiguration>',
  'callkit-call-ended':
    'Provider <CXProvider: 0x1> was asked to report that call with UUID 6F1C8E2A ended at date 2025-08-29 10:52:05 +0000 with reason 2',
  'callkit-outgoing-progress':
    'Provider <CXProvider: 0x1> was notified that outgoing call with UUID 1A2B connected at date 2025-10-15 13:11:59 +0000',
  'callkit-start-call-action': 'Dialing new call due to requested start call action: <CXStartCallAction 0x1>',
  'callkit-incoming-call-filtered': 'Error Domain=com.apple.CallKit.error.incomingcall Code=4 "(null)"',
  'callkit-incoming-call-refused': 'Error Domain=com.apple.CallKit.error.incomingcall Code=1 "(null)"',
  'callkit-transaction-failed':
    'EndCallAction transaction request failed: The operation couldn’t be completed. (com.apple.CallKit.error.requesttransaction error 4.)',
  'call-ringing':
    'UpdateCurrentState: Call status is TUCallStatusRinging, setting state to PHInCallStateIncomingRinging',
  'call-answered': 'Provider <CXProvider: 0x1> performing action <CXAnswerCallAction 0x2>',
  'call-end-fulfilled': 'End call action fulfilled: <private>',
  'audio-session-lookup-failed':
    '     AVAudioSessionXPCServer.mm:404  -[AVAudioSessionRemoteXPCClient createProxySession:reply:] failed due to session lookup failure for SessionID 0x0',
  'audio-activation-insufficient-priority':
    'Error Domain=NSOSStatusErrorDomain Code=561017449 "Session activation failed" UserInfo={NSLocalizedDescription=Session activation failed}',
  'audio-server-insufficient-priority':
    'AudioSessionServerImp.cpp:285:TranslateCMSessionErrorCode: { "action":"cm_session_begin_interruption", "details":{"error_code":-12983,"error_string":"Insufficient priority"} }',
  'audio-deactivated-with-running-io':
    '[avas] AVAudioSession_iOS.mm:1206  Deactivating an audio session that has running I/O. All I/O should be stopped or paused prior to deactivating the audio session.',
  'callservicesd-audio-activation': 'Setting audio active: <private> options: 0 for provider <private>',
  'audio-session-activated':
    'Sub_AudioSessionSetActiveWithFlags: { "action":"activate", "session":{"ID":"0x1803b","name":"Softphone(1958)"}, "details":{"controlling_PID":112} }',
  'remote-io-state':
    'AudioSessionSetClientPlayState_Inner: { "action":"client_play_state", "details":{"state":"Stopped","type":"Remote IO"} }',
  'audio-route':
    '-CMVAEndptMgr- vaemConfigurePVMSettings: PVMSetCurrentState [PhoneCall, Default, ReceiverAndMicrophone, Built-In Receiver, (null), NO]',
  'audio-stopped-background':
    "-CMSessionMgr- CMSessionMgrHandleApplicationStateChange: Sending stop command to com.myapp.bundleid with pid '2933' because client is background suspended and there is no AirPlay video session for it",
  'app-terminated':
    'RunningBoard [application<com.AppCo.MyApp>:432] termination reported by launchd (2, 10, 10)',
  'app-termination-requested':
    'Received termination request from [osservice<com.apple.dasd>:76] on <RBSProcessPredicate> with context <RBSTerminateContext| explanation:BG Kill Demo>',
  'app-process-state':
    'Application process state changed for com.elsystm.elsystm: <SBApplicationProcessState: 0x1; pid: 3; taskState: Running; visibility: Background>',
  'aps-courier-path':
    '[C138 IPv4#b71cac13:5223 ready parent-flow (satisfied (Path is satisfied), interface: pdp_ip0[lte], ipv4, LQM: good)] event: path:satisfied_change',
  'device-restricted-idle': 'Sending com.apple.powerd.assertionpolicy 3',
  'link-quality-changed':
    'PersistentConnection Interface Manager: WWAN(pdp_ip0) LinkQuality changed from good to poor (2)',
  'before-first-unlock': 'unlocked since boot, NO',
  'unlocked-since-boot': 'unlocked since boot, YES',
  'callkit-xpc-invalidated':
    'Error Domain=NSCocoaErrorDomain Code=4099 "The connection to service named com.apple.callkit.callcontrollerhost was invalidated."',
  'pushkit-must-report-false':
    'didReceiveIncomingVoIPPushWith metadata mustReport=false, dropping stale push',
  'app-audio-did-activate': 'provider(_:didActivate:) starting WebRTC audio',
  'app-audio-did-deactivate': 'provider:didDeactivateAudioSession: <AVAudioSession 0x2817c4d20>',
  'app-audio-interruption-began': '[app.softphone.shell:audio] interruption began',
  'app-audio-interruption-ended': '[app.softphone.shell:audio] interruption ended',
  'app-audio-set-active': 'AVAudioSession setActive(true) after unhold',
  'app-push-received': 'pushRegistry didReceiveIncomingPushWith payload',
  'noise-coretelephony-xpc':
    'Error Domain=NSCocoaErrorDomain Code=4099 "The connection to service named com.apple.commcenter.coretelephony.xpc was invalidated."',
  'noise-lock-screen-transition': 'Transitioned out of lock screen.',
};

test('the catalog has at least 30 signatures with stable, unique, kebab-case ids', () => {
  const failing = RULES.filter((r) => r.severity !== 'noise');
  assert.ok(failing.length >= 30, `${failing.length} rules`);
  const ids = RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[a-z0-9]+(?:-[a-z0-9]+)*$/);
});

test('every rule carries a meaning, a fix and a source link', () => {
  for (const r of RULES) {
    assert.ok(r.meaning.length > 10, r.id);
    assert.ok(r.fix.length > 3, r.id);
    assert.match(r.source, /^https:\/\//, r.id);
  }
});

test('needles survive ndjson escaping: plain ASCII, no slash, quote or backslash', () => {
  for (const r of RULES) for (const n of r.needles) assert.match(n, /^[\x20-\x7e]+$/, `${r.id}: ${n}`);
  for (const r of RULES) for (const n of r.needles) assert.doesNotMatch(n, /["/\\]/, `${r.id}: ${n}`);
});

test('every rule has a sample, and each sample matches exactly its own rule', () => {
  assert.deepEqual(Object.keys(SAMPLES).sort(), RULES.map((r) => r.id).sort());
  for (const [id, message] of Object.entries(SAMPLES)) {
    assert.ok(PREFILTER.test(message), `prefilter misses ${id}`);
    assert.equal(matchEntry(entry(message))?.rule.id, id, message);
  }
});

test('fields are extracted from the message', () => {
  const hit = matchEntry(entry(SAMPLES['aps-message-received'] as string));
  assert.deepEqual(hit?.fields, { bundle: 'com.acme.app', topic: 'com.acme.app.voip' });
  const reg = matchEntry(
    entry(
      'Registering client process <p> with bundle identifier com.acme.app for PushKit voip in environment production',
    ),
  );
  assert.equal(reg?.rule.id, 'voip-registration');
  assert.equal(reg?.fields['env'], 'production');
  assert.equal(matchEntry(entry(SAMPLES['audio-session-lookup-failed'] as string))?.fields['sid'], '0x0');
});

test('ordinary lines match nothing', () => {
  for (const m of ['Allowing tap for icon view', 'WiFi is not associated', 'client authorization changed']) {
    assert.equal(PREFILTER.test(m), false);
    assert.equal(matchEntry(entry(m)), null);
  }
});

test("the shell's wait for didActivate is not a didActivate", () => {
  const m = 'waiting for didActivate after interruption end call=6F1C8E2A-9B1D-4C55-8B4E-2D8E1A0C9F11';
  assert.equal(matchEntry(entry(m)), null);
});

test('the byte prefilter finds the lines the regex prefilter finds, at any position', () => {
  const messages = [
    ...Object.values(SAMPLES),
    'Allowing tap for icon view',
    'WiFi is not associated',
    'client authorization changed',
    'dropped on the flo',
    '',
  ];
  for (const m of messages) {
    for (const framed of [m, `x${m}`, `${m}y`]) {
      const b = Buffer.from(`{"eventMessage":"${framed}"}`);
      assert.equal(NEEDLE_BYTES.test(b, 17, 17 + Buffer.byteLength(framed)), PREFILTER.test(framed), framed);
    }
  }
});
