/**
 * The field notes' static rules for the iOS shell, checked on the Swift syntax tree. Each rule
 * returns its violations (empty when it holds) so that a test can show it on the real sources and
 * on small wrong snippets alike.
 */
import {
  assignmentsNamed,
  assignmentsTo,
  calls,
  enclosingFunction,
  functionNamed,
  functions,
  identifiers,
  runsBefore,
  runsUnconditionally,
  switchCaseOf,
  switchEntries,
  type Node,
  type SwiftCall,
  type SwiftFunction,
} from './swift-syntax.ts';

/** Parsed Swift files by repo-relative path. */
export type SwiftSources = ReadonlyMap<string, Node>;

/** F1.1: the shell never activates the audio session itself (CallKit does, via didActivate). */
export function noAudioSessionActivation(sources: SwiftSources): string[] {
  return [...sources].flatMap(([file, root]) =>
    identifiers(root, 'setActive').map((line) => `${file}:${line} uses setActive`),
  );
}

const PROVIDER_CONFIGURATION = 'provider.configuration';

/**
 * F1.3: `provider.configuration` is assigned, directly or through a function of the same file that
 * assigns it, before every `reportNewIncomingCall`, on every path through the reporting function.
 */
export function configurationBeforeEveryReport(file: string, root: Node): string[] {
  const assigners = new Set(
    functions(root)
      .filter((f) => assignmentsTo(f.node, PROVIDER_CONFIGURATION).length > 0)
      .map((f) => f.name),
  );
  return calls(root, 'reportNewIncomingCall').flatMap((report) => {
    const fn = enclosingFunction(report.node);
    if (!fn) return [`${file}:${report.line} reportNewIncomingCall outside any function`];
    const assigned = [
      ...calls(fn).filter((c) => assigners.has(c.name) && !c.receiver),
      ...assignmentsTo(fn.node, PROVIDER_CONFIGURATION).map((node) => ({ node })),
    ].some((a) => runsBefore(a.node, report.node));
    return assigned
      ? []
      : [
          `${file}:${report.line} ${fn.name} reports a call without assigning the provider configuration first`,
        ];
  });
}

/** Calls that build or show UI. */
const UI_CALLS = new Set(['UIWindow', 'makeWebViewController', 'makeKeyAndVisible', 'WKWebView']);

/** The first unconditional call of `name` in `fn`, or a violation. */
function builtIn(fn: SwiftFunction, name: string, where: string): SwiftCall | string {
  const call = calls(fn, name).find((c) => runsUnconditionally(c.node, fn));
  return call ?? `${where} does not build ${name} unconditionally`;
}

/**
 * F2.1: PushKit and CallKit are set up synchronously at launch, before any UI: didFinishLaunching
 * builds the Shell before any UI call, and Shell.init builds the audio service first (manual audio
 * before libwebrtc), then the CallKit adaptee and the PushKit manager, before the media engine and
 * the web bridge.
 */
export function pushKitAndCallKitBeforeUi(
  appDelegate: { file: string; root: Node },
  shell: { file: string; root: Node },
): string[] {
  const out: string[] = [];
  const launch = functionNamed(appDelegate.root, 'application', 'didFinishLaunchingWithOptions');
  if (!launch) return [`${appDelegate.file} has no application(_:didFinishLaunchingWithOptions:)`];
  const where = `${appDelegate.file} didFinishLaunching`;
  const built = builtIn(launch, 'Shell', where);
  if (typeof built === 'string') out.push(built);
  else {
    for (const ui of calls(launch).filter((c) => UI_CALLS.has(c.name)))
      if (!runsBefore(built.node, ui.node))
        out.push(`${where}: ${ui.name} (line ${ui.line}) before the Shell`);
  }

  const init = functions(shell.root).find((f) => f.name === 'init' && f.owner === 'Shell');
  if (!init) return [...out, `${shell.file} has no Shell.init`];
  const order = [
    ['CallAudioService', 'CallKitAdaptee'],
    ['CallAudioService', 'PushKitManager'],
    ['CallAudioService', 'NativeMediaEngine'],
    ['CallKitAdaptee', 'WebBridge'],
    ['PushKitManager', 'WebBridge'],
  ] as const;
  const parts = new Map<string, SwiftCall>();
  for (const name of new Set(order.flat())) {
    const call = builtIn(init, name, `${shell.file} Shell.init`);
    if (typeof call === 'string') out.push(call);
    else parts.set(name, call);
  }
  for (const [first, then] of order) {
    const a = parts.get(first);
    const b = parts.get(then);
    if (a && b && !runsBefore(a.node, b.node))
      out.push(`${shell.file} Shell.init builds ${then} before ${first}`);
  }
  for (const ui of calls(init).filter((c) => UI_CALLS.has(c.name)))
    out.push(`${shell.file} Shell.init builds UI (${ui.name}, line ${ui.line})`);
  return out;
}

const where = (file: string, line: number) => `${file}:${line}`;
const isIn = (node: Node, owner: string, name: string, label?: string): boolean => {
  const fn = enclosingFunction(node);
  return fn?.owner === owner && fn.name === name && (!label || fn.labels.includes(label));
};

/**
 * I12.2/I12.3, balanced libwebrtc activation: libwebrtc's activation count follows the ledger and
 * nothing else. `audioSessionDidActivate` / `audioSessionDidDeactivate` are called once each, only
 * in CallAudioService.record; `isAudioEnabled` is assigned only in CallAudioService.apply (the
 * ledger's `audioEnabled`) and in RTCAudioSession.adoptCallKitActivation (`false`), which also
 * removes libwebrtc's self-activating observers.
 */
export function balancedLibWebRTCActivation(sources: SwiftSources): string[] {
  const out: string[] = [];
  for (const name of ['audioSessionDidActivate', 'audioSessionDidDeactivate']) {
    const found = [...sources].flatMap(([file, root]) => calls(root, name).map((c) => ({ file, c })));
    for (const { file, c } of found)
      if (!isIn(c.node, 'CallAudioService', 'record'))
        out.push(`${where(file, c.line)} calls ${name} outside CallAudioService.record`);
    if (found.length !== 1) out.push(`${name} is called ${found.length} times, not once`);
  }
  for (const [file, root] of sources) {
    for (const a of assignmentsNamed(root, 'isAudioEnabled')) {
      const fromLedger = isIn(a.node, 'CallAudioService', 'apply') && a.value === 'ledger.audioEnabled';
      const offAtAdoption = isIn(a.node, 'RTCAudioSession', 'adoptCallKitActivation') && a.value === 'false';
      if (!fromLedger && !offAtAdoption)
        out.push(`${where(file, a.line)} sets isAudioEnabled = ${a.value} outside the ledger`);
    }
  }
  const adopt = [...sources].flatMap(([file, root]) =>
    functions(root)
      .filter((f) => f.name === 'adoptCallKitActivation')
      .map((f) => ({ file, f })),
  );
  if (adopt.length !== 1) out.push(`adoptCallKitActivation is declared ${adopt.length} times, not once`);
  for (const { file, f } of adopt) {
    const removes = calls(f, 'removeObserver').some(
      (c) => /\(\s*self\b/.test(c.node.text) && /object:\s*nil/.test(c.node.text),
    );
    if (!removes || !identifiers(f.node, 'selfActivatingNotifications').length)
      out.push(`${file} adoptCallKitActivation does not remove libwebrtc's self-activating observers`);
  }
  return out;
}

/**
 * I12.4, no resume without didActivate: the ledger's `sessionActive = true` is written only in
 * AudioSessionLedger.apply's `.didActivate` case, and the audio service hears `didActivate` only
 * from CXProviderDelegate's `provider(_:didActivate:)`.
 */
export function noResumeWithoutDidActivate(sources: SwiftSources): string[] {
  const out: string[] = [];
  for (const [file, root] of sources) {
    for (const a of assignmentsNamed(root, 'sessionActive').filter((x) => x.value === 'true')) {
      const inCase = switchCaseOf(a.node);
      if (!isIn(a.node, 'AudioSessionLedger', 'apply') || inCase !== '.didActivate')
        out.push(`${where(file, a.line)} makes the session active outside the ledger's .didActivate`);
    }
    for (const c of calls(root, 'didActivate').filter((x) => x.receiver === 'audio')) {
      if (!isIn(c.node, 'CallKitAdaptee', 'provider', 'didActivate'))
        out.push(
          `${where(file, c.line)} tells the audio service didActivate outside provider(_:didActivate:)`,
        );
    }
  }
  return out;
}

/** The ledger events that prove an interruption over, whether or not its end was posted. */
const CLEARS_INTERRUPTION = [
  '.didActivate',
  '.didDeactivate',
  '.callsEnded',
  '.providerDidReset',
  '.mediaServicesReset',
];

/**
 * I12.1, interruption cleared on activation: in AudioSessionLedger.apply, the case of each event in
 * {@link CLEARS_INTERRUPTION} assigns `interrupted = false` unconditionally (a begin may have no end).
 */
export function interruptionClearedOnActivation(file: string, root: Node): string[] {
  const apply = functions(root).find((f) => f.owner === 'AudioSessionLedger' && f.name === 'apply');
  if (!apply) return [`${file} has no AudioSessionLedger.apply`];
  const entries = switchEntries(apply.node);
  return CLEARS_INTERRUPTION.flatMap((event) => {
    const entry = entries.find((e) => e.labels.split(',').some((l) => l.trim() === event));
    if (!entry) return [`${file} AudioSessionLedger.apply has no case ${event}`];
    const clears = assignmentsNamed(entry.node, 'interrupted').some((a) => {
      if (a.value !== 'false') return false;
      // Only the entry itself may stand between the assignment and the case.
      for (let p = a.node.parent; p && p.id !== entry.node.id; p = p.parent)
        if (['if_statement', 'guard_statement', 'switch_statement', 'lambda_literal'].includes(p.type))
          return false;
      return true;
    });
    return clears ? [] : [`${file} AudioSessionLedger.apply: ${event} does not clear interrupted`];
  });
}

/**
 * I12.5/I12.8, the bridge queues until the page is ready: `callAsyncJavaScript` only in
 * WebBridge.deliver; `deliver` only from WebBridge.send after `outbox.send`, and from
 * WebBridge.pageIsReady after `outbox.open()`; `JSONSerialization.data(withJSONObject:)` only after an
 * `isValidJSONObject` check in the same function.
 */
export function bridgeQueuesBeforeReady(sources: SwiftSources): string[] {
  const out: string[] = [];
  for (const [file, root] of sources) {
    for (const c of calls(root, 'callAsyncJavaScript'))
      if (!isIn(c.node, 'WebBridge', 'deliver'))
        out.push(`${where(file, c.line)} calls callAsyncJavaScript outside WebBridge.deliver`);
    for (const c of calls(root, 'deliver').filter((x) => !x.receiver || x.receiver === 'self')) {
      const fn = enclosingFunction(c.node);
      const gate = fn?.name === 'send' ? 'send' : fn?.name === 'pageIsReady' ? 'open' : null;
      const gated =
        fn?.owner === 'WebBridge' &&
        gate !== null &&
        calls(fn, gate).some((g) => g.receiver === 'outbox' && g.node.endIndex <= c.node.startIndex);
      if (!gated) out.push(`${where(file, c.line)} delivers to the page without the outbox`);
    }
    for (const c of calls(root, 'data').filter((x) => x.receiver === 'JSONSerialization')) {
      if (!/withJSONObject/.test(c.node.text)) continue;
      const fn = enclosingFunction(c.node);
      const checked =
        fn !== null && calls(fn, 'isValidJSONObject').some((v) => v.node.endIndex <= c.node.startIndex);
      if (!checked) out.push(`${where(file, c.line)} serialises without an isValidJSONObject check first`);
    }
  }
  return out;
}
