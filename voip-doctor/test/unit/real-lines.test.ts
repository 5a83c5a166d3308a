/**
 * The doctor against lines real iPhones wrote, each quoted from a public thread (the URL next to it),
 * and against our iOS shell's own Logger lines (ios-shell/): the catalog's patterns are checked on
 * what phones print (`<private>` arguments included), not on strings written to fit them. The farm's
 * simulated iPhone renders the same lines (e2e/src/farm/simulated-syslog.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchEntry } from '../../src/rules/match.ts';
import { messageEntry as entry } from './message-entry.ts';

const TWILIO_152 = 'https://github.com/twilio/voice-quickstart-ios/issues/152';

/** [message as quoted (the console columns before it dropped), the rule it must hit, where it is quoted]. */
const REAL: [string, string, string][] = [
  [
    '<private>: Outstanding data received: <private> (length 410) onInterface: NonCellular. Connected on 1 interfaces.',
    'apsd-data-received',
    TWILIO_152,
  ],
  [
    '[com.apple.calls.callservicesd:Default] Successfully launched application with bundle identifier <bundle id>',
    'voip-app-launched',
    'https://developer.apple.com/forums/thread/799024',
  ],
  [
    'Delivering 1 VoIP payload(s) to application UrgiDoctor',
    'voip-payload-delivered',
    'https://developer.apple.com/forums/thread/801446',
  ],
  [
    "*** Terminating app due to uncaught exception 'NSInternalInconsistencyException', reason: 'Killing app because it never posted an incoming call to the system after receiving a PushKit VoIP push.'",
    'pushkit-unreported-push-crash',
    'https://developer.apple.com/forums/thread/801446',
  ],
  [
    'Application <private> will not be launched because it failed to report an incoming call too many times (or repeatedly crashed.)',
    'voip-launch-blocked',
    'https://github.com/react-native-webrtc/react-native-voip-push-notification/issues/102',
  ],
  [
    'UpdateCurrentState: Call status is TUCallStatusRinging, setting state to PHInCallStateIncomingRinging',
    'call-ringing',
    TWILIO_152,
  ],
  [
    'AVAudioSessionXPCServer.mm:404 -[AVAudioSessionRemoteXPCClient createProxySession:reply:] failed due to session lookup failure for SessionID 0x0',
    'audio-session-lookup-failed',
    'https://developer.apple.com/forums/thread/783870',
  ],
  [
    'Setting audio active: <private> options: 0 for provider <private>',
    'callservicesd-audio-activation',
    TWILIO_152,
  ],
  ['Successfully set audio activation context', 'callservicesd-audio-activation', TWILIO_152],
  ['Stopped tracking call: <private>', 'call-end-fulfilled', TWILIO_152],
  [
    'AudioSessionServerImp.cpp:3223:Sub_AudioSessionSetActiveWithFlags: { "action":"activate", "session":{"ID":"0x3535e","PID":2145,"name":"liveninjaMesseng"}, "details":{"controlling_PID":150} }',
    'audio-session-activated',
    'https://github.com/react-native-webrtc/react-native-callkeep/issues/489',
  ],
  [
    'RunningBoard [application<com.AppCo.MyApp>:432] termination reported by launchd (2, 10, 10)',
    'app-terminated',
    'https://github.com/microsoftconnect/ms-intune-app-sdk-ios/issues/137',
  ],
  // iOS's format strings with their %@ printed as a phone without a logging profile prints them.
  [
    'Provider <private> was asked to report a new incoming call with UUID: <private> update: <private>',
    'callkit-incoming-reported',
    'CallKit.framework/CXProvider.m (iOS 18.2, decompiled)',
  ],
];

/** Our shell's Logger lines (file:line in ios-shell/Shell/), as the farm's phones write them. */
const SHELL: [string, string | null][] = [
  ['[app.softphone.shell:push] didReceiveIncomingVoIPPush (classic)', 'app-push-received'], // Push/PushKitManager.swift:66
  [
    '[app.softphone.shell:calls] milestone=answered call=6f1c8e2a-9b1d-4c55-8b4e-2d8e1a0c9f11 CXAnswerCallAction',
    'call-answered',
  ], // Calls/CallKitAdaptee.swift:472
  [
    '[app.softphone.shell:calls] milestone=reported call=6f1c8e2a-9b1d-4c55-8b4e-2d8e1a0c9f11 CXStartCallAction',
    'call-answered',
  ], // :451
  [
    '[app.softphone.shell:audio] milestone=activated call=6f1c8e2a-9b1d-4c55-8b4e-2d8e1a0c9f11 didActivate answerToActivateMs=84',
    'app-audio-did-activate',
  ], // :553
  [
    '[app.softphone.shell:audio] milestone=deactivated call=6f1c8e2a-9b1d-4c55-8b4e-2d8e1a0c9f11 didDeactivate',
    'app-audio-did-deactivate',
  ], // :569
  ['[app.softphone.shell:audio] interruption began', 'app-audio-interruption-began'], // Audio/CallAudioService.swift:175
  // The watchdog says an activation did NOT come: it must not read as one (CallKitAdaptee.swift:366, :194).
  [
    '[app.softphone.shell:audio] milestone=activation-failed call=6f1c8e2a-9b1d-4c55-8b4e-2d8e1a0c9f11 no didActivate within 5000 ms',
    null,
  ],
  [
    '[app.softphone.shell:audio] waiting for didActivate after answer call=6f1c8e2a-9b1d-4c55-8b4e-2d8e1a0c9f11',
    null,
  ],
  // :367 through :202, the configuration the watchdog assigns after a missing activation.
  ['[app.softphone.shell:calls] provider configuration assigned: backstop after a missing didActivate', null],
];

test('real iPhone lines, quoted in public threads, hit their rule', () => {
  for (const [message, id, source] of REAL)
    assert.equal(matchEntry(entry(message))?.rule.id, id, `${source}: ${message}`);
});

test("the shell's own lines hit their rule, and its 'no didActivate' is not an activation", () => {
  for (const [message, id] of SHELL) assert.equal(matchEntry(entry(message))?.rule.id ?? null, id, message);
});
