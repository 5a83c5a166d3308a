/**
 * What Linux CI can check of the iOS shell (ios-shell/) without Xcode: every Swift source parses
 * (tree-sitter-swift), the static rules of the field notes hold in the code, Info.plist and the
 * entitlements are valid and carry the keys a calling app needs, project.yml points at real files,
 * and the README's rule → Swift line → test table is true. The bridge fixtures are validated against
 * the schema by sfu/test/unit/bridge.test.ts.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parsePlist } from 'plist';
import { Language, Parser, type Node } from 'web-tree-sitter';

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

/** Identifiers used in code (not in comments or strings) with their 1-based line. */
function identifiers(root: Node, name: string): number[] {
  const lines: number[] = [];
  const walk = (n: Node) => {
    if (n.type === 'simple_identifier' && n.text === name) lines.push(n.startPosition.row + 1);
    for (const c of n.children) if (c) walk(c);
  };
  walk(root);
  return lines;
}

function syntaxErrors(root: Node): string[] {
  const out: string[] = [];
  const walk = (n: Node) => {
    if (n.isError || n.isMissing)
      out.push(`${n.startPosition.row + 1}:${n.startPosition.column + 1} ${n.type}`);
    else if (n.hasError) for (const c of n.children) if (c) walk(c);
  };
  walk(root);
  return out;
}

describe('ios-shell sources (Linux CI)', () => {
  const files = [...swiftFiles(path.join(shell, 'Shell')), ...swiftFiles(path.join(shell, 'ShellTests'))];
  const trees = new Map<string, Node>();

  before(async () => {
    await Parser.init();
    const require = createRequire(import.meta.url);
    const wasm = require.resolve('tree-sitter-wasms/out/tree-sitter-swift.wasm');
    const parser = new Parser();
    parser.setLanguage(await Language.load(wasm));
    for (const f of files) {
      const tree = parser.parse(read(f));
      assert.ok(tree, f);
      trees.set(f, tree.rootNode);
    }
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
    const calls = files
      .filter((f) => f.startsWith('ios-shell/Shell/'))
      .flatMap((f) => identifiers(trees.get(f) as Node, 'setActive').map((l) => `${f}:${l}`));
    assert.deepEqual(calls, []);
  });

  it('F1.3: the provider configuration is assigned right before every reportNewIncomingCall', () => {
    const f = 'ios-shell/Shell/Calls/CallKitAdaptee.swift';
    const lines = read(f).split('\n');
    const reports = identifiers(trees.get(f) as Node, 'reportNewIncomingCall');
    assert.ok(reports.length >= 2, 'the adaptee reports calls');
    for (const line of reports) {
      const before = lines.slice(Math.max(0, line - 4), line - 1).join('\n');
      assert.match(
        before,
        /assignConfiguration\(/,
        `${f}:${line} reports without assigning the configuration`,
      );
    }
  });

  it('F2.1: PushKit and CallKit are set up at launch, before the window', () => {
    const app = read('ios-shell/Shell/App/AppDelegate.swift');
    const launch = app.slice(app.indexOf('didFinishLaunchingWithOptions'));
    assert.ok(launch.indexOf('Shell(configuration') >= 0, 'the shell is built at launch');
    assert.ok(launch.indexOf('Shell(configuration') < launch.indexOf('UIWindow('), 'before any UI');
    const composition = read('ios-shell/Shell/App/Shell.swift');
    for (const part of ['CallAudioService()', 'CallKitAdaptee(', 'PushKitManager(']) {
      assert.ok(composition.includes(part), `Shell.init builds ${part}`);
    }
    assert.ok(composition.indexOf('CallAudioService()') < composition.indexOf('NativeMediaEngine()'));
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

  it('the README maps every rule of field notes §1–3 to a tagged line and to tests that exist', () => {
    const readme = read('ios-shell/README.md');
    const rows = [...readme.matchAll(/^\| (F[123]\.\d) \|(.*)$/gm)];
    const ids = rows.map((r) => r[1]);
    const expected = ['F1.1', 'F1.2', 'F1.3', 'F1.4', 'F1.5', 'F2.1', 'F2.2', 'F2.3', 'F2.4', 'F2.5', 'F2.6'];
    expected.push('F3.1', 'F3.2', 'F3.3', 'F3.4');
    assert.deepEqual(ids, expected);
    for (const [, id, rest] of rows) {
      const cells = (rest ?? '').split('|');
      const code = /`(ios-shell\/[^`:]+):(\d+)`/.exec(cells[1] ?? '');
      assert.ok(code, `${id}: cite the code as \`ios-shell/…:line\``);
      const [, file, line] = code;
      const text = read(file ?? '').split('\n')[Number(line) - 1] ?? '';
      assert.ok(text.includes(`[${id}]`), `${id}: ${file}:${line} does not carry [${id}]: ${text.trim()}`);
      const tests = [...(cells[2] ?? '').matchAll(/`([^`#]+)#([^`]+)`/g)];
      assert.ok(tests.length > 0, `${id}: name at least one test`);
      for (const [, testFile, name] of tests) {
        assert.ok(read(testFile ?? '').includes(name ?? ''), `${id}: ${testFile} has no "${name}"`);
      }
    }
  });
});
