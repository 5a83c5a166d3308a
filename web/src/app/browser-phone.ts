/** The phone as the page runs it: the browser's (or the iOS shell's) implementations of its deps. */
import { createAccountClient } from '../account/account-client.ts';
import { deviceIdentity } from '../account/device.ts';
import { serverCallRequests } from '../call/call-requests.ts';
import { Phone } from '../call/phone.ts';
import { ImmediateAudioActivation } from '../media/audio-activation.ts';
import { listAudioOutputs } from '../media/audio-outputs.ts';
import { LazyMediaEngine } from '../media/lazy-engine.ts';
import type { Ringer } from '../media/ringer.ts';
import { ShellAudioActivation } from '../media/shell-activation.ts';
import { shellCallRequests } from '../media/shell-call-requests.ts';
import type { ShellBridge } from '../media/shell-bridge.ts';
import { browserCallNotifications } from '../push/call-notifications.ts';
import { SignallingClient } from '../signalling/signalling-client.ts';

/** The shell's choice of output (`audio.output`): the ids are its `AudioOutput` values. */
const SHELL_OUTPUTS = [
  { id: 'receiver', label: 'iPhone' },
  { id: 'speaker', label: 'Speaker' },
];

/** `onRinger`: QA builds tap the ringer's output (debug/ring-probe.ts). */
export function createBrowserPhone(
  shell: ShellBridge | null,
  pageEngineInShell: boolean,
  onRinger?: (ringer: Ringer) => void,
): Phone {
  const phone = new Phone({
    accounts: createAccountClient(),
    openSignalling: (events) => new SignallingClient(window.location.origin, deviceIdentity(), events),
    callRequests: (link) =>
      shell
        ? shellCallRequests(shell, link)
        : // Asked once a call is answered: its code loads then, not before the page is interactive.
          serverCallRequests(link, async () =>
            (await import('./device-description.ts')).describeBrowser(navigator, __APP_BUILD__),
          ),
    // The engines load with the first call, not before the page is interactive.
    createEngine: (events, callId, iceServers) =>
      new LazyMediaEngine(async () =>
        shell && !pageEngineInShell
          ? new (await import('../media/ios-engine.ts')).IosMediaEngine(shell, callId, events, iceServers)
          : new (await import('../media/browser-engine.ts')).BrowserMediaEngine(events, iceServers),
      ),
    activation: shell ? new ShellAudioActivation(shell) : new ImmediateAudioActivation(),
    listOutputs: shell && !pageEngineInShell ? () => Promise.resolve(SHELL_OUTPUTS) : listAudioOutputs,
    notifications: browserCallNotifications,
    whenOnline: (retry) => window.addEventListener('online', retry, { once: true }),
    // In the iOS shell CallKit rings, with either engine.
    openRingPlayer: shell
      ? undefined
      : async (blocked) => {
          const ringer = new (await import('../media/ringer.ts')).Ringer(new AudioContext(), blocked);
          onRinger?.(ringer);
          return ringer;
        },
  });
  // Page Lifecycle: `resume` follows a freeze (a background tab, a shell's suspended web view).
  document.addEventListener('resume', () => void phone.calls.pageResumed());
  return phone;
}
