#!/usr/bin/env node
// Installs what the softphone needs on a Debian machine with Node: Debian's janus, chromium and
// chromium-driver (never a downloaded browser), and the npm workspaces. Idempotent: a second run
// only checks. Plain JS on purpose: it runs before any npm package is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const APT_PACKAGES = {
  janus: '/usr/bin/janus',
  chromium: '/usr/bin/chromium',
  'chromium-driver': '/usr/bin/chromedriver',
};

function fail(message) {
  console.error(`setup: ${message}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) fail(`\`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19))
  fail(`Node >= 20.19 is required, this is ${process.versions.node}`);

const missing = Object.entries(APT_PACKAGES)
  .filter(([, bin]) => !fs.existsSync(bin))
  .map(([pkg]) => pkg);
if (missing.length) {
  const isRoot = process.getuid?.() === 0;
  const hasSudo = !isRoot && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  if (!isRoot && !hasSudo) {
    fail(
      `missing Debian packages: ${missing.join(' ')}.\n` +
        `Install them as root, then run this again:\n  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  const prefix = isRoot ? [] : ['sudo', '-n'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  console.log(`setup: installing ${missing.join(' ')} from Debian…`);
  const apt = (...args) =>
    prefix.length
      ? run(prefix[0], [...prefix.slice(1), 'apt-get', ...args], { env })
      : run('apt-get', args, { env });
  apt('update', '-qq');
  apt('install', '-y', '-qq', '--no-install-recommends', ...missing);
}

const stamp = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');
if (!fs.existsSync(stamp) || fs.statSync(lock).mtimeMs > fs.statSync(stamp).mtimeMs) {
  console.log('setup: installing npm packages…');
  // mediasoup's postinstall downloads a worker from GitHub, then pip-installs meson: neither is
  // reachable here, so it must not run. npm 11 honours `allowScripts` in package.json; older npm
  // ignores that field, and this variable makes the postinstall stop before it fetches anything.
  run('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: root,
    env: { ...process.env, MEDIASOUP_WORKER_BIN: 'skip' },
  });
}

// `janus --version` prints its version and then exits 1, so read its output rather than its status.
const janus =
  (spawnSync('janus', ['--version'], { encoding: 'utf8' }).stdout ?? '').split('\n')[0] || 'janus';
const chromium = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim();
console.log(`setup: ready (${janus.trim()}; ${chromium})`);
