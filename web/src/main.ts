/** Boot: build the phone for this platform and mount the app. */
import './app/sp-app.ts';
import { Phone } from './call/phone.ts';
import { installTestHooks } from './debug/test-hooks.ts';
import { ImmediateAudioActivation } from './media/audio-activation.ts';
import { announceReady, linkCallKit } from './media/callkit-link.ts';
import { LazyMediaEngine } from './media/lazy-engine.ts';
import { ShellAudioActivation } from './media/shell-activation.ts';
import { ShellBridge } from './media/shell-bridge.ts';
import { InstalledApp } from './pwa/installed-app.ts';

const shell = ShellBridge.connect();
/**
 * In the iOS shell the native engine carries the call audio. QA builds can pick the page's own
 * WebRTC instead (`?engine=page`), still gated by CallKit's activation, so that device farms
 * compare the two (field notes §3).
 */
const pageEngineInShell =
  shell?.info.build === 'qa' && new URLSearchParams(window.location.search).get('engine') === 'page';

const phone = new Phone({
  serverUrl: window.location.origin,
  // The engines load with the first call, not before the page is interactive.
  createEngine: (events, callId) =>
    new LazyMediaEngine(async () =>
      shell && !pageEngineInShell
        ? new (await import('./media/ios-engine.ts')).IosMediaEngine(shell, callId, events)
        : new (await import('./media/browser-engine.ts')).BrowserMediaEngine(events),
    ),
  activation: shell ? new ShellAudioActivation(shell) : new ImmediateAudioActivation(),
});
if (shell) linkCallKit(phone, shell);
installTestHooks(phone);
const installed = new InstalledApp();

const app = document.createElement('sp-app');
app.phone = phone;
app.installed = installed;
document.body.append(app);
installed.start((launch) => void phone.takeLaunch(launch));
if (shell) announceReady(shell);
