/**
 * The APNs push log: one JSON line per request sent to APNs, appended to `<DATA_DIR>/apns-pushes.jsonl`.
 * It is what `voip-doctor --server-log` reads to line the server's pushes up with an iPhone's
 * system log, so the field names are the ones its reader knows (voip-doctor/src/server-log.ts):
 *
 *   {"apns-id":"…","callId":"…","sentAt":"2026-…Z","status":200,"env":"sandbox","tokenSuffix":"…9f3a",
 *    "bundleId":"…","attempt":1,"latencyMs":12}
 *
 * `status` 0 means APNs never answered (the connection failed or timed out); `reason` is then the
 * transport error's code. `reason` is APNs's own for any other non-200, and `unregisteredAt` carries
 * the timestamp of a 410. Retries of one push share its `apns-id` and count up `attempt`.
 */
import fs from 'node:fs';
import type { ApsEnvironment } from '../protocol/push.ts';

export interface ApnsPushRecord {
  'apns-id': string;
  callId: string;
  /** ISO time the request was written. */
  sentAt: string;
  status: number;
  reason?: string;
  env: ApsEnvironment;
  /** The last 8 hex digits: enough to tell devices apart, not enough to push to one. */
  tokenSuffix: string;
  bundleId: string;
  attempt: number;
  latencyMs: number;
  /** APNs's 410 timestamp (epoch ms). */
  unregisteredAt?: number;
}

export interface PushLog {
  record(r: ApnsPushRecord): void;
  /** Resolves once every record so far is in the file. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export class FilePushLog implements PushLog {
  private readonly out: fs.WriteStream;

  constructor(readonly file: string) {
    this.out = fs.createWriteStream(file, { flags: 'a' });
  }

  record(r: ApnsPushRecord): void {
    this.out.write(`${JSON.stringify(r)}\n`);
  }

  flush(): Promise<void> {
    return new Promise((resolve) => this.out.write('', () => resolve()));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(resolve));
  }
}

export const tokenSuffix = (token: string): string => token.slice(-8).toLowerCase();
