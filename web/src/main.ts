/** Boot: build the phone for this platform and mount the app. */
import './app/sp-app.ts';
import { Phone } from './call/phone.ts';
import { installTestHooks } from './debug/test-hooks.ts';
import { ImmediateAudioActivation } from './media/audio-activation.ts';
import { BrowserMediaEngine } from './media/browser-engine.ts';
import { InstalledApp } from './pwa/installed-app.ts';

const phone = new Phone({
  serverUrl: window.location.origin,
  createEngine: (events) => new BrowserMediaEngine(events),
  activation: new ImmediateAudioActivation(),
});
installTestHooks(phone);
const installed = new InstalledApp();

const app = document.createElement('sp-app');
app.phone = phone;
app.installed = installed;
document.body.append(app);
installed.start((launch) => void phone.takeLaunch(launch));
