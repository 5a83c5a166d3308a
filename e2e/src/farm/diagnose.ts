/**
 * The diagnosis loop (issue 13, item 5): voip-doctor on one call's device log window together with
 * the server's push log for the same span, through voip-doctor's library API.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyze } from '@softphone/voip-doctor/analyze';
import { UTC } from '@softphone/voip-doctor/time';
import type { FarmCall } from './results.ts';
import type { DeviceLogLine } from './iphone.ts';

export type Diagnosis = NonNullable<FarmCall['diagnosis']>;

/** Evidence lines kept per call: the doctor's first lines of each diagnosis, in its order. */
const MAX_EVIDENCE = 12;

/** The push log's lines sent inside [from, to] (epoch ms): the rest belongs to other calls. */
function pushesWithin(pushLog: string | null, from: number, to: number): string[] {
  if (!pushLog || !fs.existsSync(pushLog)) return [];
  return fs
    .readFileSync(pushLog, 'utf8')
    .split('\n')
    .filter((l) => {
      if (!l.trim()) return false;
      try {
        const rec = JSON.parse(l) as Record<string, unknown>;
        const sent = rec['sentAt'] ?? rec['sent'] ?? rec['time'] ?? rec['timestamp'];
        const at = typeof sent === 'number' ? sent : typeof sent === 'string' ? Date.parse(sent) : NaN;
        return at >= from && at <= to;
      } catch {
        return false;
      }
    });
}

/**
 * `device`: where the call's device log window is kept (the results' `deviceLog`), so that whoever
 * reads a failed call has the phone's own lines the evidence points into.
 */
export async function diagnoseCall(
  lines: DeviceLogLine[],
  pushLog: string | null,
  span: { from: number; to: number },
  device: string,
): Promise<Diagnosis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'farm-doctor-'));
  try {
    fs.mkdirSync(path.dirname(device), { recursive: true });
    fs.writeFileSync(device, lines.map((l) => `${l.message}\n`).join(''));
    const pushes = pushesWithin(pushLog, span.from, span.to);
    const serverLogs: string[] = [];
    if (pushes.length) {
      const file = path.join(dir, 'apns-pushes.jsonl');
      fs.writeFileSync(file, pushes.map((l) => `${l}\n`).join(''));
      serverLogs.push(file);
    }
    const report = await analyze({
      inputs: [{ path: device, role: 'device' }],
      serverLogs,
      zone: UTC,
      zoneGiven: true,
      serverZone: UTC,
      day: null,
      toleranceMs: 2_000,
      maxDelayMs: 30_000,
      gapMs: 300_000,
    });
    const evidence = report.diagnoses
      .flatMap((d) => d.evidence)
      .slice(0, MAX_EVIDENCE)
      .map((e) => ({
        file: path.basename(e.file),
        line: e.line,
        time: e.time,
        ...(e.process ? { process: e.process } : {}),
        message: e.message,
      }));
    return { scenarioIds: [...new Set(report.diagnoses.map((d) => d.id))], evidence };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
