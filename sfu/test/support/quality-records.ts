/** Call-quality records (migration 015) for tests and bench:quality: a browser-to-browser two-way call unless told otherwise. */
import type { Insertable } from 'kysely';
import type { CallQualityTable } from '../../src/store/schema.ts';

export type QualityRecordRow = Insertable<CallQualityTable>;

export const IPHONE = (osVersion: string, appVersion = '1.4.0') => ({
  platform: 'ios-shell',
  os: 'iOS',
  os_version: osVersion,
  model: 'iPhone15,2',
  app_version: appVersion,
  engine: 'native',
});

type PartyFields = Partial<{
  platform: string;
  os: string;
  os_version: string;
  model: string | null;
  app_version: string;
  engine: string;
  path: string | null;
  did_activate_ms: number | null;
  activation_failed: number;
  watchdog: string | null;
  page_frozen: number;
}>;

const prefixed = (p: 'caller' | 'callee', f: PartyFields) =>
  Object.fromEntries(Object.entries(f).map(([k, v]) => [`${p}_${k}`, v]));

export function qualityRecord(
  callId: string,
  endedAt: number,
  o: { verdict?: string; outcome?: string; caller?: PartyFields; callee?: PartyFields } = {},
): QualityRecordRow {
  const verdict = o.verdict ?? 'two-way';
  const browser: PartyFields = {
    platform: 'browser',
    os: 'Linux',
    os_version: '6',
    model: null,
    app_version: '1.4.0',
    engine: 'browser',
    path: 'host',
    did_activate_ms: null,
  };
  const c2eHeard = verdict === 'two-way' || verdict === 'one-way-e2c-silent';
  const e2cHeard = verdict === 'two-way' || verdict === 'one-way-c2e-silent';
  return {
    call_id: callId,
    ended_at: endedAt,
    outcome: o.outcome ?? (verdict === 'not-answered' ? 'missed' : 'answered'),
    end_reason: 'hangup',
    verdict,
    ...(prefixed('caller', { ...browser, ...o.caller }) as object),
    ...(prefixed('callee', { ...browser, ...o.callee }) as object),
    c2e_first_rtp_ms: c2eHeard ? 80 : null,
    c2e_packets: c2eHeard ? 1500 : 0,
    c2e_stalls: 0,
    c2e_heard: c2eHeard ? 1 : 0,
    e2c_first_rtp_ms: e2cHeard ? 90 : null,
    e2c_packets: e2cHeard ? 1500 : 0,
    e2c_stalls: 0,
    e2c_heard: e2cHeard ? 1 : 0,
  } as QualityRecordRow;
}
