/**
 * Timestamps as iOS logs print them. Parsing is on the hot path (every line of a multi-gigabyte export),
 * so the common shape is read with charCodeAt and the calendar part is cached per minute.
 */

export type Zone = { kind: 'fixed'; minutes: number } | { kind: 'local' };

export const UTC: Zone = { kind: 'fixed', minutes: 0 };

/** `Z`, `UTC`, `local`, `+0530`, `-04:00`, `+2` → a zone; null when unreadable. */
export function parseZone(text: string): Zone | null {
  const t = text.trim();
  if (t === 'Z' || t.toUpperCase() === 'UTC') return UTC;
  if (t === 'local') return { kind: 'local' };
  const m = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(t);
  if (!m) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  if (minutes > 14 * 60) return null;
  return { kind: 'fixed', minutes: m[1] === '-' ? -minutes : minutes };
}

/** Offset in minutes east of UTC that `zone` has at the wall-clock instant given as if it were UTC. */
export function zoneOffset(zone: Zone, wallClockAsUtc: number): number {
  if (zone.kind === 'fixed') return zone.minutes;
  const guess = -new Date(wallClockAsUtc).getTimezoneOffset();
  return -new Date(wallClockAsUtc - guess * 60_000).getTimezoneOffset();
}

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

// A one-entry cache with a numeric key: consecutive lines share their minute, and a string key sliced from
// the input would keep the whole input chunk alive.
let cachedKey = NaN;
let cachedMinute = NaN;

/** Wall-clock epoch ms of `YYYY-MM-DD HH:MM` at `at` (T or space separator), as if UTC. */
function wallMinute(s: string, at: number): number {
  const y = digits(s, at, 4);
  const mo = digits(s, at + 5, 2);
  const d = digits(s, at + 8, 2);
  const h = digits(s, at + 11, 2);
  const mi = digits(s, at + 14, 2);
  const key = (((y * 100 + mo) * 100 + d) * 100 + h) * 100 + mi;
  if (key === cachedKey) return cachedMinute;
  const sep = s.charCodeAt(at + 10);
  const ok = s.charCodeAt(at + 4) === 45 && s.charCodeAt(at + 7) === 45 && (sep === 32 || sep === 84);
  const v =
    ok && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60 ? Date.UTC(y, mo - 1, d, h, mi) : NaN;
  if (!Number.isNaN(v)) {
    cachedKey = key;
    cachedMinute = v;
  }
  return v;
}

export interface Stamp {
  /** Epoch ms (fractional). */
  time: number;
  /** UTC offset in minutes, stated or assumed. */
  offset: number;
  /** Whether the offset was printed. */
  zoned: boolean;
  /** Index just after the timestamp. */
  end: number;
}

/** Seconds, fraction and optional offset following `HH:MM` at `at`; `base` is the wall-clock minute. */
function tail(s: string, at: number, base: number, assumed: Zone): Stamp | null {
  if (s.charCodeAt(at) !== 58) return null;
  const sec = digits(s, at + 1, 2);
  if (!(sec < 61)) return null;
  let i = at + 3;
  let frac = 0;
  if (s.charCodeAt(i) === 46) {
    let scale = 100;
    i++;
    while (i < s.length) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      frac += c * scale;
      scale /= 10;
      i++;
    }
  }
  const wall = base + sec * 1000 + frac;
  let j = i;
  if (s.charCodeAt(j) === 32 && (s.charCodeAt(j + 1) === 43 || s.charCodeAt(j + 1) === 45)) j++;
  const sign = s.charCodeAt(j);
  if (sign === 43 || sign === 45) {
    const hh = digits(s, j + 1, 2);
    const colon = s.charCodeAt(j + 3) === 58 ? 1 : 0;
    const mm = digits(s, j + 3 + colon, 2);
    if (!Number.isNaN(hh) && !Number.isNaN(mm)) {
      const offset = (sign === 45 ? -1 : 1) * (hh * 60 + mm);
      return { time: wall - offset * 60_000, offset, zoned: true, end: j + 5 + colon };
    }
  }
  if (sign === 90) return { time: wall, offset: 0, zoned: true, end: j + 1 };
  const offset = zoneOffset(assumed, wall);
  return { time: wall - offset * 60_000, offset, zoned: false, end: i };
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff][±HHMM|±HH:MM| ±HHMM|Z]` at `at`. */
export function parseStamp(s: string, at: number, assumed: Zone): Stamp | null {
  const base = wallMinute(s, at);
  if (Number.isNaN(base)) return null;
  return tail(s, at + 16, base, assumed);
}

/** `HH:MM:SS[.f][±HHMM]` at `at` on the day `day` (epoch ms of a UTC midnight). */
export function parseClock(s: string, at: number, day: number, assumed: Zone): Stamp | null {
  const h = digits(s, at, 2);
  const mi = digits(s, at + 3, 2);
  if (s.charCodeAt(at + 2) !== 58 || !(h < 24) || !(mi < 60)) return null;
  return tail(s, at + 5, day + (h * 60 + mi) * 60_000, assumed);
}

/** ISO-8601 with the given offset, e.g. `2025-08-29T16:21:19.348+05:30`. */
export function formatTime(time: number, offset: number): string {
  if (!Number.isFinite(time)) return 'unknown';
  const local = new Date(Math.floor(time) + offset * 60_000).toISOString().slice(0, 23);
  if (offset === 0) return `${local}Z`;
  const a = Math.abs(offset);
  const sign = offset < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** Milliseconds as `1.2 s`, `3 min 4 s`, `2 h 5 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const min = Math.floor(ms / 60_000);
  if (min < 60) return `${min} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}

/** `YYYY-MM-DD` → epoch ms of that UTC midnight; null when unreadable. */
export function parseDay(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const v = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(v) ? null : v;
}
