/**
 * Every text form of an iOS log line we know of (shared/docs/voip-log-signatures.md §2): `log show` default,
 * syslog and compact styles, Console.app copies, idevicesyslog, and what people paste into forums and tickets.
 * One function per line: the reader keeps entries, continuation lines and unknown lines apart.
 */
import type { EntryFields, TimeBasis } from '../model.ts';
import { parseClock, parseStamp } from '../time.ts';
import type { Zone } from '../time.ts';

export type TextForm = 'log-default' | 'syslog' | 'compact' | 'console' | 'idevicesyslog' | 'paste';

export interface ParsedLine extends EntryFields {
  form: TextForm;
}

/** Calendar state of one file: dateless lines take `day` and roll over at midnight. */
export interface DayState {
  day: number;
  dateKnown: boolean;
  lastClock: number;
  zone: Zone;
}

const DATE_TIME = String.raw`\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?`;
const DEFAULT_RE = new RegExp(
  String.raw`^(${DATE_TIME}[+-]\d{4}) +0x[0-9a-f]+ +(\w+) +0x[0-9a-f]+ +(\d+) +(?:\d+ +)?(.*)$`,
);
const SYSLOG_RE = new RegExp(String.raw`^(${DATE_TIME}[+-]\d{4}) +\S+ (.+?)\[(\d+)\]: (.*)$`);
const COMPACT_RE = new RegExp(String.raw`^(${DATE_TIME}) ([A-Z][a-z]?) +(.+?)\[(\d+):[0-9a-fA-F]+\] (.*)$`);
const IDEVICE_RE =
  /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) (\d\d:\d\d:\d\d(?:\.\d+)?) \S+ ([^[\s(]+)(?:\([^)]*\))?\[(\d+)\] <(\w+)>: (.*)$/;
const PASTE_RE =
  /^(?:([^\d\s\t[{][^\t\d]{0,30}?) +)?((?:\d{4}-\d\d-\d\d[ T])?\d\d:\d\d:\d\d(?:\.\d+)?(?: ?(?:[+-]\d\d:?\d\d|Z))?) +(.+)$/;
const PASTE_PROCESS_RE = /^(?:(\d+) +)?([^\s:[\]]+)(?:\[(\d+)(?::[0-9a-fA-Fx]+)?\])?:? +(.*)$/;
const CLOCK_RE = /^(?:\d{4}-\d\d-\d\d[ T])?\d\d:\d\d:\d\d(?:\.\d+)?(?: ?(?:[+-]\d\d:?\d\d|Z))?$/;
/** `process: (library) [subsystem:category] message`, the tail of the default style. */
const BODY_RE = /^(.+?): (?:\([^)]*\) )?(?:\[([\w-]+(?:\.[\w-]+)+):([^\]]+)\] )?([\s\S]*)$/;
/** `(library) [subsystem:category] message`, the tail of syslog/compact/DTS quotes. */
const TAIL_RE = /^(?:\([^)]*\) )?(?:\[([\w-]+(?:\.[\w-]+)+):([^\]]+)\] )?([\s\S]*)$/;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TWELVE_HOURS = 12 * 3_600_000;

/** Lines printed by `log show` / `log stream` around the data, never data themselves. */
export function isPreamble(line: string): boolean {
  return (
    line.startsWith('Timestamp ') ||
    line.startsWith('Filtering the log data') ||
    line.startsWith('Skipping ') ||
    line.startsWith('getpwuid_r did not find') ||
    line.startsWith('Error from getpwuid_r') ||
    line.startsWith('--------') ||
    line.startsWith('Log      - Default:') ||
    line.startsWith('         ')
  );
}

function dated(text: string, zone: Zone): { time: number; offset: number; basis: TimeBasis } | null {
  const s = parseStamp(text, 0, zone);
  return s && { time: s.time, offset: s.offset, basis: s.zoned ? 'absolute' : 'assumed-zone' };
}

/** A clock reading without a date lands on the file's day, moving to the next day when the clock wraps. */
function clocked(
  text: string,
  at: number,
  days: DayState,
): { time: number; offset: number; basis: TimeBasis } | null {
  const s = parseClock(text, at, 0, days.zone);
  if (!s) return null;
  const clock = s.time + s.offset * 60_000;
  if (clock < days.lastClock - TWELVE_HOURS) days.day += 86_400_000;
  days.lastClock = clock;
  const basis: TimeBasis = !days.dateKnown ? 'assumed-date' : s.zoned ? 'absolute' : 'assumed-zone';
  return { time: s.time + days.day, offset: s.offset, basis };
}

function stampOf(text: string, days: DayState): { time: number; offset: number; basis: TimeBasis } | null {
  return text.charCodeAt(2) === 58 ? clocked(text, 0, days) : dated(text, days.zone);
}

function withTail(
  base: Omit<ParsedLine, 'message' | 'subsystem' | 'category'>,
  tail: string,
): ParsedLine | null {
  const t = TAIL_RE.exec(tail);
  if (!t) return { ...base, message: tail };
  const out: ParsedLine = { ...base, message: t[3] ?? '' };
  if (t[1]) out.subsystem = t[1];
  if (t[2]) out.category = t[2];
  return out;
}

function parseDefault(line: string, days: DayState): ParsedLine | null {
  const m = DEFAULT_RE.exec(line);
  if (!m) return null;
  const t = dated(m[1] as string, days.zone);
  const b = BODY_RE.exec(m[4] as string);
  if (!t || !b) return null;
  const out: ParsedLine = {
    form: 'log-default',
    ...t,
    type: m[2] as string,
    pid: Number(m[3]),
    process: b[1] as string,
    message: b[4] ?? '',
  };
  if (b[2]) out.subsystem = b[2];
  if (b[3]) out.category = b[3];
  return out;
}

function parseSyslog(line: string, days: DayState): ParsedLine | null {
  const m = SYSLOG_RE.exec(line);
  const t = m && dated(m[1] as string, days.zone);
  if (!m || !t) return null;
  return withTail({ form: 'syslog', ...t, process: m[2] as string, pid: Number(m[3]) }, m[4] as string);
}

const COMPACT_TYPES: Readonly<Record<string, string>> = {
  Df: 'Default',
  I: 'Info',
  Db: 'Debug',
  E: 'Error',
  F: 'Fault',
  A: 'Activity',
};

function parseCompact(line: string, days: DayState): ParsedLine | null {
  const m = COMPACT_RE.exec(line);
  const t = m && dated(m[1] as string, days.zone);
  if (!m || !t) return null;
  const type = COMPACT_TYPES[m[2] as string] ?? (m[2] as string);
  return withTail(
    { form: 'compact', ...t, type, process: m[3] as string, pid: Number(m[4]) },
    m[5] as string,
  );
}

function parseIdevice(line: string, days: DayState): ParsedLine | null {
  const m = IDEVICE_RE.exec(line);
  if (!m) return null;
  const year = new Date(days.day).getUTCFullYear();
  const day = Date.UTC(year, MONTHS.indexOf(m[1] as string), Number(m[2]));
  const s = parseClock(m[3] as string, 0, day, days.zone);
  if (!s) return null;
  return {
    form: 'idevicesyslog',
    time: s.time,
    offset: s.offset,
    basis: 'assumed-date',
    process: m[4] as string,
    pid: Number(m[5]),
    type: m[6] as string,
    message: m[7] as string,
  };
}

/** Console.app copy: `[type⇥]time⇥process[⇥extra columns…]⇥message`, type localized. */
function parseConsole(line: string, days: DayState): ParsedLine | null {
  if (!line.includes('\t')) return null;
  const cols = line.split('\t');
  const at = CLOCK_RE.test(cols[0] as string) ? 0 : CLOCK_RE.test(cols[1] ?? '') ? 1 : -1;
  if (at < 0 || cols.length < at + 3) return null;
  const t = stampOf(cols[at] as string, days);
  if (!t) return null;
  const out = withTail(
    { form: 'console', ...t, process: (cols[at + 1] as string).trim() },
    cols[cols.length - 1] as string,
  );
  if (out && at === 1) out.type = (cols[0] as string).trim();
  return out;
}

/** Forum/ticket/DTS quotes: `[type ]time[ offset] [pid ]process[[pid[:tid]]][:] message`. */
function parsePaste(line: string, days: DayState): ParsedLine | null {
  const m = PASTE_RE.exec(line);
  if (!m) return null;
  const stamp = (m[2] as string).replace(/ ([+-])/, '$1');
  const t = stampOf(stamp, days);
  const p = PASTE_PROCESS_RE.exec(m[3] as string);
  if (!t || !p) return null;
  const pid = p[3] ?? p[1];
  const base: Omit<ParsedLine, 'message' | 'subsystem' | 'category'> = {
    form: 'paste',
    ...t,
    process: p[2] as string,
  };
  if (pid) base.pid = Number(pid);
  if (m[1]) base.type = m[1];
  return withTail(base, p[4] as string);
}

const PARSERS = [parseDefault, parseSyslog, parseCompact, parseConsole, parseIdevice, parsePaste] as const;

/**
 * Parses one line in whichever form fits. `hint` is the index of the parser that fitted last, tried first
 * because a file nearly always sticks to one form. Returns the parser index alongside the line.
 */
export function parseTextLine(line: string, days: DayState, hint: number): [ParsedLine, number] | null {
  const first = PARSERS[hint]?.(line, days);
  if (first) return [first, hint];
  for (let i = 0; i < PARSERS.length; i++) {
    if (i === hint) continue;
    const parsed = (PARSERS[i] as (typeof PARSERS)[number])(line, days);
    if (parsed) return [parsed, i];
  }
  return null;
}
