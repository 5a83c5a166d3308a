/**
 * The server's log on stdout as `npm start` writes it: pino's JSON lines when stdout is not a
 * terminal (the rig, voip-doctor and the tests parse them), pino-pretty lines on a terminal (a real
 * one: util-linux's `script` runs the logger on a pseudo-terminal). Credentials are redacted in both.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { environmentSkip } from '@softphone/test-support/environment-skip';

const SFU_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LINES = 'test/unit/fixtures/log/log-lines.ts';
const SCRIPT = '/usr/bin/script';

describe('the server log on stdout', () => {
  it('is JSON lines when stdout is a pipe, as before', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', LINES], {
      cwd: SFU_DIR,
      encoding: 'utf8',
    });
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 2, out);
    assert.deepEqual(
      {
        level: lines[0]?.['level'],
        module: lines[0]?.['module'],
        user: lines[0]?.['user'],
        msg: lines[0]?.['msg'],
      },
      { level: 30, module: 'api', user: 'u1', msg: 'signed in' },
    );
    assert.match(String(lines[0]?.['time']), /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(lines[0]?.['iceServers'], [{ urls: 'turn:x', credential: '[redacted]' }]);
    assert.equal(lines[1]?.['msg'], 'softphone listening');
  });

  it(
    'is pino-pretty lines a person can read on a terminal',
    {
      skip: environmentSkip(
        !fs.existsSync(SCRIPT) && `${SCRIPT} (util-linux) is missing: no pseudo-terminal to log to`,
      ),
    },
    () => {
      const out = execFileSync(
        SCRIPT,
        ['--quiet', '--return', '--command', `${process.execPath} --import tsx ${LINES}`, '/dev/null'],
        { cwd: SFU_DIR, encoding: 'utf8' },
      );
      // Colours (it is a terminal) and the terminal's CRLF aside, the text a person reads.
      const lines = stripVTControlCharacters(out).trim().split(/\r?\n/);
      assert.equal(lines.length, 2, out);
      assert.match(
        lines[0] ?? '',
        /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: api: signed in \{"user":"u1","iceServers":\[\{"urls":"turn:x","credential":"\[redacted\]"\}\]\}$/,
      );
      assert.match(lines[1] ?? '', /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: softphone listening$/);
    },
  );
});
