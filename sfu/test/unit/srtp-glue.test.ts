import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { environmentSkip } from '@softphone/test-support/environment-skip';

// The libsrtp 3 -> libsrtp 2 glue the mediasoup worker is built with, on its own: a C program
// (sfu/mediasoup-worker/test/srtp-glue.c) compiled against the glue and Debian's libsrtp2.
const workerDir = fileURLToPath(new URL('../../mediasoup-worker/', import.meta.url));
const program = path.join(workerDir, 'test', 'srtp-glue.c');
const glueInclude = path.join(workerDir, 'subprojects', 'libsrtp3', 'include');
const SUITES = ['AEAD_AES_256_GCM', 'AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];
const CHECKS = [
  'RTP protect into a buffer of exactly its size',
  'RTP unprotect into another buffer gives the packet back',
  'RTP unprotect in place gives the packet back',
  'RTP tampered packet refused (auth_fail)',
  'RTP protect into a buffer one byte short refused (buffer_small)',
  'RTP unprotect into a buffer too small refused (buffer_small)',
  'RTCP protect into a buffer of exactly its size',
  'RTCP unprotect into another buffer gives the packet back',
  'RTCP unprotect in place gives the packet back',
  'RTCP tampered packet refused (auth_fail)',
  'RTCP protect into a buffer one byte short refused (buffer_small)',
  'RTCP unprotect into a buffer too small refused (buffer_small)',
  'srtp_stream_remove removes the stream protect created',
];

const libsrtp2 = spawnSync('pkg-config', ['--cflags', '--libs', 'libsrtp2'], { encoding: 'utf8' });
const srtpFlags = libsrtp2.status === 0 ? libsrtp2.stdout.trim().split(/\s+/) : undefined;

function compile(compiler: string, args: string[]): string | { skip: string } {
  const missing = environmentSkip(
    spawnSync(compiler, ['--version']).error
      ? `${compiler} is not installed`
      : !srtpFlags && "Debian's libsrtp2-dev is not installed (pkg-config libsrtp2)",
  );
  if (missing) return { skip: missing };
  const exe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'srtp-glue-')), 'srtp-glue');
  const r = spawnSync(
    compiler,
    [...args, '-Wall', '-Wextra', '-Werror', '-I', glueInclude, program, '-o', exe, ...(srtpFlags ?? [])],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `${compiler} failed:\n${r.stderr}`);
  return exe;
}

// mediasoup includes the glue from C++; C keeps it honest as a plain header.
for (const [compiler, args] of [
  ['cc', []],
  ['c++', ['-x', 'c++']],
] as const) {
  describe(`libsrtp 3 calls on Debian's libsrtp 2 (compiled with ${compiler})`, () => {
    const exe = compile(compiler, [...args]);
    const run = typeof exe === 'string' ? spawnSync(exe, { encoding: 'utf8' }) : { stdout: '', status: 0 };
    const results = new Map(
      run.stdout
        .split('\n')
        .map((line) => /^(ok|not ok) (.+)$/.exec(line))
        .filter((m) => m !== null)
        .map((m) => [m[2], m[1] === 'ok'] as const),
    );
    for (const suite of SUITES)
      for (const check of CHECKS)
        it(`${suite}: ${check}`, typeof exe === 'string' ? {} : exe, () => {
          assert.equal(results.get(`${suite}: ${check}`), true, run.stdout);
        });
    it('nothing else failed', typeof exe === 'string' ? {} : exe, () => {
      assert.equal(run.status, 0, run.stdout);
    });
  });
}
