/**
 * The commands and capabilities the physical-iPhone adapter sends, exactly, per iOS version,
 * against a recording stand-in for a WebdriverIO session on a real phone (xcuitest-stand-in.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PhysicalDeviceSchema, xcuitestCapabilities, type PhysicalDevice } from '../../../appium.config.ts';
import { callKitUi, MAX_CALLKIT_TAPS, PhysicalIphone } from '../../src/farm/physical-iphone.ts';
import { XcuitestStandIn } from './xcuitest-stand-in.ts';

const profile = (over: Record<string, unknown> = {}): PhysicalDevice =>
  PhysicalDeviceSchema.parse({
    name: 'lab-iphone',
    udid: '00008110-001A2C3E0E38801E',
    iosVersion: '18.2',
    appium: 'http://lab-mac.local:4723',
    signing: { xcodeOrgId: 'JWL241K123' },
    passcode: false,
    farm: 'self-hosted',
    ...over,
  });

function phone(iosVersion: string, over: Record<string, unknown> = {}) {
  const driver = new XcuitestStandIn();
  const iphone = new PhysicalIphone(driver, profile({ iosVersion, ...over }), driver.clock);
  return { driver, iphone };
}

function ringing(driver: XcuitestStandIn, iosVersion: string, windows = 1): void {
  const ui = callKitUi(iosVersion);
  driver.callKit = { app: ui.app, buttons: [ui.accept, ui.decline], windows };
}

describe('physical iPhone: CallKit answer and decline per iOS version', () => {
  it('iOS 17: SpringBoard is made the active app, "Accept" is tapped once, the active app goes back to auto', async () => {
    const { driver, iphone } = phone('17.5');
    ringing(driver, '17.5');
    await iphone.answerOnCallKit();
    assert.deepEqual(driver.sequence(), [
      'updateSettings [{"defaultActiveApplication":"com.apple.springboard"}]',
      'findElements ["accessibility id","Accept"]',
      'elementClick ["Accept#1"]',
      'findElements ["accessibility id","Accept"]',
      'updateSettings [{"defaultActiveApplication":"auto"}]',
    ]);
  });

  it('iOS 18: InCallService is made the active app and "acceptCall" is tapped', async () => {
    const { driver, iphone } = phone('18.2');
    ringing(driver, '18.2');
    await iphone.answerOnCallKit();
    assert.deepEqual(driver.sequence(), [
      'updateSettings [{"defaultActiveApplication":"com.apple.InCallService"}]',
      'findElements ["accessibility id","acceptCall"]',
      'elementClick ["acceptCall#1"]',
      'findElements ["accessibility id","acceptCall"]',
      'updateSettings [{"defaultActiveApplication":"auto"}]',
    ]);
  });

  it('decline: "Decline" on iOS 17, "rejectCall" on iOS 18', async () => {
    for (const [v, id, app] of [
      ['17.0', 'Decline', 'com.apple.springboard'],
      ['18.0', 'rejectCall', 'com.apple.InCallService'],
    ] as const) {
      const { driver, iphone } = phone(v);
      ringing(driver, v);
      await iphone.declineOnCallKit();
      assert.equal(driver.sequence()[0], `updateSettings [{"defaultActiveApplication":"${app}"}]`);
      assert.deepEqual(
        driver.calls.filter((c) => c.cmd === 'elementClick').map((c) => c.args[0]),
        [`${id}#1`],
        v,
      );
    }
  });

  it('a second CallKit window after the first tap: the button is tapped again, then the UI is gone', async () => {
    for (const v of ['17.5', '18.2']) {
      const { driver, iphone } = phone(v);
      ringing(driver, v, 2);
      await iphone.answerOnCallKit();
      const accept = callKitUi(v).accept;
      assert.deepEqual(
        driver.calls.filter((c) => c.cmd === 'elementClick').map((c) => c.args[0]),
        [`${accept}#2`, `${accept}#1`],
        v,
      );
      assert.equal(driver.callKit.windows, 0);
      assert.equal(driver.sequence().at(-1), 'updateSettings [{"defaultActiveApplication":"auto"}]');
    }
  });

  it('a window that takes a moment to close is not tapped twice', async () => {
    const { driver, iphone } = phone('18.2');
    ringing(driver, '18.2');
    driver.closeAfterMs = 1_000;
    await iphone.answerOnCallKit();
    assert.equal(driver.calls.filter((c) => c.cmd === 'elementClick').length, 1);
  });

  it(`a button that never goes away: at most ${MAX_CALLKIT_TAPS} taps, a clear error, the active app restored`, async () => {
    const { driver, iphone } = phone('18.2');
    ringing(driver, '18.2');
    driver.tapCloses = false;
    await assert.rejects(iphone.answerOnCallKit(), /"acceptCall" button is still there after 3 taps/);
    assert.equal(driver.calls.filter((c) => c.cmd === 'elementClick').length, MAX_CALLKIT_TAPS);
    assert.equal(driver.sequence().at(-1), 'updateSettings [{"defaultActiveApplication":"auto"}]');
  });

  it('no CallKit UI: the error names the button and app it looked for, and the active app is restored', async () => {
    const { driver, iphone } = phone('17.5');
    await assert.rejects(
      iphone.answerOnCallKit(),
      /CallKit's "Accept" button \(com\.apple\.springboard\) did not appear/,
    );
    assert.equal(driver.calls.filter((c) => c.cmd === 'elementClick').length, 0);
    assert.equal(driver.sequence().at(-1), 'updateSettings [{"defaultActiveApplication":"auto"}]');
  });

  it('looks for the UI only in the system app: with the app under test active, nothing is found', async () => {
    const { driver, iphone } = phone('18.2');
    ringing(driver, '18.2');
    driver.callKit.app = 'com.apple.springboard'; // iOS 18 puts it in InCallService, not here
    await assert.rejects(iphone.answerOnCallKit(), /did not appear/);
  });
});

describe('physical iPhone: app, lock and clock commands', () => {
  it('launch: mobile: launchApp with the bundle id and the QA launch arguments, then waits for state 4', async () => {
    const { driver, iphone } = phone('18.2', { knownSignal: true });
    await iphone.launch();
    assert.deepEqual(driver.sequence(), [
      'mobile: launchApp [{"bundleId":"app.softphone.shell","arguments":["-SoftphoneQAStatsLog","YES","-SoftphoneKnownSignalUplink","YES"]}]',
      'mobile: queryAppState [{"bundleId":"app.softphone.shell"}]',
    ]);
  });

  it('terminate: mobile: terminateApp; background: mobile: pressButton home; each waits for its state', async () => {
    const { driver, iphone } = phone('17.5');
    driver.appState = 4;
    await iphone.background();
    assert.equal(await iphone.state(), 3);
    await iphone.terminate();
    assert.deepEqual(driver.sequence(), [
      'mobile: pressButton [{"name":"home"}]',
      'mobile: queryAppState [{"bundleId":"app.softphone.shell"}]',
      'mobile: queryAppState [{"bundleId":"app.softphone.shell"}]',
      'mobile: terminateApp [{"bundleId":"app.softphone.shell"}]',
      'mobile: queryAppState [{"bundleId":"app.softphone.shell"}]',
    ]);
  });

  it('an app that does not reach the state: the error says which state it stayed in', async () => {
    const { driver, iphone } = phone('17.5');
    driver.appState = 1; // home does not change a not-running app
    await assert.rejects(iphone.background(), /not in the background within 10000 ms \(state 1\)/);
  });

  it('state: anything but 0…4 from queryAppState is an error, not a state', async () => {
    const { driver, iphone } = phone('18.2');
    driver.appState = 7;
    await assert.rejects(iphone.state(), /queryAppState returned 7/);
  });

  it('lock and unlock: mobile: lock without seconds, mobile: unlock, each confirmed by mobile: isLocked', async () => {
    const { driver, iphone } = phone('18.2');
    await iphone.lock();
    await iphone.unlock();
    assert.deepEqual(driver.sequence(), [
      'mobile: lock [{}]',
      'mobile: isLocked [{}]',
      'mobile: unlock [{}]',
      'mobile: isLocked [{}]',
    ]);
  });

  it('a phone with a passcode: lock and unlock refuse before sending anything', async () => {
    const { driver, iphone } = phone('18.2', { passcode: true });
    await assert.rejects(iphone.lock(), /cannot lock a phone with a passcode/);
    await assert.rejects(iphone.unlock(), /cannot unlock a phone with a passcode/);
    assert.deepEqual(driver.calls, []);
  });

  it('device time: mobile: getDeviceTime with a millisecond format, parsed to epoch ms', async () => {
    const { driver, iphone } = phone('18.2');
    assert.equal(await iphone.deviceTime(), Date.parse('2026-12-01T08:00:00.250Z'));
    assert.deepEqual(driver.sequence(), ['mobile: getDeviceTime [{"format":"YYYY-MM-DDTHH:mm:ss.SSSZ"}]']);
    driver.deviceTimeReply = 'Tuesday';
    await assert.rejects(iphone.deviceTime(), /getDeviceTime returned "Tuesday"/);
  });

  it('microphone prompt: mobile: alert getButtons, then accept with the "Allow" label; no alert → false', async () => {
    const { driver, iphone } = phone('18.2');
    assert.equal(await iphone.grantMicrophone(), false);
    driver.alertButtons = ['Don’t Allow', 'Allow'];
    assert.equal(await iphone.grantMicrophone(), true);
    assert.deepEqual(driver.sequence(), [
      'mobile: alert [{"action":"getButtons"}]',
      'mobile: alert [{"action":"getButtons"}]',
      'mobile: alert [{"action":"accept","buttonLabel":"Allow"}]',
    ]);
  });

  it('an alert that is not the microphone prompt is not accepted', async () => {
    const { driver, iphone } = phone('18.2');
    driver.alertButtons = ['Cancel', 'Delete'];
    await assert.rejects(iphone.grantMicrophone(), /no "Allow" or "OK" button/);
    assert.equal(driver.calls.filter((c) => JSON.stringify(c.args).includes('accept')).length, 0);
  });
});

describe('physical iPhone: the web view', () => {
  it('answer in the app: activateApp, the WEBVIEW context, the page click, back to NATIVE_APP', async () => {
    const { driver, iphone } = phone('18.2');
    driver.pageControls.add('answer');
    await iphone.answerInApp();
    assert.deepEqual(driver.sequence(), [
      'mobile: activateApp [{"bundleId":"app.softphone.shell"}]',
      'getAppiumContexts []',
      'switchAppiumContext ["WEBVIEW_1234.1"]',
      'execute(page script) ["answer"]',
      'switchAppiumContext ["NATIVE_APP"]',
    ]);
  });

  it('hang up waits for the control, then fails clearly and still leaves the web context', async () => {
    const { driver, iphone } = phone('18.2');
    await assert.rejects(iphone.hangUp(), /no "hangup" control within 10000 ms/);
    assert.equal(driver.sequence().at(-1), 'switchAppiumContext ["NATIVE_APP"]');
  });

  it('a build without an inspectable web view (not QA): an error that says so', async () => {
    const { driver, iphone } = phone('18.2');
    driver.contexts = ['NATIVE_APP'];
    await assert.rejects(iphone.answerInApp(), /no inspectable web view \(a QA build is needed/);
  });
});

describe('physical iPhone: the device log', () => {
  it("keeps getLogs('syslog') lines across calls and returns T − 30 s … T + 10 s", async () => {
    const { driver, iphone } = phone('18.2');
    const T = driver.clock.t;
    driver.syslog('too early', T - 31_000);
    driver.syslog('first in', T - 30_000);
    driver.syslog('milestone=answered call=6f1c', T);
    assert.equal(await iphone.waitForVoipToken(0), false); // a getLogs that drains the lines so far
    driver.syslog('last in', T + 10_000);
    driver.syslog('too late', T + 10_500);
    const lines = await iphone.logWindow(T);
    assert.deepEqual(
      lines.map((l) => l.message),
      ['first in', 'milestone=answered call=6f1c', 'last in'],
    );
    assert.ok(driver.calls.every((c) => c.cmd !== 'getLogs' || c.args[0] === 'syslog'));
  });

  it('a quiet phone: the window is returned once lines that late would have arrived', async () => {
    const { driver, iphone } = phone('18.2');
    const T = driver.clock.t;
    driver.syslog('only line', T + 1_000);
    const lines = await iphone.logWindow(T);
    assert.deepEqual(
      lines.map((l) => l.message),
      ['only line'],
    );
    assert.ok(driver.clock.t >= T + 15_000);
  });

  it("VoIP token: true once the shell's `voip token updated` line arrives, false after the timeout", async () => {
    const { driver, iphone } = phone('18.2');
    driver.syslog('push voip token updated suffix=9f3ab2c1', driver.clock.t + 4_000);
    assert.equal(await iphone.waitForVoipToken(30_000), true);
    const other = phone('18.2');
    other.driver.syslog('push apns environment=production (embedded provisioning profile)');
    assert.equal(await other.iphone.waitForVoipToken(30_000), false);
    assert.ok(other.driver.clock.t >= 1_000_000 + 30_000);
  });

  it('own audio: the downlink from qa-stats lines, and what the phone says it sent', async () => {
    const { driver, iphone } = phone('18.2');
    const T = driver.clock.t;
    const session =
      'category=AVAudioSessionCategoryPlayAndRecord mode=AVAudioSessionModeVoiceChat active=true rtcActive=true route=receiver';
    for (let s = 0; s <= 4; s++) {
      const at = T + s * 1_000;
      const samples = s * 48_000;
      // A far-end tone at RMS 0.2 from the second line on (energy grows by level² × seconds): its
      // onset is the start of the first heard window, T + 1 s.
      driver.syslog(
        `qa qa-stats dir=down call=6f1c packets=${s * 50} lost=0 level=0.200 energy=${(0.04 * Math.max(0, s - 1)).toFixed(3)} concealed=0 samples=${samples} ${session}`,
        at,
      );
      driver.syslog(
        `qa qa-stats dir=up call=6f1c packets=${s * 50} level=0.004 energy=0.001 uplink=microphone ${session}`,
        at,
      );
    }
    driver.clock.t = T + 5_000;
    const audio = await iphone.ownAudio(T);
    assert.equal(audio.downlink.heard, true);
    assert.equal(audio.downlink.timeToFirstAudioMs, 1_000);
    assert.deepEqual(audio.uplinkSent, { packets: 200, sourceLevel: 0.004 });
  });
});

describe('XCUITest capabilities from a device profile', () => {
  it('a self-hosted phone: udid, bundle id, noReset, team signing, WDA bundle id, QA launch arguments', () => {
    const caps = xcuitestCapabilities(profile({ updatedWDABundleId: 'com.example.WebDriverAgentRunner' }));
    assert.deepEqual(caps, {
      platformName: 'iOS',
      'appium:automationName': 'XCUITest',
      'appium:udid': '00008110-001A2C3E0E38801E',
      'appium:bundleId': 'app.softphone.shell',
      'appium:noReset': true,
      'appium:xcodeOrgId': 'JWL241K123',
      'appium:xcodeSigningId': 'Apple Development',
      'appium:updatedWDABundleId': 'com.example.WebDriverAgentRunner',
      'appium:usePreinstalledWDA': false,
      'appium:processArguments': { args: ['-SoftphoneQAStatsLog', 'YES'] },
      'appium:includeSafariInWebviews': false,
      'appium:webviewConnectTimeout': 10_000,
    });
  });

  it('an xcconfig instead of team and identity; an .ipa instead of the installed app; a preinstalled WDA', () => {
    const caps = xcuitestCapabilities(
      profile({
        signing: { xcodeConfigFile: '/lab/wda.xcconfig' },
        app: '/builds/Softphone-QA.ipa',
        usePreinstalledWDA: true,
      }),
    ) as Record<string, unknown>;
    assert.equal(caps['appium:xcodeConfigFile'], '/lab/wda.xcconfig');
    assert.equal(caps['appium:xcodeOrgId'], undefined);
    assert.equal(caps['appium:app'], '/builds/Softphone-QA.ipa');
    assert.equal(caps['appium:bundleId'], undefined);
    assert.equal(caps['appium:usePreinstalledWDA'], true);
  });

  it("a farm phone: no signing of the lab's, the farm's own capabilities passed through", () => {
    const caps = xcuitestCapabilities(
      profile({
        farm: 'browserstack',
        signing: undefined,
        capabilities: { 'bstack:options': { deviceName: 'iPhone 15' } },
      }),
    ) as Record<string, unknown>;
    assert.deepEqual(caps['bstack:options'], { deviceName: 'iPhone 15' });
    assert.equal(caps['appium:xcodeOrgId'], undefined);
    assert.equal(caps['appium:xcodeConfigFile'], undefined);
  });
});
