/**
 * The shell simulator's event log rendered as the system-log lines a real iPhone writes for the same
 * moments (`log show --style syslog`), so that voip-doctor reads the simulated phone as it reads a
 * real one. Every line is one of three kinds, each with its source next to it:
 *
 * - `console`: quoted from a real iPhone's console or sysdiagnose in a public thread (the URL); the
 *   text is verbatim, only bundle ids, pids and sizes are ours.
 * - `binary`: the format string in iOS 18.2's own binary (decompiled, EthanArbuckle/iPhone17-1_18.2_
 *   22C152_Restore), where no public console quote was found; `%@` is printed as `<private>`, as a
 *   phone without a logging profile prints it (the console quotes below show `<private>` there too).
 * - `app`: our iOS shell's own Logger line (ios-shell/, the file and line named): a real phone
 *   running the shell writes exactly this.
 *
 * voip-doctor's patterns were fixed to read these lines, never the other way round. An event with no
 * line we could cite renders as nothing (said where it happens); a missing activation is, as on a
 * phone, the absence of its lines.
 */
import type { SystemEvent } from '@softphone/web/callkit-simulator';
import type { DeviceLogLine } from './iphone.ts';

const BUNDLE = 'app.softphone.shell';
const APP = 'Softphone';
const PID = {
  apsd: 98,
  callservicesd: 112,
  InCallService: 214,
  audiomxd: 87,
  mediaserverd: 86,
  routined: 133,
  runningboardd: 33,
  [APP]: 1958,
} as const;
type Process = keyof typeof PID;

const DECOMPILED =
  'https://github.com/EthanArbuckle/iPhone17-1_18.2_22C152_Restore/blob/f2374d1a3ed838584b9966f98b2531c70202701b/System/Library/';

/** Where a line's wording comes from, and what that source shows. */
export interface Citation {
  kind: 'console' | 'binary' | 'app';
  url: string;
  shows: string;
}

interface Line {
  process: Process;
  message: string;
  source: Citation;
}

/** The shell's os Logger lines: `[subsystem:category] message`, as `log show --style syslog` prints them. */
const app = (category: string, message: string, file: string, line: number): Line => ({
  process: APP,
  message: `[${BUNDLE}:${category}] ${message}`,
  source: { kind: 'app', url: `ios-shell/Shell/${file}:${line}`, shows: 'the shell logs this line' },
});

/** `milestone=… call=…` (ios-shell/Shell/Support/Log.swift `Logger.milestone`): the call id in lower case. */
const milestone = (
  category: string,
  name: string,
  callId: string,
  detail: string,
  file: string,
  line: number,
): Line => app(category, `milestone=${name} call=${callId.toLowerCase()} ${detail}`, file, line);

const TWILIO_152 = 'https://github.com/twilio/voice-quickstart-ios/issues/152';

const LINES = {
  apsData: {
    process: 'apsd',
    message:
      '<private>: Outstanding data received: <private> (length 410) onInterface: NonCellular. Connected on 1 interfaces.',
    source: {
      kind: 'console',
      url: TWILIO_152,
      shows:
        'an iPhone console export: `default 12:05:01.310788 +0530 apsd <private>: Outstanding data received: …`',
    },
  },
  apsMessage: {
    process: 'callservicesd',
    message:
      'Received incoming APS message from application with bundle identifier <private> and topic <private>',
    source: {
      kind: 'binary',
      url: `${DECOMPILED}PrivateFrameworks/TelephonyUtilities.framework/CSDVoIPApplicationController.m`,
      shows:
        '`Received incoming APS message from application with bundle identifier %@ and topic %@` (no console quote found)',
    },
  },
  launched: {
    process: 'callservicesd',
    message: `Successfully launched application with bundle identifier ${BUNDLE}`,
    source: {
      kind: 'console',
      url: 'https://developer.apple.com/forums/thread/799024',
      shows:
        'Apple DTS quoting a sysdiagnose: `callservicesd: [com.apple.calls.callservicesd:Default] Successfully launched application with bundle identifier <bundle id>`',
    },
  },
  delivered: {
    process: 'callservicesd',
    message: `Delivering 1 VoIP payload(s) to application ${APP}`,
    source: {
      kind: 'console',
      url: 'https://developer.apple.com/forums/thread/801446',
      shows:
        "a developer's system log: `callservicesd: Delivering 1 VoIP payload(s) to application UrgiDoctor`",
    },
  },
  pushReceived: app('push', 'didReceiveIncomingVoIPPush (classic)', 'Push/PushKitManager.swift', 66),
  blocked: {
    process: 'callservicesd',
    message:
      'Application <private> will not be launched because it failed to report an incoming call too many times (or repeatedly crashed.)',
    source: {
      kind: 'console',
      url: 'https://github.com/react-native-webrtc/react-native-voip-push-notification/issues/102',
      shows:
        'a comment quoting "device logs": `Application <private> will not be launched because it failed to report an incoming call too many times (or repeatedly crashed.)`',
    },
  },
  dropped: {
    process: 'callservicesd',
    message: 'VoIP push for app <private> dropped on the floor',
    source: {
      kind: 'binary',
      url: `${DECOMPILED}PrivateFrameworks/TelephonyUtilities.framework/CSDReportingController.m`,
      shows:
        '`VoIP push for app %@ dropped on the floor`; https://developer.apple.com/forums/thread/784473 says "dropped on the floor in the console" without quoting the line',
    },
  },
  killed: {
    process: APP,
    message:
      "*** Terminating app due to uncaught exception 'NSInternalInconsistencyException', reason: 'Killing app because it never posted an incoming call to the system after receiving a PushKit VoIP push.'",
    source: {
      kind: 'console',
      url: 'https://developer.apple.com/forums/thread/801446',
      shows:
        "the crash as logged: `*** Terminating app due to uncaught exception 'NSInternalInconsistencyException', reason: 'Killing app because it never posted …'` (also hiennguyen92/flutter_callkit_incoming#745)",
    },
  },
  configuration: {
    process: APP,
    message: 'Provider <private> was notified that configuration was set to <private>',
    source: {
      kind: 'binary',
      url: `${DECOMPILED}Frameworks/CallKit.framework/CXProvider.m`,
      shows:
        '`Provider %@ was notified that configuration was set to %@`, logged by CallKit in the app process (no console quote found)',
    },
  },
  reported: {
    process: APP,
    message:
      'Provider <private> was asked to report a new incoming call with UUID: <private> update: <private>',
    source: {
      kind: 'binary',
      url: `${DECOMPILED}Frameworks/CallKit.framework/CXProvider.m`,
      shows:
        '`Provider %@ was asked to report a new incoming call with UUID: %@ update: %@` (no console quote found)',
    },
  },
  ringing: {
    process: 'InCallService',
    message:
      'UpdateCurrentState: Call status is TUCallStatusRinging, setting state to PHInCallStateIncomingRinging',
    source: {
      kind: 'console',
      url: TWILIO_152,
      shows:
        '`default 12:05:04.266068 +0530 InCallService UpdateCurrentState: Call status is TUCallStatusRinging, setting state to PHInCallStateIncomingRinging`',
    },
  },
  sessionLost: {
    process: 'audiomxd',
    message:
      'AVAudioSessionXPCServer.mm:404 -[AVAudioSessionRemoteXPCClient createProxySession:reply:] failed due to session lookup failure for SessionID 0x0',
    source: {
      kind: 'console',
      url: 'https://developer.apple.com/forums/thread/783870',
      shows:
        'Apple DTS quoting the log: `error 18:44:22.533627+0800 audiomxd AVAudioSessionXPCServer.mm:404 … failed due to session lookup failure for SessionID 0x0`',
    },
  },
  dialing: {
    process: 'callservicesd',
    message: 'Dialing new call due to requested start call action: <private>',
    source: {
      kind: 'binary',
      url: `${DECOMPILED}PrivateFrameworks/TelephonyUtilities.framework/CSDProviderCallDataSource.m`,
      shows: '`Dialing new call due to requested start call action: %@` (no console quote found)',
    },
  },
  audioActive: {
    process: 'callservicesd',
    message: 'Setting audio active: <private> options: 0 for provider <private>',
    source: {
      kind: 'console',
      url: TWILIO_152,
      shows:
        '`default 12:05:02.908987 +0530 callservicesd Setting audio active: <private> options: 0 for provider <private>`',
    },
  },
  appActivated: {
    process: 'mediaserverd',
    message: `AudioSessionServerImp.cpp:3223:Sub_AudioSessionSetActiveWithFlags: { "action":"activate", "session":{"ID":"0x3535e","PID":${PID[APP]},"name":"${APP}"}, "details":{"controlling_PID":${PID[APP]}} }`,
    source: {
      kind: 'console',
      url: 'https://github.com/react-native-webrtc/react-native-callkeep/issues/489',
      shows:
        'the audio server naming who activated a session: `mediaserverd AudioSessionServerImp.cpp:3223:Sub_AudioSessionSetActiveWithFlags: { "action":"activate", "session":{"ID":"0x3535e","PID":2145,…}, "details":{"controlling_PID":150} }`; here the app is its own controller',
    },
  },
  stoppedTracking: {
    process: 'callservicesd',
    message: 'Stopped tracking call: <private>',
    source: {
      kind: 'console',
      url: TWILIO_152,
      shows:
        '`default 12:05:04.272265 +0530 callservicesd Stopped tracking call: <private>` (also twilio/voice-quickstart-ios#398)',
    },
  },
  terminated: {
    process: 'runningboardd',
    message: `[application<${BUNDLE}>:${PID[APP]}] termination reported by launchd (2, 10, 10)`,
    source: {
      kind: 'console',
      url: 'https://github.com/microsoftconnect/ms-intune-app-sdk-ios/issues/137',
      shows:
        '`runningboardd RunningBoard [application<com.AppCo.MyApp>:432] termination reported by launchd (2, 10, 10)`',
    },
  },
  unlockedSinceBoot: (yes: boolean): Line => ({
    process: 'routined',
    message: `unlocked since boot, ${yes ? 'YES' : 'NO'}`,
    source: {
      kind: 'binary',
      url: 'https://github.com/search?q=%22unlocked+since+boot%2C+%25%40%22&type=code',
      shows:
        'RTDataProtectionManager\'s `unlocked since boot, %@` with the constant @"NO"/@"YES" (decompiled CoreRoutine; no console quote found, and whether a phone redacts this constant we could not confirm)',
    },
  }),
} satisfies Record<string, Line | ((yes: boolean) => Line)>;

/** What the render needs to remember across events: when each call was answered or started. */
interface RenderState {
  answeredAt: Map<string, number>;
}

/** The lines one event stands for. */
function render(e: SystemEvent, state: RenderState): Line[] {
  const id = e.callId ?? '00000000-0000-0000-0000-000000000000';
  switch (e.kind) {
    case 'push-arrived':
      return [LINES.apsData, LINES.apsMessage];
    case 'app-launched':
      return [LINES.launched];
    case 'push-decision':
      return [LINES.delivered, LINES.pushReceived];
    case 'push-dropped':
      // S2 is callservicesd's kill-count block; S3 (before first unlock) leaves no line of its own.
      return /S2/.test(e.detail ?? '') ? [LINES.blocked, LINES.dropped] : [];
    case 'app-killed':
      return [LINES.killed];
    case 'configuration-assigned':
      return [
        LINES.configuration,
        // The simulator tags its reasons with the field notes' item, e.g. ` (A1)`; the shell does not.
        app(
          'calls',
          `provider configuration assigned: ${(e.detail ?? '').replace(/ \([A-Z]\d+\)$/, '')}`,
          'Calls/CallKitAdaptee.swift',
          202,
        ),
      ];
    case 'incoming-reported':
      return [LINES.reported, LINES.ringing];
    case 'session-lost':
      return [LINES.sessionLost];
    case 'start-requested':
      return [LINES.dialing];
    case 'start-fulfilled':
      state.answeredAt.set(id, e.at);
      return [milestone('calls', 'reported', id, 'CXStartCallAction', 'Calls/CallKitAdaptee.swift', 451)];
    case 'answer-fulfilled':
      state.answeredAt.set(id, e.at);
      return [milestone('calls', 'answered', id, 'CXAnswerCallAction', 'Calls/CallKitAdaptee.swift', 472)];
    case 'didActivate': {
      const since = state.answeredAt.get(id);
      return [
        LINES.audioActive,
        milestone(
          'audio',
          'activated',
          id,
          `didActivate answerToActivateMs=${since === undefined ? 0 : e.at - since}`,
          'Calls/CallKitAdaptee.swift',
          553,
        ),
      ];
    }
    case 'didDeactivate':
      return [milestone('audio', 'deactivated', id, 'didDeactivate', 'Calls/CallKitAdaptee.swift', 569)];
    case 'app-activated-audio':
      return [LINES.appActivated];
    case 'interruption':
      // "End & Accept" posts the begin and never the end.
      return e.detail === 'end'
        ? [app('audio', 'interruption ended', 'Audio/CallAudioService.swift', 180)]
        : [app('audio', 'interruption began', 'Audio/CallAudioService.swift', 175)];
    case 'activation-failed':
      // The simulator's detail is the shell's own words: `no didActivate within N ms`.
      return [milestone('audio', 'activation-failed', id, e.detail ?? '', 'Calls/CallKitAdaptee.swift', 366)];
    case 'ended':
      return [LINES.stoppedTracking];
    case 'app-terminated':
      return [LINES.terminated];
    case 'rebooted':
      return [LINES.unlockedSinceBoot(false)];
    case 'first-unlock':
      return [LINES.unlockedSinceBoot(true)];
    default:
      return [];
  }
}

/** `2025-03-09 14:52:02.178784+0000` in UTC, as `log show --style syslog` prints it. */
function stamp(at: number): string {
  const iso = new Date(at).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000+0000`;
}

/** The device log lines of `events`, in order, each with the source of its wording. */
export function syslogLines(events: readonly SystemEvent[]): (DeviceLogLine & { source: Citation })[] {
  const state: RenderState = { answeredAt: new Map() };
  return events.flatMap((e) =>
    render(e, state).map(({ process, message, source }) => ({
      at: e.at,
      message: `${stamp(e.at)}  localhost ${process}[${PID[process]}]: ${message}`,
      source,
    })),
  );
}
