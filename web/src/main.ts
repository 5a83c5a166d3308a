/** Boot: build the phone for this platform and mount the app. */
// Linked, not inline, so the page runs under a CSP without 'unsafe-inline'.
import './page.css';
import { createBrowserPhone } from './app/browser-phone.ts';
import './app/sp-app.ts';
import { CaptureWatch } from './debug/capture-watch.ts';
import { RingProbe } from './debug/ring-probe.ts';
import { installTestHooks } from './debug/test-hooks.ts';
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

// QA builds watch the microphone from the first line that could ask for it (compiled out of the product).
const captures =
  import.meta.env.MODE === 'qa' && navigator.mediaDevices ? new CaptureWatch(navigator.mediaDevices) : null;
const ringProbe = import.meta.env.MODE === 'qa' ? new RingProbe() : null;
const phone = createBrowserPhone(shell, pageEngineInShell, ringProbe?.attach);
// The rig's read-only window (`window.softphone`) only in QA builds: its snapshot holds the whole
// state, TURN credentials included, which a production page must not hand to any script on it.
if (import.meta.env.MODE === 'qa') installTestHooks(phone, captures, ringProbe);
const installed = new InstalledApp();

const app = document.createElement('sp-app');
app.phone = phone;
app.installed = installed;
document.body.append(app);
installed.start((launch) => void phone.calls.takeLaunch(launch));
if (shell) {
  // Only in the iOS shell, and after the page is up: the shell queues what it says until
  // `bridge.ready` (announceReady), so nothing is missed while this loads.
  void import('./media/callkit-link.ts').then(({ linkCallKit, announceReady }) => {
    linkCallKit(phone, shell, pageEngineInShell ? 'page' : 'native');
    announceReady(shell);
  });
}
