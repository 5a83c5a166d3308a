/**
 * The Swift shell and the simulated one share their timers and limits: every row of the policy
 * table (web/src/shell-simulator/shell-policy.ts) names a Swift constant, read here from the Swift
 * file's syntax tree (tree-sitter-swift), and must hold the same value.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SHELL_POLICY } from '@softphone/web/shell-policy';
import { constants, identifiers, swiftParser, type Node } from '../../src/ios-shell/swift-syntax.ts';

const shell = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../ios-shell/Shell');

describe('the policy table and the Swift shell agree', () => {
  let parse: (source: string) => Node;
  before(async () => {
    parse = await swiftParser();
  });

  it('every row holds the value of the Swift constant it names', () => {
    const differences = Object.entries(SHELL_POLICY).flatMap(([row, { value, swift }]) => {
      const file = `ios-shell/Shell/${swift.file}`;
      const where = `${swift.type}.${swift.name}`;
      const found = constants(parse(fs.readFileSync(path.join(shell, swift.file), 'utf8'))).filter(
        (c) => c.owner === swift.type && c.name === swift.name,
      );
      const [constant] = found;
      if (found.length !== 1 || !constant)
        return [`${row}: ${file} declares ${found.length} constants ${where}`];
      const at = `${file}:${constant.line}`;
      if (constant.value === null)
        return [`${row}: ${where} at ${at} = ${constant.valueText} is not a number literal`];
      const swiftValue = swift.unit === 'seconds' ? constant.value * 1000 : constant.value;
      if (swiftValue === value) return [];
      const unit = swift.unit === 'seconds' ? ' s' : '';
      return [
        `${row}: ${where} at ${at} is ${constant.valueText}${unit} (${swiftValue}), the table has ${value}`,
      ];
    });
    assert.deepEqual(differences, []);
  });

  it('every Swift constant of the table is used in the shell, not only declared', () => {
    const sources = fs
      .readdirSync(shell, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.swift'))
      .map((e) => parse(fs.readFileSync(path.join(e.parentPath, e.name), 'utf8')));
    const unused = Object.entries(SHELL_POLICY).flatMap(([row, { swift }]) => {
      // The declaration itself is one occurrence.
      const uses = sources.reduce((n, root) => n + identifiers(root, swift.name).length, 0);
      return uses > 1 ? [] : [`${row}: ${swift.type}.${swift.name} is never read`];
    });
    assert.deepEqual(unused, []);
  });
});
