/**
 * The shell's QA stats lines (ios-shell/Shell/QA/QACallStatsLog.swift, QA builds with
 * `-SoftphoneQAStatsLog YES`): once a second during a call, one `qa-stats dir=up` and one
 * `qa-stats dir=down` line in the device log with libwebrtc's cumulative counters. The downlink
 * lines become the same audio windows a browser's monitor makes, judged by the same rules
 * (`classifyWindow`, `judgeDirection`), so a physical iPhone's downlink and a browser's are one
 * measurement (docs/one-way-audio-on-iphone.md).
 */
import { classifyWindow, type AudioWindow } from '@softphone/web/audio-monitor';
import { judgeDirection, type DirectionResult } from '../audio/verdict.ts';
import type { DeviceLogLine } from './iphone.ts';

type MediaStats = Parameters<typeof classifyWindow>[0];

/** libwebrtc's playout rate: `totalSamplesReceived` counts samples at 48 kHz. */
const PLAYOUT_RATE = 48_000;

export interface QaStatsLine {
  at: number;
  dir: 'up' | 'down';
  call: string;
  packets: number;
  /** Last audioLevel (0..1), null when libwebrtc reported none (`-`). */
  level: number | null;
  energy: number | null;
  /** Downlink only. */
  lost: number;
  concealed: number;
  samples: number;
  /** Downlink in known-signal mode: the metered RMS of what would have been played. */
  playoutRms: number | null;
  /** `uplink=microphone` or `uplink=known-signal` (uplink lines). */
  uplink: string | null;
  /** The audio session summary: `active`, `rtcActive`, `category`, `mode`, `route`. */
  session: Record<string, string>;
}

const PREFIX = 'qa-stats ';

/** The qa-stats line in a log message, or null for any other line. */
export function parseQaStats(line: DeviceLogLine): QaStatsLine | null {
  const start = line.message.indexOf(PREFIX);
  if (start < 0) return null;
  const fields: Record<string, string> = {};
  for (const token of line.message
    .slice(start + PREFIX.length)
    .trim()
    .split(/\s+/)) {
    const eq = token.indexOf('=');
    if (eq > 0) fields[token.slice(0, eq)] = token.slice(eq + 1);
  }
  const dir = fields['dir'];
  const call = fields['call'];
  if ((dir !== 'up' && dir !== 'down') || !call) return null;
  const int = (k: string) => {
    const n = Number(fields[k]);
    return Number.isFinite(n) ? n : 0;
  };
  const real = (k: string) => {
    const v = fields[k];
    const n = v === undefined || v === '-' ? NaN : Number(v);
    return Number.isFinite(n) ? n : null;
  };
  const session: Record<string, string> = {};
  for (const k of ['category', 'mode', 'active', 'rtcActive', 'route']) {
    const v = fields[k];
    if (v !== undefined) session[k] = v;
  }
  return {
    at: line.at,
    dir,
    call,
    packets: int('packets'),
    level: real('level'),
    energy: real('energy'),
    lost: int('lost'),
    concealed: int('concealed'),
    samples: int('samples'),
    playoutRms: real('playoutRms'),
    uplink: fields['uplink'] ?? null,
    session,
  };
}

function asMediaStats(l: QaStatsLine): MediaStats {
  return {
    at: l.at,
    inbound: {
      packetsReceived: l.packets,
      packetsLost: l.lost,
      totalSamplesReceived: l.samples,
      concealedSamples: l.concealed,
      totalAudioEnergy: l.energy ?? 0,
      totalSamplesDuration: l.samples / PLAYOUT_RATE,
      jitter: 0,
    },
    outbound: null,
    sourceLevel: null,
    roundTripTime: null,
  };
}

/**
 * One-second audio windows of the downlink from consecutive `dir=down` lines. A line whose audio
 * session is not active (`active=false` or `rtcActive=false`) plays nothing whatever NetEq counts,
 * so its window is `no-playout`.
 */
export function downlinkWindows(lines: QaStatsLine[]): AudioWindow[] {
  const down = lines.filter((l) => l.dir === 'down').sort((a, b) => a.at - b.at);
  const windows: AudioWindow[] = [];
  for (let i = 1; i < down.length; i++) {
    const prev = down[i - 1];
    const cur = down[i];
    if (!prev || !cur) continue;
    const w = classifyWindow(asMediaStats(prev), asMediaStats(cur));
    if (!w) continue;
    const inactive = cur.session['active'] === 'false' || cur.session['rtcActive'] === 'false';
    windows.push(inactive && w.class !== 'no-media' ? { ...w, class: 'no-playout' } : w);
  }
  return windows;
}

/** The downlink of one call from its qa-stats lines, by the browsers' per-direction rules. */
export function judgeDownlink(lines: QaStatsLine[], answeredAt: number, endAt: number): DirectionResult {
  return judgeDirection(downlinkWindows(lines), answeredAt, endAt);
}

/** What the phone says it sent: the last uplink line's packet count and microphone level. */
export function uplinkSent(lines: QaStatsLine[]): { packets: number; sourceLevel: number | null } | null {
  const up = lines.filter((l) => l.dir === 'up').sort((a, b) => a.at - b.at);
  const last = up[up.length - 1];
  return last ? { packets: last.packets, sourceLevel: last.level } : null;
}
