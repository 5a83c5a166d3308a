/** The phone as the page runs it: the browser's (or the iOS shell's) implementations of its deps. */
import { createAccountClient } from '../account/account-client.ts';
import { deviceIdentity } from '../account/device.ts';
import { Phone } from '../call/phone.ts';
import { ImmediateAudioActivation } from '../media/audio-activation.ts';
import { listAudioOutputs } from '../media/audio-outputs.ts';
import { LazyMediaEngine } from '../media/lazy-engine.ts';
import { ShellAudioActivation } from '../media/shell-activation.ts';
import type { ShellBridge } from '../media/shell-bridge.ts';
import { browserCallNotifications } from '../push/call-notifications.ts';
import { SignallingClient } from '../signalling/signalling-client.ts';

export function createBrowserPhone(shell: ShellBridge | null, pageEngineInShell: boolean): Phone {
  return new Phone({
    accounts: createAccountClient(),
    openSignalling: (events) => new SignallingClient(window.location.origin, deviceIdentity(), events),
    // The engines load with the first call, not before the page is interactive.
    createEngine: (events, callId, iceServers) =>
      new LazyMediaEngine(async () =>
        shell && !pageEngineInShell
          ? new (await import('../media/ios-engine.ts')).IosMediaEngine(shell, callId, events, iceServers)
          : new (await import('../media/browser-engine.ts')).BrowserMediaEngine(events, iceServers),
      ),
    activation: shell ? new ShellAudioActivation(shell) : new ImmediateAudioActivation(),
    listOutputs: listAudioOutputs,
    notifications: browserCallNotifications,
    whenOnline: (retry) => window.addEventListener('online', retry, { once: true }),
  });
}
