/**
 * `npm run bench:doctor`: generates a 1 GB `log show --style ndjson` export in a temp dir (deleted after),
 * runs the real command on it in-process and prints throughput and memory. The generator runs in a child
 * process so its buffers do not count towards the doctor's peak RSS.
 *
 * Options: --size-mb N (default 1024), --keep (leave the generated file for inspection).
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { main } from './cli.ts';
import type { Report } from './report.ts';

const MB = 1024 * 1024;

const PROCESSES = [
  ['kernel', '\\/kernel', 'AppleBCMWLANCore::setPowerSave(): power save mode %d'],
  [
    'SpringBoard',
    '\\/System\\/Library\\/CoreServices\\/SpringBoard.app\\/SpringBoard',
    'Not showing banner: screen is locked (%d)',
  ],
  [
    'locationd',
    '\\/usr\\/libexec\\/locationd',
    'client authorization changed for com.apple.weather, status %d',
  ],
  [
    'symptomsd',
    '\\/usr\\/libexec\\/symptomsd',
    'Data Usage for pdp_ip0 on flow %d - WiFi in: 0, WiFi out: 0',
  ],
  ['wifid', '\\/usr\\/sbin\\/wifid', '__WiFiDeviceManagerEvaluateAPEnvironment: WiFi is not associated (%d)'],
  [
    'runningboardd',
    '\\/usr\\/libexec\\/runningboardd',
    'Acquiring assertion targeting [app<com.apple.news>] for process %d',
  ],
  [
    'mediaserverd',
    '\\/usr\\/sbin\\/mediaserverd',
    '  ACMP4AACBaseDecoder.cpp:310   (0xabc180e00) Input format: %d ch',
  ],
] as const;

/** One healthy incoming call, as callservicesd and the app log it; repeated through the file. */
const CALL = [
  [
    'apsd',
    '<private>: Outstanding data received: <private> (length 410) onInterface: NonCellular. Connected on 1 interfaces.',
  ],
  [
    'callservicesd',
    'Received incoming APS message from application with bundle identifier com.acme.softphone and topic com.acme.softphone.voip',
  ],
  [
    'callservicesd',
    'Delivering 1 VoIP payload(s) to application <CSDVoIPApplication 0xc70cc0f00 bundleIdentifier=com.acme.softphone>',
  ],
  [
    'Softphone',
    'Provider <CXProvider: 0x281b2c0a0> was asked to report a new incoming call with UUID: 6F1C8E2A-9B1D-4C55-8B4E-2D8E1A0C9F11 update: <CXCallUpdate>',
  ],
  ['Softphone', 'Provider <CXProvider: 0x281b2c0a0> performing action <CXAnswerCallAction 0x2800f1a40>'],
  ['callservicesd', 'Setting audio active: <private> options: 0 for provider <private>'],
  ['InCallService', 'End call action fulfilled: <private>'],
] as const;

function record(process: string, path: string, message: string, timestamp: string, n: number): string {
  return (
    `{"timezoneName":"","messageType":"Default","eventType":"logEvent","source":null,"formatString":"%s","userID":0,` +
    `"activityIdentifier":0,"subsystem":"com.apple.${process}","category":"general","threadID":${1000 + (n % 90000)},` +
    `"senderImageUUID":"0F483193-1D2C-3B4A-8E5F-6A7B8C9D0E1F","backtrace":{"frames":[{"imageOffset":${n % 900000},` +
    `"imageUUID":"0F483193-1D2C-3B4A-8E5F-6A7B8C9D0E1F"}]},"bootUUID":"3590A0B1-2C3D-4E5F-8A9B-0C1D2E3F4A5B",` +
    `"processImagePath":"${path}","senderImagePath":"${path}","timestamp":"${timestamp}","machTimestamp":${20147685217463 + n},` +
    `"eventMessage":"${message}","processImageUUID":"4044151C-5D6E-4F7A-8B9C-0D1E2F3A4B5C","traceID":${4197946135687987 + n},` +
    `"processID":${100 + (n % 400)},"senderProgramCounter":${n % 103060},"parentActivityIdentifier":0}\n`
  );
}

/** Writes `bytes` of ndjson: 200 lines per second of device time, a healthy call every ten minutes. */
async function generate(file: string, bytes: number): Promise<void> {
  const out = createWriteStream(file, { highWaterMark: 8 * MB });
  const start = Date.UTC(2025, 10, 3, 6, 0, 0);
  let written = 0;
  let n = 0;
  let batch = '';
  while (written < bytes) {
    const ms = start + n * 5;
    const iso = new Date(ms + 3_600_000).toISOString();
    const timestamp = `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(n % 1000).padStart(3, '0')}+0100`;
    let line: string;
    const callStep = Math.floor(n / 10) % 12_000;
    if (n % 10 === 0 && callStep < CALL.length) {
      const [proc, message] = CALL[callStep] as (typeof CALL)[number];
      line = record(proc, `\\/usr\\/libexec\\/${proc}`, message, timestamp, n);
    } else {
      const [proc, path, message] = PROCESSES[n % PROCESSES.length] as (typeof PROCESSES)[number];
      line = record(proc, path, message.replace('%d', String(n % 997)), timestamp, n);
    }
    batch += line;
    n++;
    if (batch.length >= 4 * MB) {
      written += batch.length;
      if (!out.write(batch)) await new Promise<void>((r) => out.once('drain', () => r()));
      batch = '';
    }
  }
  out.end(`${batch}{"count":${n},"finished":1}\n`);
  await new Promise<void>((r) => out.once('finish', () => r()));
}

async function bench(sizeMb: number, keep: boolean): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'voip-doctor-bench-'));
  const file = join(dir, 'export.ndjson');
  try {
    process.stdout.write(`generating ${sizeMb} MB of ndjson in ${dir} …\n`);
    const self = fileURLToPath(import.meta.url);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', self, '--generate', file, '--size-mb', String(sizeMb)],
        {
          stdio: 'inherit',
        },
      );
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`generator exited ${code}`))));
    });
    const size = (await stat(file)).size;
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(process.memoryUsage().rss), 250);
    let json = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        json += chunk.toString();
        done();
      },
    });
    const started = process.hrtime.bigint();
    const code = await main([file, '--json', '-q'], {
      stdin: process.stdin,
      stdout: sink,
      stderr: process.stderr,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(sampler);
    const report = JSON.parse(json) as Report;
    const peak = process.resourceUsage().maxRSS / 1024;
    const quarter = (q: number): string =>
      `${(((samples[Math.min(samples.length - 1, Math.floor((samples.length * q) / 4))] ?? 0) as number) / MB).toFixed(0)}`;
    process.stdout.write(
      [
        `file:        ${(size / MB).toFixed(0)} MB, ${report.stats.entries} entries, ${report.stats.hits} signature hits`,
        `time:        ${seconds.toFixed(2)} s (exit ${code}, ${report.diagnoses.length} diagnoses)`,
        `throughput:  ${(size / MB / seconds).toFixed(1)} MB/s`,
        `peak RSS:    ${peak.toFixed(0)} MB`,
        `RSS at 25/50/75/100% of the run: ${[1, 2, 3, 4].map(quarter).join(' / ')} MB`,
        '',
      ].join('\n'),
    );
  } finally {
    if (!keep) await rm(dir, { recursive: true, force: true });
  }
}

const { values } = parseArgs({
  options: {
    generate: { type: 'string' },
    'size-mb': { type: 'string' },
    keep: { type: 'boolean' },
  },
});
const sizeMb = Number(values['size-mb'] ?? 1024);
if (values.generate) await generate(values.generate, sizeMb * MB);
else await bench(sizeMb, values.keep ?? false);
