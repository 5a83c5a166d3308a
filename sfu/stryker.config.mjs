// @ts-check
/**
 * Mutation testing (StrykerJS 9, its built-in command runner) of the server's pure decision modules:
 * each is mutated alone and judged by the unit tests that own it only, so a surviving mutant names
 * a decision those tests do not pin down. One Stryker run per module (`MUTATION_MODULE` picks it;
 * `mutation.mjs` runs them all): the command runner cannot tell which file a mutant is in, so one
 * run over every module would run every test file for every mutant.
 *
 * `break` is the score under which the run fails: 90 for the SDP edge (issue 18), the score reached
 * for the others, so none can lose a test's worth of killing power unnoticed.
 *
 * The SDP edge's survivors are equivalent mutants: `?? []` made `?? ["Stryker was here"]` where a
 * filter drops that element anyway (a string has no kind, payload or uri); Opus's `rate ?? 48_000`
 * made `&&` (RFC 7587 §7: an Opus rtpmap's rate is 48000, so both give 48000); the channel count
 * written for channels ≤ 1 (`PCMU/8000/1` and `PCMU/8000` are the same, RFC 4566 §6, and
 * sdp-transform writes no count when it is undefined).
 */

/** @type {Record<string, { mutate: string; tests: string[]; break: number }>} */
export const MODULES = {
  'sdp-edge': { mutate: 'src/media/sdp-edge.ts', tests: ['test/unit/sdp-edge.test.ts'], break: 90 },
  'call-machine': {
    mutate: 'src/call/call-machine.ts',
    tests: ['test/unit/call-machine.test.ts'],
    break: 95,
  },
  'direction-watch': {
    mutate: 'src/media/direction-watch.ts',
    tests: ['test/unit/direction-watch.test.ts'],
    break: 89,
  },
  'delivery-verdict': {
    mutate: 'src/push/delivery-verdict.ts',
    tests: ['test/unit/delivery-verdict.test.ts'],
    break: 93,
  },
  'turn-credentials': {
    mutate: 'src/turn/turn-credentials.ts',
    tests: ['test/unit/turn-credentials.test.ts'],
    break: 100,
  },
};

const name = process.env.MUTATION_MODULE ?? 'sdp-edge';
const module = MODULES[name];
if (!module) throw new Error(`MUTATION_MODULE=${name}: not one of ${Object.keys(MODULES).join(', ')}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'command',
  commandRunner: { command: `node --import tsx --test ${module.tests.join(' ')}` },
  // The command runner runs every test for every mutant; it has no per-test coverage.
  coverageAnalysis: 'off',
  mutate: [module.mutate],
  // The sandbox needs the sources and the unit tests only (not the mediasoup worker's build). Its
  // tsconfig.json stays out: the copy's `extends: ../tsconfig.base.json` would point nowhere, and
  // tsx then finds sfu/tsconfig.json above the sandbox.
  ignorePatterns: ['/*', '!/src', '!/test', '/test/*', '!/test/unit', '!/package.json'],
  thresholds: { high: 90, low: 80, break: module.break },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  // Two cores on the developers' machines; a node --test run of one file takes about a second.
  concurrency: 2,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
