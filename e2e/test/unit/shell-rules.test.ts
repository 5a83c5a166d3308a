/**
 * The iOS shell's syntax-tree rules (src/ios-shell/shell-rules.ts) on small Swift snippets: each
 * holds on right code and reports wrong code, including wrong code that the old text-position
 * checks let through, and right code they refused after a refactor.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  balancedLibWebRTCActivation,
  bridgeQueuesBeforeReady,
  configurationBeforeEveryReport,
  interruptionClearedOnActivation,
  noAudioSessionActivation,
  noResumeWithoutDidActivate,
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

const sources = (files: Record<string, string>) =>
  new Map(Object.entries(files).map(([f, src]) => [f, parse(src)] as const));

const AUDIO_SERVICE = `
final class CallAudioService {
    private func record(_ event: AudioSessionLedger.Event) {
        switch ledger.apply(event) {
        case .audioSessionDidActivate?: rtc.audioSessionDidActivate(session)
        case .audioSessionDidDeactivate?, nil: break
        }
        if call == .audioSessionDidDeactivate { rtc.audioSessionDidDeactivate(session) }
    }
    private func apply(from old: AudioSessionLedger) {
        rtc.isAudioEnabled = ledger.audioEnabled
    }
}`;
const MANUAL = `
extension RTCAudioSession {
    func adoptCallKitActivation(notifications: NotificationCenter = .default) {
        useManualAudio = true
        isAudioEnabled = false
        for name in Self.selfActivatingNotifications {
            notifications.removeObserver(self, name: name, object: nil)
        }
    }
}`;

describe('I12.2/I12.3: libwebrtc activation stays balanced', () => {
  it('holds for the ledger-driven calls and the adoption', () => {
    assert.deepEqual(
      balancedLibWebRTCActivation(sources({ 'A.swift': AUDIO_SERVICE, 'M.swift': MANUAL })),
      [],
    );
  });

  it('reports a second activation path, e.g. an unhold that tells libwebrtc the session is back', () => {
    const unhold = `final class CallKitAdaptee {
    func provider(_ p: CXProvider, perform action: CXSetHeldCallAction) {
        if !action.isOnHold { RTCAudioSession.sharedInstance().audioSessionDidActivate(AVAudioSession.sharedInstance()) }
    }
}`;
    const v = balancedLibWebRTCActivation(
      sources({ 'A.swift': AUDIO_SERVICE, 'M.swift': MANUAL, 'C.swift': unhold }),
    );
    assert.ok(
      v.includes('C.swift:3 calls audioSessionDidActivate outside CallAudioService.record'),
      v.join('; '),
    );
    assert.ok(v.includes('audioSessionDidActivate is called 2 times, not once'));
  });

  it('reports audio enabled outside the ledger, and observers left in place', () => {
    const enabler = `final class Engine { func resume() { rtc.isAudioEnabled = true } }`;
    const keeps = MANUAL.replace('notifications.removeObserver(self, name: name, object: nil)', 'log(name)');
    const v = balancedLibWebRTCActivation(
      sources({ 'A.swift': AUDIO_SERVICE, 'M.swift': keeps, 'E.swift': enabler }),
    );
    assert.ok(v.includes('E.swift:1 sets isAudioEnabled = true outside the ledger'), v.join('; '));
    assert.ok(v.some((x) => /does not remove libwebrtc's self-activating observers/.test(x)));
  });
});

const LEDGER = (didActivate: string) => `
struct AudioSessionLedger {
    mutating func apply(_ event: Event) -> LibWebRTCCall? {
        switch event {
        case .didActivate:
            ${didActivate}
            guard !sessionActive else { return nil }
            sessionActive = true
            return .audioSessionDidActivate
        case .interruptionBegan:
            interrupted = true
            return spend()
        case .didDeactivate:
            interrupted = false
            return spend()
        case .callsEnded, .providerDidReset, .mediaServicesReset:
            interrupted = false
            return spend()
        default:
            return nil
        }
    }
}`;
const ADAPTEE = `
final class CallKitAdaptee {
    func provider(_ provider: CXProvider, didActivate audioSession: AVAudioSession) {
        audio.didActivate(audioSession)
    }
}`;

describe('I12.4: no resume without didActivate', () => {
  it('holds when only the ledger’s .didActivate makes the session active', () => {
    const files = { 'L.swift': LEDGER('interrupted = false'), 'C.swift': ADAPTEE };
    assert.deepEqual(noResumeWithoutDidActivate(sources(files)), []);
  });

  it('reports an unhold that resumes by itself, and didActivate faked from elsewhere', () => {
    const unhold = `final class CallKitAdaptee {
    func provider(_ provider: CXProvider, didActivate audioSession: AVAudioSession) { audio.didActivate(audioSession) }
    func provider(_ provider: CXProvider, perform action: CXSetHeldCallAction) {
        if !action.isOnHold { audio.didActivate(AVAudioSession.sharedInstance()) }
    }
}`;
    const ledger = LEDGER('interrupted = false').replace(
      'case .interruptionBegan:',
      'case .interruptionEnded:\n            sessionActive = true\n            return nil\n        case .interruptionBegan:',
    );
    const v = noResumeWithoutDidActivate(sources({ 'L.swift': ledger, 'C.swift': unhold }));
    assert.ok(
      v.some((x) => /^L\.swift:\d+ makes the session active outside the ledger's \.didActivate$/.test(x)),
      v.join('; '),
    );
    assert.ok(
      v.includes('C.swift:4 tells the audio service didActivate outside provider(_:didActivate:)'),
      v.join('; '),
    );
  });
});

describe('I12.1: the interruption flag is cleared on activation', () => {
  const check = (src: string) => interruptionClearedOnActivation('L.swift', parse(src));

  it('holds when every activation, deactivation and end clears it', () => {
    assert.deepEqual(check(LEDGER('interrupted = false')), []);
  });

  it('reports a didActivate that leaves it (only the end cleared it: a begin without end kept it for good)', () => {
    assert.deepEqual(check(LEDGER('')), [
      'L.swift AudioSessionLedger.apply: .didActivate does not clear interrupted',
    ]);
  });

  it('reports a clearing that only happens sometimes', () => {
    assert.deepEqual(check(LEDGER('if wasInterrupted { interrupted = false }')), [
      'L.swift AudioSessionLedger.apply: .didActivate does not clear interrupted',
    ]);
  });
});

const BRIDGE = (send: string) => `
final class WebBridge {
    func send(_ message: NativeToWeb) {
        ${send}
    }
    private func pageIsReady() {
        let queued = outbox.open()
        for message in queued { deliver(message) }
    }
    private func deliver(_ message: NativeToWeb) {
        webView.callAsyncJavaScript("r(m)", arguments: ["m": json], in: nil, in: .page)
    }
    static func decode(body: Any) throws -> WebToNative {
        guard let object = body as? [String: Any], JSONSerialization.isValidJSONObject(object) else { throw E.notAnObject }
        let data = try JSONSerialization.data(withJSONObject: object)
        return try JSONDecoder().decode(WebToNative.self, from: data)
    }
}`;

describe('I12.5/I12.8: the bridge queues before the page is ready', () => {
  const check = (src: string, more: Record<string, string> = {}) =>
    bridgeQueuesBeforeReady(sources({ 'B.swift': src, ...more }));

  it('holds when every delivery goes through the outbox', () => {
    assert.deepEqual(
      check(BRIDGE('guard let now = outbox.send(message) else { return }\n        deliver(now)')),
      [],
    );
  });

  it('reports a send that delivers at once (v1: lost while the page loads)', () => {
    assert.deepEqual(check(BRIDGE('deliver(message)')), [
      'B.swift:4 delivers to the page without the outbox',
    ]);
  });

  it('reports JavaScript called from elsewhere, and JSON serialised unchecked', () => {
    const other = `final class Coordinator {
    func hurry(_ json: String) { webView.callAsyncJavaScript("r(m)", arguments: ["m": json], in: nil, in: .page) }
    func encode(_ o: Any) throws -> Data { try JSONSerialization.data(withJSONObject: o) }
}`;
    const v = check(BRIDGE('guard let now = outbox.send(message) else { return }\n        deliver(now)'), {
      'C.swift': other,
    });
    assert.deepEqual(v, [
      'C.swift:2 calls callAsyncJavaScript outside WebBridge.deliver',
      'C.swift:3 serialises without an isValidJSONObject check first',
    ]);
  });
});
