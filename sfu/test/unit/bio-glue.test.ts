import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { environmentSkip } from '@softphone/test-support/environment-skip';

// The kTLS BIO glue the mediasoup worker is built with, on its own: a DTLS handshake between two
// in-memory endpoints whose outgoing BIOs carry a callback shaped like mediasoup's
// (sfu/mediasoup-worker/test/bio-glue.cpp), against Debian's libssl.
const workerDir = fileURLToPath(new URL('../../mediasoup-worker/', import.meta.url));
const program = path.join(workerDir, 'test', 'bio-glue.cpp');
const glueInclude = path.join(workerDir, 'subprojects', 'openssl', 'include');
const CHECKS = [
  'a watched BIO answers a ctrl with its own result (kTLS send: no)',
  'a DTLS 1.2 handshake over watched BIOs completes',
  'the callback saw every flight each side wrote',
  'DTLS-SRTP negotiated a profile (use_srtp)',
  'application data written through a watched BIO arrives',
];

const openssl = spawnSync('pkg-config', ['--cflags', '--libs', 'openssl'], { encoding: 'utf8' });
const sslFlags = openssl.status === 0 ? openssl.stdout.trim().split(/\s+/).filter(Boolean) : undefined;
const unavailable = environmentSkip(
  spawnSync('c++', ['--version']).error
    ? 'c++ is not installed'
    : !sslFlags && "Debian's libssl-dev is not installed (pkg-config openssl)",
);

function build(withGlue: boolean): string {
  const exe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bio-glue-')), 'bio-glue');
  const include = withGlue ? ['-I', glueInclude] : [];
  const r = spawnSync(
    'c++',
    ['-std=c++17', '-Wall', '-Wextra', '-Werror', ...include, program, '-o', exe, ...(sslFlags ?? [])],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `c++ failed:\n${r.stderr}`);
  return exe;
}

describe("mediasoup's BIO callback on Debian's libssl, through the glue", { skip: unavailable }, () => {
  const run = unavailable ? undefined : spawnSync(build(true), { encoding: 'utf8' });
  const results = new Map(
    (run?.stdout ?? '')
      .split('\n')
      .map((line) => /^(ok|not ok) (.+)$/.exec(line))
      .filter((m) => m !== null)
      .map((m) => [m[2], m[1] === 'ok'] as const),
  );
  for (const check of CHECKS) it(check, () => assert.equal(results.get(check), true, run?.stdout));
  it('nothing else failed', () => assert.equal(run?.status, 0, `${run?.stdout}${run?.signal ?? ''}`));

  // Why the glue exists: where libssl is built with kTLS (Debian's is), the same program without it
  // dies on the first flight. A libssl without kTLS has nothing to show here.
  it('without the glue, a kTLS-enabled libssl writes the first flight through NULL', (t) => {
    const bare = spawnSync(build(false), { encoding: 'utf8' });
    const noKtls = environmentSkip(bare.status === 0 && 'this libssl is built without kTLS');
    if (noKtls) return t.skip(noKtls);
    assert.equal(bare.signal, 'SIGSEGV', bare.stdout);
  });
});
