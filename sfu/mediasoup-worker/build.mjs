// Builds mediasoup's worker (C++) from the installed mediasoup package against Debian's own
// libraries, offline. mediasoup's postinstall would download a prebuilt binary from GitHub and then
// pip-install meson; neither is reachable, so setup keeps it from running and calls this instead.
//
// Offline because every subproject wrap in mediasoup's worker names a `directory =`, and meson
// downloads nothing for a wrap whose directory exists: this puts a tiny meson.build from
// ./subprojects/<wrap name>/ in each such directory, declaring what mediasoup's meson.build reads
// from it as the system library, and passes --wrap-mode=nodownload so anything missed fails
// instead of reaching out. mediasoup's own files are not edited: the build works on a copy of its
// worker directory, outside node_modules (`npm ci` wipes that), in ./out/ (gitignored).
//
// It builds once: ./out/stamp.json records the key (mediasoup's version + every file here) the
// binary was built for; with the same key a second run only checks.
//
// Plain JS on purpose: setup runs it before TypeScript tooling is usable.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'out');
// sfu/src/media/worker-binary.ts points mediasoup at this same path.
export const workerBinary = path.join(out, 'mediasoup-worker');
const stampFile = path.join(out, 'stamp.json');
const srcDir = path.join(out, 'src');
const buildDir = path.join(out, 'build');
const logFile = path.join(out, 'build.log');

// Wraps mediasoup's meson.build never opens on this machine: liburing (disabled below: bookworm's
// 2.3 is older than the 2.5 it wants) and wingetopt (Windows only).
const UNUSED_WRAPS = new Set(['liburing', 'wingetopt']);
const MESON_OPTIONS = [
  '--wrap-mode=nodownload',
  '--buildtype',
  'release',
  '-Db_ndebug=true',
  '-Db_pie=true',
  '-Db_staticpic=true',
  '-Dms_disable_liburing=true',
];

class BuildError extends Error {}

function filesUnder(dir, skip) {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(here, path.join(e.parentPath, e.name)))
    .filter((rel) => !skip.some((s) => rel === s || rel.startsWith(s + path.sep)))
    .sort();
}

function buildKey(version) {
  const hash = createHash('sha256').update(`mediasoup ${version}\n`);
  for (const rel of filesUnder(here, ['out', 'test']))
    hash.update(`${rel}\n`).update(fs.readFileSync(path.join(here, rel)));
  return hash.digest('hex');
}

function readStamp() {
  try {
    return JSON.parse(fs.readFileSync(stampFile, 'utf8'));
  } catch {
    return undefined;
  }
}

function runQuiet(cmd, args, what) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  fs.appendFileSync(logFile, `$ ${cmd} ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  if (r.status !== 0)
    throw new BuildError(`${what} failed:\n${(r.stdout ?? '') + (r.stderr ?? '') || r.error}`);
}

// The worker's sources, with a shim in every subproject directory its wraps name.
function prepareSources(mediasoupDir, version) {
  fs.cpSync(path.join(mediasoupDir, 'worker'), srcDir, { recursive: true });
  const subprojects = path.join(srcDir, 'subprojects');
  for (const wrap of fs.readdirSync(subprojects).filter((f) => f.endsWith('.wrap'))) {
    const name = wrap.slice(0, -'.wrap'.length);
    if (UNUSED_WRAPS.has(name)) continue;
    const shim = path.join(here, 'subprojects', name);
    if (!fs.existsSync(shim))
      throw new BuildError(
        `mediasoup ${version} has a subproject "${name}" with no stand-in in ` +
          `${path.join(here, 'subprojects')}; add one that maps it onto Debian's library`,
      );
    const directory = /^directory\s*=\s*(\S+)/m.exec(
      fs.readFileSync(path.join(subprojects, wrap), 'utf8'),
    )?.[1];
    if (!directory) throw new BuildError(`${wrap} names no directory`);
    fs.cpSync(shim, path.join(subprojects, directory), { recursive: true });
  }
}

// ninja, with its [done/total] lines summarised into one progress line (rewritten in place on a
// terminal, one line per 10% otherwise); everything it prints goes to build.log, and the
// non-progress lines (the compiler's errors) are shown if it fails.
function ninja(target, jobs, log) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tty = process.stdout.isTTY;
    const child = spawn('ninja', ['-C', buildDir, '-j', String(jobs), target], {
      env: { ...process.env, NINJA_STATUS: '[%f/%t] ' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logStream = fs.createWriteStream(logFile, { flags: 'a' });
    const other = [];
    let lastTenth = -1;
    let pending = '';
    const onLine = (line) => {
      const m = /^\[(\d+)\/(\d+)\] /.exec(line);
      if (!m) return void other.push(line);
      const [done, total] = [Number(m[1]), Number(m[2])];
      const secs = Math.round((Date.now() - started) / 1000);
      const text = `${log.prefix}compiling mediasoup-worker: ${done}/${total} (${Math.floor((100 * done) / total)}%, ${Math.floor(secs / 60)}m${String(secs % 60).padStart(2, '0')}s)`;
      if (tty) process.stdout.write(`\r${text}`);
      else if (Math.floor((10 * done) / total) > lastTenth) {
        lastTenth = Math.floor((10 * done) / total);
        console.log(text);
      }
    };
    const onData = (chunk) => {
      logStream.write(chunk);
      const lines = (pending + chunk).split('\n');
      pending = lines.pop();
      lines.forEach(onLine);
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.on('error', (err) => reject(new BuildError(`ninja could not start: ${err.message}`)));
    child.on('close', (code) => {
      if (pending) onLine(pending);
      logStream.end();
      if (tty) process.stdout.write('\n');
      if (code === 0) resolve();
      else
        reject(
          new BuildError(
            `ninja ${target} failed (exit ${code}); full log: ${logFile}\n${other.slice(-60).join('\n')}`,
          ),
        );
    });
  });
}

/**
 * Makes sure ./out/mediasoup-worker is built for the installed mediasoup and these shims.
 * Returns { binary, built } where built says whether it compiled this time.
 */
export async function ensureMediasoupWorker({ mediasoupDir, prefix = '' }) {
  const log = { prefix };
  const { version } = JSON.parse(fs.readFileSync(path.join(mediasoupDir, 'package.json'), 'utf8'));
  const key = buildKey(version);
  if (readStamp()?.key === key && fs.existsSync(workerBinary))
    return { binary: workerBinary, version, built: false };

  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const jobs = os.availableParallelism();
  const started = Date.now();
  console.log(`${prefix}building mediasoup-worker ${version} from Debian's libraries (-j${jobs})…`);
  prepareSources(mediasoupDir, version);
  runQuiet('meson', ['setup', ...MESON_OPTIONS, buildDir, srcDir], 'meson setup');
  // The generated flatbuffers headers have no build-order edge to the sources that include them.
  runQuiet('ninja', ['-C', buildDir, 'fbs/FBS'], 'generating the flatbuffers headers');
  await ninja('mediasoup-worker', jobs, log);

  fs.copyFileSync(path.join(buildDir, 'mediasoup-worker'), `${workerBinary}.tmp`);
  fs.renameSync(`${workerBinary}.tmp`, workerBinary);
  fs.rmSync(srcDir, { recursive: true, force: true });
  fs.rmSync(buildDir, { recursive: true, force: true });
  fs.writeFileSync(stampFile, JSON.stringify({ key, mediasoup: version }) + '\n');
  const secs = Math.round((Date.now() - started) / 1000);
  console.log(`${prefix}built ${workerBinary} in ${Math.floor(secs / 60)}m${secs % 60}s`);
  return { binary: workerBinary, version, built: true };
}

export { BuildError };
