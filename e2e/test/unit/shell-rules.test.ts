/**
 * The iOS shell's syntax-tree rules (src/ios-shell/shell-rules.ts) on small Swift snippets: each
 * holds on right code and reports wrong code, including wrong code that the old text-position
 * checks let through, and right code they refused after a refactor.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  configurationBeforeEveryReport,
  noAudioSessionActivation,
  pushKitAndCallKitBeforeUi,
} from '../../src/ios-shell/shell-rules.ts';
import { swiftParser, type Node } from '../../src/ios-shell/swift-syntax.ts';

let parse: (source: string) => Node;
before(async () => {
  parse = await swiftParser();
});

describe('F1.1: nothing activates the audio session', () => {
  const check = (src: string) => noAudioSessionActivation(new Map([['A.swift', parse(src)]]));

  it('holds when setActive appears only in comments and strings', () => {
    assert.deepEqual(check('// never setActive\nfunc f() { log("no setActive") }'), []);
  });

  it('reports a call, however it is spelled', () => {
    assert.deepEqual(check('func f() {\n  try? AVAudioSession.sharedInstance().setActive(true)\n}'), [
      'A.swift:2 uses setActive',
    ]);
    assert.equal(check('func f() { try session\n  .setActive(true, options: []) }').length, 1);
  });
});

describe('F1.3: the provider configuration before every reportNewIncomingCall', () => {
  const adaptee = (body: string, assign = 'provider.configuration = Self.config') => `
final class Adaptee {
    private func assignConfiguration() {
        ${assign}
    }
    func report(_ id: UUID) {
${body}
    }
}`;
  const check = (src: string) => configurationBeforeEveryReport('A.swift', parse(src));

  it('holds when the configuration is assigned first, however far above', () => {
    const body = `
        assignConfiguration()
        let a = 1
        let b = 2
        let c = 3
        let d = 4
        provider.reportNewIncomingCall(with: id, update: u) { _ in }`;
    assert.deepEqual(check(adaptee(body)), []);
    assert.deepEqual(
      check(
        adaptee(
          'provider.configuration = Self.config\nprovider.reportNewIncomingCall(with: id, update: u) { _ in }',
        ),
      ),
      [],
      'a direct assignment counts',
    );
  });

  it('reports a report with no assignment before it in its function', () => {
    const body = `
        provider.reportNewIncomingCall(with: id, update: u) { _ in }
        assignConfiguration()`;
    assert.deepEqual(check(adaptee(body)), [
      'A.swift:8 report reports a call without assigning the provider configuration first',
    ]);
  });

  it('reports an assignment only on some paths (a branch or a closure)', () => {
    for (const guarded of [
      'if fresh { assignConfiguration() }',
      'DispatchQueue.main.async { assignConfiguration() }',
      'for _ in xs { assignConfiguration() }',
    ]) {
      const body = `${guarded}\nprovider.reportNewIncomingCall(with: id, update: u) { _ in }`;
      assert.equal(check(adaptee(body)).length, 1, guarded);
    }
  });

  it('reports an assignment in another function, and a helper that does not assign the configuration', () => {
    const src = `
final class Adaptee {
    private func assignConfiguration() { provider.configuration = Self.config }
    func prepare() { assignConfiguration() }
    func report(_ id: UUID) {
        provider.reportNewIncomingCall(with: id, update: u) { _ in }
    }
}`;
    assert.equal(check(src).length, 1);
    const body = 'assignConfiguration()\nprovider.reportNewIncomingCall(with: id, update: u) { _ in }';
    assert.equal(check(adaptee(body, 'log("configuration")')).length, 1);
  });
});

describe('F2.1: PushKit and CallKit at launch, before any UI', () => {
  const delegate = (body: string) => ({
    file: 'AppDelegate.swift',
    root: parse(`
final class AppDelegate: UIResponder, UIApplicationDelegate {
    func application(_ application: UIApplication, didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
${body}
        return true
    }
}`),
  });
  const shell = (body: string) => ({
    file: 'Shell.swift',
    root: parse(`
final class Shell {
    init(configuration: ShellConfiguration) {
${body}
    }
}`),
  });
  const goodLaunch = `
        let shell = Shell(configuration: .current)
        let window = UIWindow(frame: UIScreen.main.bounds)
        window.rootViewController = shell.makeWebViewController()
        window.makeKeyAndVisible()`;
  const goodShell = `
        audio = CallAudioService()
        callKit = CallKitAdaptee(audio: audio)
        pushKit = PushKitManager(calls: callKit)
        media = NativeMediaEngine()
        bridge = WebBridge(pageOrigin: configuration.pageURL)`;

  it('holds for the shell built first, audio first within it', () => {
    assert.deepEqual(pushKitAndCallKitBeforeUi(delegate(goodLaunch), shell(goodShell)), []);
  });

  it('reports UI made before the Shell, or the Shell built only later (in a closure or a branch)', () => {
    const uiFirst = `
        let window = UIWindow(frame: UIScreen.main.bounds)
        let shell = Shell(configuration: .current)`;
    assert.deepEqual(pushKitAndCallKitBeforeUi(delegate(uiFirst), shell(goodShell)), [
      'AppDelegate.swift didFinishLaunching: UIWindow (line 5) before the Shell',
    ]);
    for (const later of [
      'DispatchQueue.main.async { self.shell = Shell(configuration: .current) }',
      'if signedIn { self.shell = Shell(configuration: .current) }',
    ]) {
      assert.deepEqual(pushKitAndCallKitBeforeUi(delegate(later), shell(goodShell)), [
        'AppDelegate.swift didFinishLaunching does not build Shell unconditionally',
      ]);
    }
  });

  it('reports the audio service after libwebrtc, and PushKit behind the web bridge or missing', () => {
    const mediaFirst = goodShell
      .replace('audio = CallAudioService()', 'media = NativeMediaEngine()')
      .replace(/media = NativeMediaEngine\(\)\n(\s+)bridge/, 'audio = CallAudioService()\n$1bridge');
    const violations = pushKitAndCallKitBeforeUi(delegate(goodLaunch), shell(mediaFirst));
    assert.ok(violations.includes('Shell.swift Shell.init builds NativeMediaEngine before CallAudioService'));
    const noPush = goodShell.replace('pushKit = PushKitManager(calls: callKit)', '');
    assert.deepEqual(pushKitAndCallKitBeforeUi(delegate(goodLaunch), shell(noPush)), [
      'Shell.swift Shell.init does not build PushKitManager unconditionally',
    ]);
    const pushLast = `${goodShell.replace('pushKit = PushKitManager(calls: callKit)', '')}
        pushKit = PushKitManager(calls: callKit)`;
    assert.deepEqual(pushKitAndCallKitBeforeUi(delegate(goodLaunch), shell(pushLast)), [
      'Shell.swift Shell.init builds WebBridge before PushKitManager',
    ]);
  });
});
