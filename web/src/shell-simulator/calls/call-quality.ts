/**
 * Models `ios-shell/Shell/Calls/CallQuality.swift`: one call's activation timeline for its quality
 * record (issue 21) — answer → first `didActivate`, and the watchdog's verdict — and the device
 * report the shell sends on its socket (`call:device-report`, `DeviceReportSchema`).
 */
import type { DeviceReport } from '@softphone/sfu/protocol';

/** CallQuality.swift `CallQuality.Watchdog`. */
export type Watchdog = 'activated' | 'fired' | 'late';

/** CallQuality.swift `CallQuality`. */
export class CallQuality {
  answeredAt: number | null = null;
  didActivateMs: number | null = null;
  watchdog: Watchdog | null = null;

  answered(at: number): void {
    this.answeredAt ??= at;
  }

  /** Only the first `didActivate` after the answer counts: an unhold's activation is another step. */
  activated(at: number): void {
    if (this.answeredAt === null || this.didActivateMs !== null) return;
    this.didActivateMs = Math.max(0, Math.round(at - this.answeredAt));
    this.watchdog = this.watchdog === 'fired' ? 'late' : 'activated';
  }

  watchdogFired(): void {
    if (this.didActivateMs === null) this.watchdog = 'fired';
  }
}

/**
 * CallQuality.swift `DeviceIdentity.current()`: UIDevice's system version, uname's machine and the
 * bundle's version and build. The simulated iPhone's are fixed; its build names the simulator.
 */
export const SIMULATED_DEVICE = {
  os: 'iOS',
  osVersion: '18.5',
  model: 'iPhone15,2',
  appVersion: 'shell-simulator (qa)',
} as const;

/** CallQuality.swift `DeviceReport.encode(to:)`: the path is not read by the native engine yet. */
export function deviceReport(engine: 'native' | 'page', call: CallQuality): DeviceReport {
  return {
    platform: 'ios-shell',
    ...SIMULATED_DEVICE,
    engine,
    path: null,
    didActivateMs: call.didActivateMs,
    watchdog: call.watchdog,
  };
}
