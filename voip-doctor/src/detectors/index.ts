/** Every scenario detector, in the order the reports list them. Ids are a public contract. */
import * as apsEnvironmentMismatch from './aps-environment-mismatch.ts';
import * as appActivatedAudioItself from './app-activated-audio-itself.ts';
import * as audioActivatedTwice from './audio-activated-twice.ts';
import * as audioActivationInsufficientPriority from './audio-activation-insufficient-priority.ts';
import * as audioNotActivated from './audio-not-activated.ts';
import * as audioSessionIdNull from './audio-session-id-null.ts';
import * as beforeFirstUnlock from './before-first-unlock.ts';
import * as incomingCallFiltered from './incoming-call-filtered.ts';
import * as interruptionWithoutEnd from './interruption-without-end.ts';
import type { Detector, ScenarioSpec, Shared } from './kit.ts';
import * as linkQualityFlapping from './link-quality-flapping.ts';
import * as logGap from './log-gap.ts';
import * as logPurged from './log-purged.ts';
import * as pushDropped from './push-dropped.ts';
import * as pushNeverReachedDevice from './push-never-reached-device.ts';
import * as pushNotReportedKilled from './push-not-reported-killed.ts';
import * as pushReportTimeoutKilled from './push-report-timeout-killed.ts';
import * as voipLaunchBlocked from './voip-launch-blocked.ts';

interface DetectorModule {
  spec: ScenarioSpec;
  create(shared: Shared): Detector;
}

export const DETECTORS: readonly DetectorModule[] = [
  pushNeverReachedDevice,
  pushNotReportedKilled,
  pushReportTimeoutKilled,
  voipLaunchBlocked,
  pushDropped,
  audioSessionIdNull,
  audioNotActivated,
  audioActivationInsufficientPriority,
  appActivatedAudioItself,
  audioActivatedTwice,
  interruptionWithoutEnd,
  beforeFirstUnlock,
  apsEnvironmentMismatch,
  incomingCallFiltered,
  linkQualityFlapping,
  logPurged,
  logGap,
];

export const SPECS: ReadonlyMap<string, ScenarioSpec> = new Map(DETECTORS.map((d) => [d.spec.id, d.spec]));
