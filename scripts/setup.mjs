#!/usr/bin/env node
// Installs what the softphone needs on a Debian machine with Node: Debian's chromium and
// chromium-driver (never a downloaded browser), the npm workspaces, and mediasoup's worker, built
// from Debian's libraries (meson from the backports suite). Idempotent: a second run only checks.
// Plain JS on purpose: it runs before any npm package is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { BuildError, ensureMediasoupWorker } from '../sfu/mediasoup-worker/build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const APT_PACKAGES = {
  chromium: '/usr/bin/chromium',
  'chromium-driver': '/usr/bin/chromedriver',
  // The embedded TURN relay, and the NATs of the e2e suite's network topologies.
  coturn: '/usr/bin/turnserver',
  nftables: '/usr/sbin/nft',
  // The shared state of several nodes (issue 20), started by the tests and the multi-node rig
  // themselves as throwaway instances; the packages' own services are not used.
  postgresql: '/usr/lib/postgresql/15/bin/postgres',
  'redis-server': '/usr/bin/redis-server',
  haproxy: '/usr/sbin/haproxy',
  // `npm run bench:load`'s Opus source (libopus).
  ffmpeg: '/usr/bin/ffmpeg',
};
// mediasoup's worker is built from source against Debian's own libraries (see
// sfu/mediasoup-worker/build.mjs); these stay installed, the binary links to their libraries.
const WORKER_BUILD_PACKAGES = [
  'g++',
  'make',
  'pkg-config',
  'ninja-build',
  'libssl-dev',
  'libuv1-dev',
  'libsrtp2-dev',
  'libusrsctp-dev',
  'libabsl-dev',
  'flatbuffers-compiler',
  'libflatbuffers-dev',
];
// mediasoup's meson.build wants meson >= 1.1.0; bookworm ships 1.0.1, its backports suite 1.7.
const MESON_MIN = [1, 1, 0];
const codename =
  /^VERSION_CODENAME=(.+)$/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'bookworm';
const backports = `${codename}-backports`;

function fail(message) {
  console.error(`setup: ${message}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) fail(`\`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
}

function mesonIsNewEnough() {
  const out = spawnSync('meson', ['--version'], { encoding: 'utf8' }).stdout ?? '';
  const v = out.trim().split('.').map(Number);
  if (v.length < 2 || v.some(Number.isNaN)) return false;
  for (let i = 0; i < MESON_MIN.length; i++)
    if ((v[i] ?? 0) !== MESON_MIN[i]) return (v[i] ?? 0) > MESON_MIN[i];
  return true;
}

// The machine's own Debian mirror, as its apt sources name it (one-line `.list` files and deb822
// `.sources` files), so the backports suite comes from wherever the rest of Debian comes from.
function aptSources() {
  const dir = '/etc/apt/sources.list.d';
  const files = [
    '/etc/apt/sources.list',
    ...(fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : []),
  ].filter((f) => /\.(list|sources)$/.test(f) && fs.existsSync(f));
  const entries = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (name) =>
          new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(stanza)?.[1].trim().split(/\s+/) ?? [];
        if (field('Enabled')[0]?.toLowerCase() === 'no' || !field('Types').includes('deb')) continue;
        for (const uri of field('URIs'))
          entries.push({ uri, suites: field('Suites'), signedBy: field('Signed-By').join(' ') });
      }
    } else {
      for (const line of text.split('\n')) {
        const m = /^\s*deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)/.exec(line);
        if (!m) continue;
        const signedBy = /(?:^|\s)signed-by=(\S+)/.exec(m[1] ?? '')?.[1] ?? '';
        entries.push({ uri: m[2], suites: [m[3]], signedBy });
      }
    }
  }
  return entries;
}

function addBackportsSuite() {
  const entries = aptSources();
  if (entries.some((e) => e.suites.includes(backports))) return;
  const main = entries.find((e) => e.suites.includes(codename));
  if (!main)
    fail(`no apt source names Debian's ${codename} suite, so there is no mirror to take ${backports} from`);
  const file = `/etc/apt/sources.list.d/${backports}.sources`;
  console.log(`setup: adding ${backports} from ${main.uri} to apt's sources (${file})`);
  const stanza =
    `Types: deb\nURIs: ${main.uri}\nSuites: ${backports}\nComponents: main\n` +
    (main.signedBy ? `Signed-By: ${main.signedBy}\n` : '');
  if (isRoot) fs.writeFileSync(file, stanza);
  else run('sudo', ['-n', 'tee', file], { input: stanza, stdio: ['pipe', 'ignore', 'inherit'] });
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19))
  fail(`Node >= 20.19 is required, this is ${process.versions.node}`);

const isRoot = process.getuid?.() === 0;
const sudo = isRoot ? [] : ['sudo', '-n'];
const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const apt = (...args) =>
  sudo.length
    ? run(sudo[0], [...sudo.slice(1), 'apt-get', ...args], { env: aptEnv })
    : run('apt-get', args, { env: aptEnv });

const installed = new Set(
  (
    spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...WORKER_BUILD_PACKAGES], {
      encoding: 'utf8',
    }).stdout ?? ''
  )
    .split('\n')
    .filter((line) => line.endsWith(' install ok installed'))
    .map((line) => line.split(/[ :]/)[0]),
);
const missing = [
  ...Object.entries(APT_PACKAGES)
    .filter(([, bin]) => !fs.existsSync(bin))
    .map(([pkg]) => pkg),
  ...WORKER_BUILD_PACKAGES.filter((pkg) => !installed.has(pkg)),
];
const mesonMissing = !mesonIsNewEnough();
if (missing.length || mesonMissing) {
  const all = [...missing, ...(mesonMissing ? [`meson (from ${backports})`] : [])];
  if (!isRoot && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status !== 0) {
    fail(
      `missing Debian packages: ${all.join(' ')}.\n` +
        `Run this again as root (or with password-less sudo) so it can install them.`,
    );
  }
  if (mesonMissing) addBackportsSuite();
  console.log(`setup: installing ${all.join(' ')} from Debian…`);
  apt('update', '-qq');
  if (missing.length) apt('install', '-y', '-qq', '--no-install-recommends', ...missing);
  if (mesonMissing) apt('install', '-y', '-qq', '--no-install-recommends', '-t', backports, 'meson');
  if (!mesonIsNewEnough()) fail(`meson from ${backports} is still older than ${MESON_MIN}`);
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

let worker;
try {
  worker = await ensureMediasoupWorker({
    mediasoupDir: path.join(root, 'node_modules', 'mediasoup'),
    prefix: 'setup: ',
  });
} catch (err) {
  if (err instanceof BuildError) fail(err.message);
  throw err;
}
// Starting the worker once checks the binary runs here (its libraries are installed), not only that
// it exists; mediasoup reports its own version, the worker has no --version.
const workerCheck = spawnSync(
  process.execPath,
  [
    '-e',
    `const m = require('mediasoup');
     m.createWorker().then((w) => { console.log(m.version); w.close(); },
       (e) => { console.error(e.message); process.exit(1); });`,
  ],
  {
    cwd: path.join(root, 'sfu'),
    encoding: 'utf8',
    env: { ...process.env, MEDIASOUP_WORKER_BIN: worker.binary },
  },
);
if (workerCheck.status !== 0) fail(`the built mediasoup-worker does not start: ${workerCheck.stderr.trim()}`);

const chromium = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim();
console.log(`setup: ready (mediasoup-worker ${workerCheck.stdout.trim()}; ${chromium})`);
