/**
 * The shell simulator's event log rendered as the system-log lines a real iPhone writes for the same
 * moments (`log show --style syslog`, shared/docs/voip-log-signatures.md §1 and §2.3), so voip-doctor
 * reads the simulated phone as it reads a real one: apsd and callservicesd for a push, the app's
 * CallKit provider lines, callservicesd's audio activation and the app's didActivate, the app's
 * interruption lines, audiomxd's `SessionID 0x0`, routined's `unlocked since boot`. An event with no system-log counterpart renders
 * as nothing; a missing activation is, as on a phone, the absence of its lines.
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
  routined: 133,
  runningboardd: 33,
  SpringBoard: 34,
  [APP]: 1958,
} as const;
type Process = keyof typeof PID;

const uuid = (callId: string | undefined) => (callId ?? '00000000-0000-0000-0000-000000000000').toUpperCase();

/** The lines one event stands for, as [process, message]. */
function render(e: SystemEvent): [Process, string][] {
  const id = uuid(e.callId);
  switch (e.kind) {
    case 'push-arrived':
      return [
        [
          'apsd',
          '<private>: Outstanding data received: <private> (length 410) onInterface: NonCellular. Connected on 1 interfaces.',
        ],
        [
          'callservicesd',
          `Received incoming APS message from application with bundle identifier ${BUNDLE} and topic ${BUNDLE}.voip`,
        ],
      ];
    case 'app-launched':
      return [['callservicesd', `Successfully launched application with bundle identifier ${BUNDLE}`]];
    case 'push-decision':
      return [
        ['callservicesd', `Delivering 1 VoIP payload(s) to application ${BUNDLE}`],
        [
          APP,
          `pushRegistry:didReceiveIncomingPushWithPayload:forType: callId=${e.callId ?? '-'} decision=${e.detail ?? ''}`,
        ],
      ];
    case 'push-dropped':
      // S2 is callservicesd's kill-count block; S3 (before first unlock) leaves no line of its own.
      return /S2/.test(e.detail ?? '')
        ? [
            [
              'callservicesd',
              `Application ${BUNDLE} will not be launched because it failed to report an incoming call too many times (or repeatedly crashed.)`,
            ],
            ['callservicesd', `VoIP push for app ${BUNDLE} dropped on the floor`],
          ]
        : [];
    case 'app-killed':
      return [
        [
          APP,
          "Terminating app due to uncaught exception 'NSInternalInconsistencyException', reason: 'Killing app because it never posted an incoming call to the system after receiving a PushKit VoIP push.'",
        ],
      ];
    case 'configuration-assigned':
      return [
        [
          APP,
          'Provider <CXProvider 0x283a1c0f0> was notified that configuration was set to <CXProviderConfiguration 0x2814f8a80>',
        ],
      ];
    case 'incoming-reported':
      return [
        [
          APP,
          `Provider <CXProvider 0x283a1c0f0> was asked to report a new incoming call with UUID: ${id} update: <CXCallUpdate 0x2803c4e10>`,
        ],
        [
          'InCallService',
          'UpdateCurrentState: Call status is TUCallStatusRinging, setting state to PHInCallStateIncomingRinging',
        ],
      ];
    case 'session-lost':
      return [
        [
          'audiomxd',
          'AVAudioSessionXPCServer.mm:404 -[AVAudioSessionRemoteXPCClient createProxySession:reply:] failed due to session lookup failure for SessionID 0x0',
        ],
      ];
    case 'start-requested':
      return [
        [
          'callservicesd',
          `Dialing new call due to requested start call action: <CXStartCallAction UUID=${id}>`,
        ],
      ];
    case 'start-fulfilled':
      return [
        [
          'InCallService',
          'UpdateCurrentState: Call status is TUCallStatusActive, setting state to PHInCallStateActive',
        ],
      ];
    case 'answer-fulfilled':
      return [[APP, `Provider <CXProvider 0x283a1c0f0> performed CXAnswerCallAction for call ${id}`]];
    case 'didActivate':
      return [
        ['callservicesd', 'Setting audio active: <private> options: 0 for provider <private>'],
        [APP, 'provider:didActivateAudioSession: <AVAudioSession 0x2817c4d20>'],
      ];
    case 'didDeactivate':
      return [[APP, 'provider:didDeactivateAudioSession: <AVAudioSession 0x2817c4d20>']];
    case 'app-activated-audio':
      return [[APP, '[AVAudioSession sharedInstance] setActive:YES']];
    case 'interruption':
      // CallAudioService's lines: the shell's os Logger subsystem is its bundle id, the category audio.
      // "End & Accept" posts the begin and never the end.
      return [[APP, `[${BUNDLE}:audio] interruption ${e.detail === 'end' ? 'ended' : 'began'}`]];
    case 'activation-failed':
      // The shell's own watchdog line (CallAudioService); the simulator's detail names didActivate,
      // which voip-doctor would read as the activation itself.
      return [
        [
          APP,
          `CallAudioService: audio activation watchdog fired for call ${id} (${(e.detail ?? '').replace(/didActivate/g, 'activation')})`,
        ],
      ];
    case 'ended':
      return [['callservicesd', 'End call action fulfilled: <private>']];
    case 'app-terminated':
      return [
        ['runningboardd', `[application<${BUNDLE}>:${PID[APP]}] termination reported by launchd (2, 10, 10)`],
      ];
    case 'rebooted':
      return [['routined', 'unlocked since boot, NO']];
    case 'first-unlock':
      return [['routined', 'unlocked since boot, YES']];
    default:
      return [];
  }
}

/** `2025-03-09 14:52:02.178784+0000` in UTC, as `log show --style syslog` prints it. */
function stamp(at: number): string {
  const iso = new Date(at).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000+0000`;
}

export function syslogLines(events: readonly SystemEvent[]): DeviceLogLine[] {
  return events.flatMap((e) =>
    render(e).map(([process, message]) => ({
      at: e.at,
      message: `${stamp(e.at)}  localhost ${process}[${PID[process]}]: ${message}`,
    })),
  );
}
