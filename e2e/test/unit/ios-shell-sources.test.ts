/**
 * What Linux CI can check of the iOS shell (ios-shell/) without Xcode: every Swift source parses
 * (tree-sitter-swift), the static rules of the field notes hold in the code, Info.plist and the
 * entitlements are valid and carry the keys a calling app needs, project.yml points at real files,
 * and the README's rule → Swift line → test table is true. The bridge fixtures are validated against
 * the schema by sfu/test/unit/bridge.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parsePlist } from 'plist';
import {
  configurationBeforeEveryReport,
  noAudioSessionActivation,
  balancedLibWebRTCActivation,
  noResumeWithoutDidActivate,
  interruptionClearedOnActivation,
  bridgeQueuesBeforeReady,
  pushKitAndCallKitBeforeUi,
} from '../../src/ios-shell/shell-rules.ts';
import {
  calls,
  functions,
  identifiers,
  swiftParser,
  syntaxErrors,
  type Node,
} from '../../src/ios-shell/swift-syntax.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const shell = path.join(repo, 'ios-shell');
const read = (p: string) => fs.readFileSync(path.join(repo, p), 'utf8');

function swiftFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.swift'))
    .map((e) => path.relative(repo, path.join(e.parentPath, e.name)))
    .sort();
}

describe('ios-shell sources (Linux CI)', () => {
  const files = [...swiftFiles(path.join(shell, 'Shell')), ...swiftFiles(path.join(shell, 'ShellTests'))];
  const trees = new Map<string, Node>();

  const tree = (f: string) => {
    const root = trees.get(f);
    assert.ok(root, `${f} not parsed`);
    return { file: f, root };
  };

  before(async () => {
    const parse = await swiftParser();
    for (const f of files) trees.set(f, parse(read(f)));
  });

  it('has the shell, its tests and the app entry point', () => {
    for (const f of [
      'ios-shell/Shell/App/AppDelegate.swift',
      'ios-shell/Shell/Calls/CallKitAdaptee.swift',
      'ios-shell/Shell/Push/PushKitManager.swift',
      'ios-shell/ShellTests/BridgeMessageTests.swift',
    ]) {
      assert.ok(files.includes(f), `missing ${f}`);
    }
  });

  it('every Swift file parses', () => {
    const broken = files.flatMap((f) => syntaxErrors(trees.get(f) as Node).map((e) => `${f}:${e}`));
    assert.deepEqual(broken, []);
  });

  it('F1.1: nothing in the shell activates the audio session itself', () => {
    const shellSources = new Map([...trees].filter(([f]) => f.startsWith('ios-shell/Shell/')));
    assert.deepEqual(noAudioSessionActivation(shellSources), []);
  });

  const shellOnly = () => new Map([...trees].filter(([f]) => f.startsWith('ios-shell/Shell/')));
  const shellOnlyFiles = () => files.filter((f) => f.startsWith('ios-shell/Shell/'));

  it("I12.2/I12.3: libwebrtc's activation count follows the ledger, its self-activating observers removed", () => {
    assert.deepEqual(balancedLibWebRTCActivation(shellOnly()), []);
  });

  it('I12.4: call audio resumes only through didActivate', () => {
    assert.deepEqual(noResumeWithoutDidActivate(shellOnly()), []);
  });

  it('I12.1: every activation, deactivation and end clears the interruption flag', () => {
    const { file, root } = tree('ios-shell/Shell/Audio/AudioSessionLedger.swift');
    assert.deepEqual(interruptionClearedOnActivation(file, root), []);
  });

  it('I12.5/I12.8: the bridge queues until the page is ready and never serialises unchecked JSON', () => {
    assert.deepEqual(bridgeQueuesBeforeReady(shellOnly()), []);
  });

  it('F1.3: the provider configuration is assigned right before every reportNewIncomingCall', () => {
    const { file, root } = tree('ios-shell/Shell/Calls/CallKitAdaptee.swift');
    assert.ok(calls(root, 'reportNewIncomingCall').length >= 2, 'the adaptee reports calls');
    assert.deepEqual(configurationBeforeEveryReport(file, root), []);
  });

  it('F2.1: PushKit and CallKit are set up at launch, before the window', () => {
    const violations = pushKitAndCallKitBeforeUi(
      tree('ios-shell/Shell/App/AppDelegate.swift'),
      tree('ios-shell/Shell/App/Shell.swift'),
    );
    assert.deepEqual(violations, []);
  });

  it('F2.6: Info.plist is a valid plist with the keys a calling app needs', () => {
    const info = parsePlist(read('ios-shell/Shell/Info.plist')) as Record<string, unknown>;
    const modes = info['UIBackgroundModes'];
    assert.ok(Array.isArray(modes));
    assert.ok(modes.includes('voip') && modes.includes('audio'), 'UIBackgroundModes voip + audio');
    assert.ok(String(info['NSMicrophoneUsageDescription'] ?? '').length > 20, 'microphone usage text');
    assert.match(String(info['SoftphonePageURL']), /^https:\/\//);
    for (const key of [
      'CFBundleIdentifier',
      'CFBundleExecutable',
      'CFBundleVersion',
      'CFBundleShortVersionString',
    ]) {
      assert.ok(info[key], key);
    }
  });

  it('the entitlements are a valid plist with aps-environment', () => {
    const ent = parsePlist(read('ios-shell/Shell/Shell.entitlements')) as Record<string, unknown>;
    assert.ok(['development', 'production'].includes(String(ent['aps-environment'])));
  });

  it('project.yml targets iOS 16, pulls WebRTC through SPM and points at files that exist', () => {
    const yml = read('ios-shell/project.yml');
    assert.match(yml, /iOS: '16\.0'/);
    assert.match(yml, /WebRTC:\n\s+url: https:\/\/github\.com\/stasel\/WebRTC/);
    for (const [, file] of yml.matchAll(/^\s+(?:INFOPLIST_FILE|CODE_SIGN_ENTITLEMENTS): (\S+)/gm)) {
      assert.ok(fs.existsSync(path.join(shell, file ?? '')), `project.yml names ${file}`);
    }
    assert.ok(
      !fs.existsSync(path.join(shell, 'Softphone.xcodeproj')),
      'the generated project is not committed',
    );
  });

  it('B1: the test host XcodeGen derives is the app the build makes, and the tests import its module', () => {
    const yml = read('ios-shell/project.yml');
    // Each target's block under `targets:`: from its two-space-indented name to the next one.
    const section = /^targets:\n((?: .*\n|\n)*)/m.exec(yml)?.[1] ?? '';
    const targets = new Map(
      [...section.matchAll(/^ {2}(\w+):\n((?: {4,}.*\n|\n)*)/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
    );
    const [appName, app] = [...targets].find(([, body]) => /^ {4}type: application$/m.test(body)) ?? [];
    assert.ok(appName && app, 'project.yml has an application target');
    // XcodeGen: the spec key `productName` defaults to the target name (Target.swift:275) and names
    // TEST_HOST (PBXProjGenerator.swift:1366-1376); the build names the app and module PRODUCT_NAME.
    const productName = /^ {4}productName: (\S+)$/m.exec(app)?.[1] ?? appName;
    const productSetting = /^ +PRODUCT_NAME: (\S+)$/m.exec(app)?.[1] ?? appName;
    const tests = [...targets.values()].find((body) => /^ {4}type: bundle\.unit-test$/m.test(body)) ?? '';
    const explicitHost = /^ +TEST_HOST: (\S+)$/m.exec(tests)?.[1];
    const testHost = explicitHost ?? `$(BUILT_PRODUCTS_DIR)/${productName}.app/${productName}`;
    assert.equal(
      testHost,
      `$(BUILT_PRODUCTS_DIR)/${productSetting}.app/${productSetting}`,
      `ShellTests' TEST_HOST is ${testHost}, the build makes ${productSetting}.app (set productName: ${productSetting} on ${appName})`,
    );
    const imports = files
      .filter((f) => f.startsWith('ios-shell/ShellTests/'))
      .flatMap((f) => [...read(f).matchAll(/^@testable import (\w+)$/gm)].map((m) => `${f}: ${m[1]}`));
    assert.ok(imports.length > 0, 'the tests import the app module');
    assert.deepEqual(
      imports.filter((i) => !i.endsWith(`: ${productSetting}`)),
      [],
      `the app module is ${productSetting}`,
    );
  });

  it('B2: the UIScene life cycle: the scene delegate named in Info.plist owns the window and Recents', () => {
    const info = parsePlist(read('ios-shell/Shell/Info.plist')) as Record<string, unknown>;
    const manifest = info['UIApplicationSceneManifest'] as
      { UISceneConfigurations?: Record<string, { UISceneDelegateClassName?: string }[]> } | undefined;
    const roles = manifest?.UISceneConfigurations?.['UIWindowSceneSessionRoleApplication'] ?? [];
    const delegates = roles.map((r) => r.UISceneDelegateClassName?.replace('$(PRODUCT_MODULE_NAME).', ''));
    assert.deepEqual(delegates, ['SceneDelegate'], 'Info.plist names one window scene delegate');
    const shellFunctions = shellOnlyFiles().flatMap((f) => functions(tree(f).root));
    const scene = shellFunctions.filter((f) => f.owner === 'SceneDelegate' && f.name === 'scene');
    assert.ok(
      scene.some((f) => f.labels.includes('willConnectTo')),
      'scene(_:willConnectTo:options:)',
    );
    assert.ok(
      scene.some((f) => f.labels.includes('continue')),
      'scene(_:continue:)',
    );
    const { root: app } = tree('ios-shell/Shell/App/AppDelegate.swift');
    // A scene-based app's delegate never gets application(_:continue:restorationHandler:).
    assert.deepEqual(
      functions(app)
        .filter((f) => f.labels.includes('continue'))
        .map((f) => f.name),
      [],
    );
    assert.deepEqual(calls(app, 'UIWindow'), [], "the window is the scene's");
    const mainScreen = shellOnlyFiles().flatMap((f) =>
      identifiers(tree(f).root, 'main')
        .filter((line) => read(f).split('\n')[line - 1]?.includes('UIScreen.main'))
        .map((line) => `${f}:${line}`),
    );
    assert.deepEqual(mainScreen, [], "UIScreen.main is deprecated (and not the scene's screen)");
  });

  it('the README maps every rule of field notes §1–3 and of issue 12 to a tagged line and to tests that exist', () => {
    const readme = read('ios-shell/README.md');
    const rows = [...readme.matchAll(/^\| (F[123]\.\d|I12\.\d+) \|(.*)$/gm)];
    const ids = rows.map((r) => r[1]);
    const expected = ['F1.1', 'F1.2', 'F1.3', 'F1.4', 'F1.5', 'F2.1', 'F2.2', 'F2.3', 'F2.4', 'F2.5', 'F2.6'];
    expected.push('F3.1', 'F3.2', 'F3.3', 'F3.4');
    for (let i = 1; i <= 11; i++) expected.push(`I12.${i}`);
    assert.deepEqual(ids, expected);
    for (const [, id, rest] of rows) {
      const cells = (rest ?? '').split('|');
      const code = /`(ios-shell\/[^`:]+):(\d+)`/.exec(cells[1] ?? '');
      assert.ok(code, `${id}: cite the code as \`ios-shell/…:line\``);
      const [, file, line] = code;
      const text = read(file ?? '').split('\n')[Number(line) - 1] ?? '';
      assert.ok(text.includes(`[${id}]`), `${id}: ${file}:${line} does not carry [${id}]: ${text.trim()}`);
      const tests = [...(cells[2] ?? '').matchAll(/`([^`#]+)#([^`]+)`/g)];
      // What can only be seen on a phone names the device experiment instead.
      assert.ok(
        tests.length > 0 || /device experiment/.test(cells[2] ?? ''),
        `${id}: name at least one test`,
      );
      for (const [, testFile, name] of tests) {
        assert.ok(read(testFile ?? '').includes(name ?? ''), `${id}: ${testFile} has no "${name}"`);
      }
    }
  });
});
