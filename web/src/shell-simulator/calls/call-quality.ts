/**
 * Models `ios-shell/Shell/Calls/CallQuality.swift`: one call's activation timeline for its quality
 * record (issue 21) — answer → first `didActivate`, and the watchdog's verdict — and the device
 * report the shell sends on its socket (`call:device-report`, `DeviceReportSchema`).
 */
import type { DeviceReport, PathKind } from '@softphone/sfu/protocol';

/** CallQuality.swift `CallQuality.Watchdog`. */
export type Watchdog = 'activated' | 'fired' | 'late';

/** CallQuality.swift `CallQuality`. */
export class CallQuality {
  answeredAt: number | null = null;
  didActivateMs: number | null = null;
  watchdog: Watchdog | null = null;
  /** CallQuality.swift `path`: the selected pair's path as the engine's stats last read it. */
  path: PathKind | null = null;

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

  /** CallQuality.swift `pathSeen(_:)`: true when the path changed, so a new report is due. */
  pathSeen(kind: PathKind): boolean {
    if (this.path === kind) return false;
    this.path = kind;
    return true;
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

/** CallQuality.swift `DeviceReport.encode(to:)`. */
export function deviceReport(engine: 'native' | 'page', call: CallQuality): DeviceReport {
  return {
    platform: 'ios-shell',
    ...SIMULATED_DEVICE,
    engine,
    path: call.path,
    didActivateMs: call.didActivateMs,
    watchdog: call.watchdog,
  };
}
