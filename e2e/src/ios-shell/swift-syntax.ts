/**
 * Questions about Swift source asked of its tree-sitter syntax tree (tree-sitter-swift), so that the
 * shell's rules hold for the code's structure (which call, in which function, in what order) and
 * survive reformatting and refactors that keep the structure.
 */
import { createRequire } from 'node:module';
import { Language, Parser, type Node } from 'web-tree-sitter';

export type { Node } from 'web-tree-sitter';

/** A parser for Swift: the returned function parses one file's text into its root node. */
export async function swiftParser(): Promise<(source: string) => Node> {
  await Parser.init();
  const require = createRequire(import.meta.url);
  const parser = new Parser();
  parser.setLanguage(await Language.load(require.resolve('tree-sitter-wasms/out/tree-sitter-swift.wasm')));
  return (source) => {
    const tree = parser.parse(source);
    if (!tree) throw new Error('tree-sitter returned no tree');
    return tree.rootNode;
  };
}

export interface SwiftFunction {
  /** `init` for initialisers. */
  name: string;
  /** External parameter labels in order (`_` where there is none): tells delegate methods apart. */
  labels: string[];
  /** The type (class, struct, extension) it is declared in, if any. */
  owner: string | null;
  node: Node;
}

export interface SwiftCall {
  /** The called name: `f` in `f()`, `x.y.f()` and `F(…)` (an initialiser call). */
  name: string;
  /** The receiver's text (`provider` in `provider.f()`), or null for a bare call. */
  receiver: string | null;
  node: Node;
  /** 1-based. */
  line: number;
}

const FUNCTION_TYPES = new Set(['function_declaration', 'init_declaration']);
/** Nodes whose body may run later than, or never as part of, the code around them. */
const DEFERRED_TYPES = new Set(['lambda_literal', ...FUNCTION_TYPES]);

function descendants(root: Node, keep: (n: Node) => boolean): Node[] {
  const out: Node[] = [];
  const walk = (n: Node) => {
    if (keep(n)) out.push(n);
    for (const c of n.namedChildren) if (c) walk(c);
  };
  walk(root);
  return out;
}

function ancestors(node: Node): Node[] {
  const out: Node[] = [];
  for (let p = node.parent; p; p = p.parent) out.push(p);
  return out;
}

function describeFunction(node: Node): SwiftFunction {
  const name =
    node.type === 'init_declaration'
      ? 'init'
      : (node.namedChildren.find((c) => c?.type === 'simple_identifier')?.text ?? '');
  const labels = node.namedChildren
    .filter((c): c is Node => c?.type === 'parameter')
    .map((p) => p.namedChildren.find((c) => c?.type === 'simple_identifier')?.text ?? '_');
  const type = ancestors(node).find(
    (a) => a.type === 'class_declaration' || a.type === 'protocol_declaration',
  );
  const owner =
    type?.namedChildren.find((c) => c?.type === 'type_identifier' || c?.type === 'user_type')?.text ?? null;
  return { name, labels, owner, node };
}

/** Every function and initialiser declared in `root`. */
export function functions(root: Node): SwiftFunction[] {
  return descendants(root, (n) => FUNCTION_TYPES.has(n.type)).map(describeFunction);
}

/** The one function named `name` (and, if given, with `label` among its parameter labels). */
export function functionNamed(root: Node, name: string, label?: string): SwiftFunction | null {
  const found = functions(root).filter((f) => f.name === name && (!label || f.labels.includes(label)));
  if (found.length > 1)
    throw new Error(`${found.length} functions named ${name}${label ? `(${label}:)` : ''}`);
  return found[0] ?? null;
}

function calledName(call: Node): { name: string; receiver: string | null } | null {
  const callee = call.namedChildren[0];
  if (!callee) return null;
  if (callee.type === 'simple_identifier') return { name: callee.text, receiver: null };
  if (callee.type === 'navigation_expression') {
    const suffix = callee.namedChildren.at(-1);
    const id = suffix?.namedChildren.find((c) => c?.type === 'simple_identifier');
    const target = callee.namedChildren[0];
    if (id) return { name: id.text, receiver: target?.text ?? null };
  }
  return null;
}

/** Calls in `scope` (a root or a function), optionally only those of `name`, in source order. */
export function calls(scope: Node | SwiftFunction, name?: string): SwiftCall[] {
  const root = 'node' in scope && 'labels' in scope ? scope.node : (scope as Node);
  return descendants(root, (n) => n.type === 'call_expression').flatMap((node) => {
    const called = calledName(node);
    if (!called || (name && called.name !== name)) return [];
    return [{ ...called, node, line: node.startPosition.row + 1 }];
  });
}

/** Assignments in `scope` whose target's text is `target` (e.g. `provider.configuration`). */
export function assignmentsTo(scope: Node, target: string): Node[] {
  return descendants(scope, (n) => {
    if (n.type !== 'assignment') return false;
    const lhs = n.namedChildren.find((c) => c?.type === 'directly_assignable_expression');
    return lhs?.text.replace(/^self\./, '') === target;
  });
}

/** Identifiers used in code (not comments or strings) named `name`, with their 1-based lines. */
export function identifiers(root: Node, name: string): number[] {
  return descendants(root, (n) => n.type === 'simple_identifier' && n.text === name).map(
    (n) => n.startPosition.row + 1,
  );
}

/** The function or initialiser `node` is written in (closures inside it count as in it). */
export function enclosingFunction(node: Node): SwiftFunction | null {
  const fn = ancestors(node).find((a) => FUNCTION_TYPES.has(a.type));
  return fn ? describeFunction(fn) : null;
}

/**
 * Whether `first` surely runs before `second` each time `second` runs: both in the same function
 * body, `first` ends before `second` starts, and `first` is not inside a branch, loop or closure
 * that `second` is outside of (its statement sits in a block that also holds `second`).
 */
export function runsBefore(first: Node, second: Node): boolean {
  if (first.endIndex > second.startIndex) return false;
  const aroundSecond = new Set(ancestors(second).map((a) => a.id));
  for (const a of ancestors(first)) {
    if (aroundSecond.has(a.id)) return true;
    if (isBranching(a)) return false;
  }
  return false;
}

/** Whether `node` runs every time `fn` runs: no branch, loop or closure between them. */
export function runsUnconditionally(node: Node, fn: SwiftFunction): boolean {
  for (const a of ancestors(node)) {
    if (a.id === fn.node.id) return true;
    if (isBranching(a)) return false;
  }
  return false;
}

/** Nodes whose body may run zero times (or later) while the code after them still runs. */
function isBranching(n: Node): boolean {
  return (
    DEFERRED_TYPES.has(n.type) ||
    [
      'if_statement',
      'guard_statement',
      'switch_statement',
      'switch_entry',
      'for_statement',
      'while_statement',
      'repeat_while_statement',
      'do_statement',
      'catch_block',
      'ternary_expression',
      'conjunction_expression',
      'disjunction_expression',
      'nil_coalescing_expression',
      'optional_chaining_expression',
    ].includes(n.type)
  );
}

/** Syntax errors in the tree as `line:column type`. */
export function syntaxErrors(root: Node): string[] {
  const out: string[] = [];
  const walk = (n: Node) => {
    if (n.isError || n.isMissing)
      out.push(`${n.startPosition.row + 1}:${n.startPosition.column + 1} ${n.type}`);
    else if (n.hasError) for (const c of n.children) if (c) walk(c);
  };
  walk(root);
  return out;
}

export interface SwiftAssignment {
  /** The assigned expression's text without `self.` (`rtc.isAudioEnabled`). */
  target: string;
  /** The assigned value's text. */
  value: string;
  node: Node;
  line: number;
}

/** Every assignment in `scope` whose target is `name` or ends in `.name`. */
export function assignmentsNamed(scope: Node, name: string): SwiftAssignment[] {
  return descendants(scope, (n) => n.type === 'assignment').flatMap((node) => {
    const lhs = node.namedChildren.find((c) => c?.type === 'directly_assignable_expression');
    const target = lhs?.text.replace(/^self\./, '') ?? '';
    if (target !== name && !target.endsWith(`.${name}`)) return [];
    const value = node.namedChildren.at(-1)?.text ?? '';
    return [{ target, value, node, line: node.startPosition.row + 1 }];
  });
}

/** The `case` labels of the switch entry `node` is in (`.didActivate`, `.callsEnded, .providerDidReset`), or null. */
export function switchCaseOf(node: Node): string | null {
  const entry = ancestors(node).find((a) => a.type === 'switch_entry');
  if (!entry) return null;
  return entry.text.slice(0, entry.text.indexOf(':')).replace(/^case\s+/, '');
}

/** Every switch entry in `scope`: its `case` labels and its node. */
export function switchEntries(scope: Node): { labels: string; node: Node }[] {
  return descendants(scope, (n) => n.type === 'switch_entry').map((node) => ({
    labels: node.text.slice(0, node.text.indexOf(':')).replace(/^case\s+/, ''),
    node,
  }));
}

export interface SwiftConstant {
  /** The enum, struct or class it is declared in, or null at the top level. */
  owner: string | null;
  name: string;
  /** The initial value's text (`10`, `2.5`, `10 * 60`). */
  valueText: string;
  /** The value when it is a plain number literal, else null. */
  value: number | null;
  /** 1-based. */
  line: number;
}

/** Every `let` (static or not) with an initial value in `root`: what a policy table can be checked against. */
export function constants(root: Node): SwiftConstant[] {
  return descendants(root, (n) => n.type === 'property_declaration').flatMap((node) => {
    if (node.namedChildren.find((c) => c?.type === 'value_binding_pattern')?.text !== 'let') return [];
    const name = node.namedChildren
      .find((c) => c?.type === 'pattern')
      ?.namedChildren.find((c) => c?.type === 'simple_identifier')?.text;
    const init = node.namedChildren.at(-1);
    if (!name || !init || ['pattern', 'type_annotation'].includes(init.type)) return [];
    const literal = init.type === 'integer_literal' || init.type === 'real_literal';
    const type = ancestors(node).find((a) => a.type === 'class_declaration');
    const owner = type?.namedChildren.find((c) => c?.type === 'type_identifier')?.text ?? null;
    const value = literal ? Number(init.text.replaceAll('_', '')) : null;
    return [{ owner, name, valueText: init.text, value, line: node.startPosition.row + 1 }];
  });
}
