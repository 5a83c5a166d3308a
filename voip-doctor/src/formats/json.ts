/**
 * One JSON log record → entry fields. Apple's `log show --style json/ndjson` keys come first; the keys of
 * mandiant's unifiedlog_iterator jsonl and of pino-style app logs are accepted too.
 */
import type { EntryFields, TimeBasis } from '../model.ts';
import { parseStamp } from '../time.ts';
import type { Zone } from '../time.ts';

export type JsonEntry = EntryFields;

export interface Trailer {
  count: number;
  finished: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Epoch seconds, ms, µs or ns → ms, told apart by magnitude. */
function epochMs(v: number): number {
  if (v > 1e17) return v / 1e6;
  if (v > 1e14) return v / 1e3;
  if (v > 1e11) return v;
  return v * 1000;
}

function timeOf(
  rec: Record<string, unknown>,
  zone: Zone,
): { time: number; offset: number; basis: TimeBasis } | null {
  const raw = rec['timestamp'] ?? rec['time'] ?? rec['ts'] ?? rec['datetime'];
  if (typeof raw === 'number') return { time: epochMs(raw), offset: 0, basis: 'absolute' };
  if (typeof raw !== 'string') return null;
  const s = parseStamp(raw, 0, zone);
  if (s) return { time: s.time, offset: s.offset, basis: s.zoned ? 'absolute' : 'assumed-zone' };
  const t = Date.parse(raw);
  return Number.isNaN(t) ? null : { time: t, offset: 0, basis: 'absolute' };
}

function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** `{"count":N,"finished":1}` closes an ndjson export; anything else with a time and a message is an entry. */
export function fromRecord(rec: unknown, zone: Zone, fallbackProcess: string): JsonEntry | Trailer | null {
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) return null;
  const r = rec as Record<string, unknown>;
  if ('finished' in r && !('eventMessage' in r))
    return { count: num(r['count']) ?? -1, finished: Boolean(r['finished']) };
  const t = timeOf(r, zone);
  const message = str(r['eventMessage']) ?? str(r['message']) ?? str(r['msg']) ?? str(r['composedMessage']);
  if (!t || message === undefined) return null;
  const path = str(r['processImagePath']);
  const entry: JsonEntry = {
    ...t,
    process: str(r['process']) ?? (path ? basename(path) : undefined) ?? str(r['name']) ?? fallbackProcess,
    message,
  };
  const pid = num(r['processID']) ?? num(r['pid']);
  if (pid !== undefined) entry.pid = pid;
  const type = str(r['messageType']) ?? str(r['log_type']) ?? str(r['level']);
  if (type) entry.type = type;
  const subsystem = str(r['subsystem']);
  if (subsystem) entry.subsystem = subsystem;
  const category = str(r['category']);
  if (category) entry.category = category;
  return entry;
}
