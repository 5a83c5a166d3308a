/**
 * One input file → rule hits, in batches (one per chunk read). Every line feeds the volume tracker; only
 * the few lines that contain a needle are fully parsed. The format is detected per line, so mixed files
 * (a ticket with a Console copy, a DTS quote and a crash excerpt) work, and what fits no form is counted.
 */
import { StringDecoder } from 'node:string_decoder';
import { fromRecord } from './formats/json.ts';
import type { JsonEntry, Trailer } from './formats/json.ts';
import { JsonArrayScanner } from './formats/json-array.ts';
import { isPreamble, parseTextLine } from './formats/text.ts';
import type { DayState, ParsedLine } from './formats/text.ts';
import { readBytes } from './input.ts';
import type { Hit, LogEntry } from './model.ts';
import { NEEDLE_BYTES, PREFILTER, matchEntry } from './rules/match.ts';
import { parseStamp } from './time.ts';
import type { Zone } from './time.ts';
import type { Volume } from './volume.ts';

export type Role = 'device' | 'app';

export interface InputSpec {
  path: string;
  role: Role;
}

export interface InputStats {
  path: string;
  role: Role;
  status: 'ok' | 'unreadable' | 'unrecognized';
  error?: string;
  /** Dominant form; `forms` has the count of entries per form. */
  format: string;
  forms: Record<string, number>;
  bytes: number;
  lines: number;
  entries: number;
  hits: number;
  continuationLines: number;
  preambleLines: number;
  unknownLines: number;
  unknownSamples: { line: number; text: string }[];
  noise: Record<string, number>;
  /** Entries whose zone (`--tz`) or date (`--date`) was not in the log. */
  assumedZone: number;
  assumedDate: number;
  /** ndjson trailer `{"count":N,"finished":1}`; null when absent (export cut short) or not ndjson. */
  trailer: Trailer | null;
  /**
   * `excerpt` when the lines were picked out of a log (a forum paste, a grep): silences in it say nothing
   * about the phone, so no log gap is reported for it. `export` otherwise.
   */
  coverage: 'export' | 'excerpt';
  /** Why the input was judged an excerpt (empty for an export). */
  coverageReason: string;
}

/** A phone writes hundreds of lines a minute; an export far below this was filtered. */
const EXCERPT_LINES_PER_MINUTE = 2;
/** In a full export a tiny share of lines match a rule; a pasted selection is mostly such lines. */
const EXCERPT_HIT_SHARE = 0.2;
/** Too few entries to judge a density. */
const EXCERPT_MIN_SPAN_MS = 600_000;

/** Judges whether the entries of one input are a full log or a selection of lines. */
export function coverageOf(
  entries: number,
  hits: number,
  spanMs: number,
): Pick<InputStats, 'coverage' | 'coverageReason'> {
  if (entries >= 10 && hits / entries >= EXCERPT_HIT_SHARE)
    return {
      coverage: 'excerpt',
      coverageReason: `${Math.round((hits / entries) * 100)} % of the entries match a rule (a full log has well under 1 %)`,
    };
  const perMinute = spanMs > 0 ? entries / (spanMs / 60_000) : Infinity;
  if (spanMs >= EXCERPT_MIN_SPAN_MS && perMinute < EXCERPT_LINES_PER_MINUTE)
    return {
      coverage: 'excerpt',
      coverageReason: `${perMinute.toFixed(1)} entries per minute (a phone logs hundreds)`,
    };
  return { coverage: 'export', coverageReason: '' };
}

export interface ReadOptions {
  zone: Zone;
  /** Whether `zone` came from --tz; if not, lines without offset take the offset of the line before. */
  zoneGiven: boolean;
  /** Epoch ms of the UTC midnight that dateless lines fall on; null = unknown (1970-01-01 is used). */
  day: number | null;
  volume: Volume;
  onBytes: (n: number) => void;
  stdin?: NodeJS.ReadableStream;
}

const MAX_CONTINUATION_LINES = 500;
const MAX_SAMPLES = 5;
const TIMESTAMP_KEY = Buffer.from('"timestamp":"');
const PROCESS_KEY = Buffer.from('"processImagePath":"');
const MESSAGE_KEY = Buffer.from('"eventMessage":"');
const NEWLINE = 10;
const QUOTE = 34;
const BACKSLASH = 92;
const SLASH = 47;
/** Longest `YYYY-MM-DD HH:MM:SS.ffffff±HHMM` we read. */
const STAMP_BYTES = 40;

export function emptyStats(spec: InputSpec): InputStats {
  return {
    path: spec.path,
    role: spec.role,
    status: 'ok',
    format: 'unknown',
    forms: {},
    bytes: 0,
    lines: 0,
    entries: 0,
    hits: 0,
    continuationLines: 0,
    preambleLines: 0,
    unknownLines: 0,
    unknownSamples: [],
    noise: {},
    assumedZone: 0,
    assumedDate: 0,
    trailer: null,
    coverage: 'export',
    coverageReason: '',
  };
}

/**
 * A copy that shares no memory with the input: V8 substrings point into their parent string, so a kept
 * message sliced from a 1 MB chunk would keep the whole chunk alive. Used only for what outlives a chunk.
 */
export function own(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

/** Index of the quote closing the JSON string whose content starts at `from`, or -1 before `limit`. */
function stringEnd(b: Buffer, from: number, limit: number): number {
  let q = b.indexOf(QUOTE, from);
  while (q !== -1 && q < limit) {
    let k = q - 1;
    while (b[k] === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q;
    q = b.indexOf(QUOTE, q + 1);
  }
  return -1;
}

export async function* readHits(
  index: number,
  spec: InputSpec,
  stats: InputStats,
  opts: ReadOptions,
): AsyncGenerator<Hit[]> {
  const { volume, zone } = opts;
  const fallbackProcess = spec.role === 'app' ? 'app' : 'unknown';
  const days: DayState = { day: opts.day ?? 0, dateKnown: opts.day !== null, lastClock: 0, zone };
  let batch: Hit[] = [];
  let hint = 0;
  let pending = null as LogEntry | null;
  let pendingLines = 0;
  let jsonLines = 0;
  let sniffing = true;
  let scanner: JsonArrayScanner | null = null;

  let first = Infinity;
  let last = -Infinity;
  const span = (time: number): void => {
    if (time < first) first = time;
    if (time > last) last = time;
  };
  const form = (name: string): void => {
    stats.forms[name] = (stats.forms[name] ?? 0) + 1;
  };
  const unknown = (line: number, text: string): void => {
    stats.unknownLines++;
    if (stats.unknownSamples.length < MAX_SAMPLES)
      stats.unknownSamples.push({ line, text: own(text.slice(0, 200)) });
  };
  const classify = (entry: LogEntry): void => {
    if (entry.basis === 'assumed-zone') stats.assumedZone++;
    else if (entry.basis === 'assumed-date') stats.assumedDate++;
    if (!PREFILTER.test(entry.message)) return;
    const found = matchEntry(entry);
    if (!found) return;
    if (found.rule.severity === 'noise') {
      stats.noise[found.rule.id] = (stats.noise[found.rule.id] ?? 0) + 1;
      return;
    }
    stats.hits++;
    entry.message = own(entry.message);
    entry.process = own(entry.process);
    if (entry.subsystem !== undefined) entry.subsystem = own(entry.subsystem);
    if (entry.category !== undefined) entry.category = own(entry.category);
    if (entry.type !== undefined) entry.type = own(entry.type);
    // Re-match on the copies so the extracted fields point into them too.
    batch.push(matchEntry(entry) ?? found);
  };
  const flush = (): void => {
    if (pending) classify(pending);
    pending = null;
  };
  const entryOf = (e: ParsedLine | JsonEntry, line: number): LogEntry => {
    const entry: LogEntry = {
      file: index,
      line,
      time: e.time,
      offset: e.offset,
      basis: e.basis,
      process: e.process,
      message: e.message,
    };
    if (e.pid !== undefined) entry.pid = e.pid;
    if (e.type !== undefined) entry.type = e.type;
    if (e.subsystem !== undefined) entry.subsystem = e.subsystem;
    if (e.category !== undefined) entry.category = e.category;
    return entry;
  };
  const onRecord = (text: string, line: number, name: string): void => {
    let rec: unknown;
    try {
      rec = JSON.parse(text);
    } catch {
      unknown(line, text);
      return;
    }
    const e = fromRecord(rec, zone, fallbackProcess);
    if (e === null) unknown(line, text);
    else if ('finished' in e) stats.trailer = e;
    else {
      stats.entries++;
      form(name);
      span(e.time);
      volume.add(index, line, e.time, e.offset, e.process);
      classify(entryOf(e, line));
    }
  };
  /**
   * Apple's ndjson keys are found in the bytes, searched backwards from the line's end in the order Apple
   * writes them (…processImagePath, …, timestamp, machTimestamp, eventMessage, a few numbers) so that only
   * the line's tail is scanned. Only a line whose message holds a needle is decoded and parsed as JSON.
   * JSON escaping keeps the keys from occurring inside a string.
   */
  const onJsonLine = (b: Buffer, start: number, end: number, lineNo: number): void => {
    jsonLines++;
    const line = b.subarray(start, end);
    const m = line.lastIndexOf(MESSAGE_KEY);
    const ts = m === -1 ? -1 : line.lastIndexOf(TIMESTAMP_KEY, m);
    const mEnd = m === -1 ? -1 : stringEnd(line, m + MESSAGE_KEY.length, line.length);
    const stamp =
      ts === -1
        ? null
        : parseStamp(
            line.toString(
              'latin1',
              ts + TIMESTAMP_KEY.length,
              Math.min(line.length, ts + TIMESTAMP_KEY.length + STAMP_BYTES),
            ),
            0,
            zone,
          );
    if (stamp === null || mEnd === -1 || NEEDLE_BYTES.test(line, m + MESSAGE_KEY.length, mEnd)) {
      onRecord(line.toString('utf8'), lineNo, 'ndjson');
      return;
    }
    let process = fallbackProcess;
    const p = line.lastIndexOf(PROCESS_KEY, ts);
    if (p !== -1) {
      const pEnd = line.indexOf(QUOTE, p + PROCESS_KEY.length);
      if (pEnd !== -1 && pEnd < ts)
        process = line.toString(
          'utf8',
          Math.max(line.lastIndexOf(SLASH, pEnd) + 1, p + PROCESS_KEY.length),
          pEnd,
        );
    }
    stats.entries++;
    form('ndjson');
    if (!stamp.zoned) stats.assumedZone++;
    span(stamp.time);
    volume.add(index, lineNo, stamp.time, stamp.offset, process);
  };
  const onTextLine = (line: string, lineNo: number): void => {
    const parsed = parseTextLine(line, days, hint);
    if (parsed) {
      flush();
      const [p, used] = parsed;
      hint = used;
      if (p.basis === 'absolute' || p.basis === 'assumed-zone') {
        // Dateless lines that follow take this line's local date.
        const local = p.time + p.offset * 60_000;
        days.day = Math.floor(local / 86_400_000) * 86_400_000;
        days.lastClock = local - days.day;
        days.dateKnown = true;
        if (p.basis === 'absolute' && !opts.zoneGiven) days.zone = { kind: 'fixed', minutes: p.offset };
      }
      stats.entries++;
      form(p.form);
      span(p.time);
      volume.add(index, lineNo, p.time, p.offset, p.process);
      pending = entryOf(p, lineNo);
      pendingLines = 0;
    } else if (isPreamble(line)) {
      flush();
      stats.preambleLines++;
    } else if (pending && pendingLines < MAX_CONTINUATION_LINES) {
      pending.message += `\n${line}`;
      pendingLines++;
      stats.continuationLines++;
    } else unknown(lineNo, line);
  };

  let carry: Buffer | null = null;
  let lineNo = 0;
  let firstChunk = true;
  let decoder: StringDecoder | null = null;
  const onBytes = (n: number): void => {
    stats.bytes += n;
    opts.onBytes(n);
  };
  /** One line, bytes [pos, end) of `b` without its line break; false when the rest is a JSON array. */
  const onLine = (b: Buffer, pos: number, end: number): boolean => {
    lineNo++;
    const c = b[pos];
    if (end === pos) {
      if (pending) pending.message += '\n';
    } else if (c === 123 && !(pending && jsonLines === 0)) {
      flush();
      onJsonLine(b, pos, end, lineNo);
    } else if (sniffing && c === 91) {
      lineNo--;
      return false;
    } else onTextLine(b.toString('utf8', pos, end), lineNo);
    if (sniffing && end > pos && !isPreamble(b.toString('utf8', pos, Math.min(end, pos + 64))))
      sniffing = false;
    return true;
  };
  for await (const chunk of readBytes(spec.path, onBytes, opts.stdin)) {
    if (scanner && decoder) {
      scanner.feed(decoder.write(chunk));
      continue;
    }
    let b: Buffer = chunk;
    let pos = 0;
    if (carry) {
      // Only the line cut by the previous chunk is joined; the rest of the chunk is read in place.
      const nl = chunk.indexOf(NEWLINE);
      if (nl === -1) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      const joined = Buffer.concat([carry, chunk.subarray(0, nl + 1)]);
      carry = null;
      const end =
        joined.length > 1 && joined[joined.length - 2] === 13 ? joined.length - 2 : joined.length - 1;
      if (!onLine(joined, 0, end)) {
        b = Buffer.concat([joined, chunk.subarray(nl + 1)]);
      } else pos = nl + 1;
    }
    // A UTF-8 byte-order mark would otherwise hide the first line's timestamp.
    if (firstChunk && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) pos = 3;
    firstChunk = false;
    for (;;) {
      const nl = b.indexOf(NEWLINE, pos);
      if (nl === -1) break;
      const end = nl > pos && b[nl - 1] === 13 ? nl - 1 : nl;
      if (!onLine(b, pos, end)) {
        decoder = new StringDecoder('utf8');
        scanner = new JsonArrayScanner(lineNo + 1, (text, line) => onRecord(text, line, 'json'));
        scanner.feed(decoder.write(b.subarray(pos)));
        pos = b.length;
        break;
      }
      pos = nl + 1;
    }
    carry = pos < b.length ? b.subarray(pos) : null;
    if (batch.length) {
      yield batch;
      batch = [];
    }
  }
  if (scanner && decoder) scanner.feed(decoder.end());
  else if (carry) {
    const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
    if (!onLine(carry, 0, end)) {
      scanner = new JsonArrayScanner(lineNo + 1, (text, line) => onRecord(text, line, 'json'));
      scanner.feed(carry.toString('utf8'));
    }
  }
  flush();
  if (scanner?.truncated) unknown(lineNo, 'JSON array ends inside an object');
  stats.lines = scanner ? scanner.line : lineNo;
  if (batch.length) yield batch;
  const forms = Object.entries(stats.forms).sort((a, b) => b[1] - a[1]);
  stats.format =
    forms.length === 0
      ? 'unknown'
      : forms.length === 1
        ? (forms[0] as [string, number])[0]
        : `mixed (${forms.map((f) => f[0]).join(', ')})`;
  if (stats.entries === 0) stats.status = 'unrecognized';
  else Object.assign(stats, coverageOf(stats.entries, stats.hits, last - first));
}
