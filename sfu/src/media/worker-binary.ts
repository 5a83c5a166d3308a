// Where mediasoup finds its worker: the one setup builds from Debian's libraries
// (sfu/mediasoup-worker/build.mjs), outside node_modules so `npm ci` keeps it. mediasoup reads
// MEDIASOUP_WORKER_BIN once, when it loads, so import this module before mediasoup.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The worker binary mediasoup will start; MEDIASOUP_WORKER_BIN, when set, names another. */
export const workerBinary =
  process.env.MEDIASOUP_WORKER_BIN ||
  fileURLToPath(new URL('../../mediasoup-worker/out/mediasoup-worker', import.meta.url));
process.env.MEDIASOUP_WORKER_BIN = workerBinary;

/** Throws a clear error, rather than mediasoup's spawn ENOENT, when the worker is not built. */
export function assertWorkerBinary(): void {
  try {
    fs.accessSync(workerBinary, fs.constants.X_OK);
  } catch {
    throw new Error(`mediasoup-worker is not built at ${workerBinary}: run \`npm run setup\``);
  }
}
