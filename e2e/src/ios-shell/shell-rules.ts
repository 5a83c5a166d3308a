/**
 * The field notes' static rules for the iOS shell, checked on the Swift syntax tree. Each rule
 * returns its violations (empty when it holds) so that a test can show it on the real sources and
 * on small wrong snippets alike.
 */
import {
  assignmentsTo,
  calls,
  enclosingFunction,
  functionNamed,
  functions,
  identifiers,
  runsBefore,
  runsUnconditionally,
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
