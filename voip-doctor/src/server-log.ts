/**
 * The server's push log: JSON lines, one per push sent (apns-id, call id, sent time, APNs answer). Field
 * names vary between senders, so the common spellings are accepted; lines that are not push records
 * (the rest of a pino log) are skipped, lines that are not JSON are counted as unknown.
 */
import { z } from 'zod';
import { readText } from './input.ts';
import { own } from './reader.ts';
import { parseStamp } from './time.ts';
import type { Zone } from './time.ts';

export type ApsEnvironment = 'development' | 'production';

export interface ServerPush {
  file: number;
  line: number;
  sent: number;
  offset: number;
  apnsId?: string;
  callId?: string;
  status?: number;
  reason?: string;
  env?: ApsEnvironment;
  message: string;
}

export interface ServerLogStats {
  path: string;
  status: 'ok' | 'unreadable' | 'unrecognized';
  error?: string;
  lines: number;
  pushes: number;
  skipped: number;
  unknownLines: number;
}

const text = z.string().min(1).optional();
const when = z.union([z.string(), z.number()]).optional();
const PushLine = z.looseObject({
  'apns-id': text,
  apnsId: text,
  apns_id: text,
  callId: text,
  call_id: text,
  'call-id': text,
  sentAt: when,
  sent: when,
  time: when,
  timestamp: when,
  status: z.union([z.number(), z.string().regex(/^\d+$/)]).optional(),
  reason: text,
  env: text,
  environment: text,
  host: text,
});

function envOf(v: string | undefined): ApsEnvironment | undefined {
  if (!v) return undefined;
  if (/sandbox|development|\bdev\b/i.test(v)) return 'development';
  if (/production|\bprod\b|api\.push\.apple\.com/i.test(v)) return 'production';
  return undefined;
}

function timeOf(v: string | number, zone: Zone): { time: number; offset: number } | null {
  if (typeof v === 'number') return { time: v > 1e11 ? v : v * 1000, offset: 0 };
  const s = parseStamp(v, 0, zone);
  if (s) return { time: s.time, offset: s.offset };
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : { time: t, offset: 0 };
}

/** Loads every push record of the file (one small record per push sent, so it is held in memory). */
export async function loadServerLog(
  path: string,
  file: number,
  zone: Zone,
  stdin?: NodeJS.ReadableStream,
): Promise<{ pushes: ServerPush[]; stats: ServerLogStats }> {
  const stats: ServerLogStats = { path, status: 'ok', lines: 0, pushes: 0, skipped: 0, unknownLines: 0 };
  const pushes: ServerPush[] = [];
  const onLine = (raw: string): void => {
    stats.lines++;
    const line = raw.trim();
    if (!line) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      stats.unknownLines++;
      return;
    }
    const parsed = PushLine.safeParse(json);
    if (!parsed.success) {
      stats.unknownLines++;
      return;
    }
    const r = parsed.data;
    const apnsId = r['apns-id'] ?? r.apnsId ?? r.apns_id;
    const callId = r.callId ?? r.call_id ?? r['call-id'];
    const sentRaw = r.sentAt ?? r.sent ?? r.time ?? r.timestamp;
    const t = sentRaw === undefined ? null : timeOf(sentRaw, zone);
    if ((!apnsId && !callId) || !t) {
      stats.skipped++;
      return;
    }
    const push: ServerPush = {
      file,
      line: stats.lines,
      sent: t.time,
      offset: t.offset,
      message: own(line.slice(0, 300)),
    };
    if (apnsId) push.apnsId = apnsId.toLowerCase();
    if (callId) push.callId = callId;
    if (r.status !== undefined) push.status = Number(r.status);
    if (r.reason) push.reason = r.reason;
    const env = envOf(r.env ?? r.environment) ?? envOf(r.host);
    if (env) push.env = env;
    pushes.push(push);
  };
  try {
    let carry = '';
    for await (const chunk of readText(path, () => undefined, stdin)) {
      const parts = (carry + chunk).split('\n');
      carry = parts.pop() ?? '';
      for (const p of parts) onLine(p);
    }
    if (carry) onLine(carry);
  } catch (e) {
    stats.status = 'unreadable';
    stats.error = (e as Error).message;
    return { pushes: [], stats };
  }
  stats.pushes = pushes.length;
  if (pushes.length === 0) stats.status = 'unrecognized';
  pushes.sort((a, b) => a.sent - b.sent);
  return { pushes, stats };
}
