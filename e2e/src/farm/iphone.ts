/**
 * The iPhone party the farm's scenarios are written against, whatever plays the phone: the shell
 * simulator page (`simulated-iphone.ts`) or a real iPhone through Appium's XCUITest driver
 * (`physical-iphone.ts`). It acts on the phone as a person would (app, buttons, CallKit's screens)
 * and reads what the phone itself can tell: its app state, its clock, its log, and the audio it
 * receives. The audio it sends is judged at the far end and the SFU, not here
 * (docs/one-way-audio-on-iphone.md).
 */
import type { DirectionResult } from '../audio/verdict.ts';

/** XCUIApplicationState, as `mobile: queryAppState` returns it. */
export const APP_STATE = {
  unknown: 0,
  notRunning: 1,
  backgroundSuspended: 2,
  background: 3,
  foreground: 4,
} as const;
export type AppState = (typeof APP_STATE)[keyof typeof APP_STATE];

/** One line of the device's log, on the rig's clock. */
export interface DeviceLogLine {
  /** Epoch ms. */
  at: number;
  message: string;
}

/** The device log around a moment T: from T − 30 s to T + 10 s (issue 13, item 5). */
export const LOG_WINDOW = { beforeMs: 30_000, afterMs: 10_000 } as const;

/** The phone's own view of a call's audio. */
export interface OwnAudio {
  /** Far end → iPhone, judged from what the phone received and played. */
  downlink: DirectionResult;
  /**
   * What the phone says it sent (packets and its microphone's level), or null where the adapter
   * can't see it. It tells "microphone dead" from "path broken" once the far end heard nothing.
   */
  uplinkSent: { packets: number; sourceLevel: number | null } | null;
}

export interface Iphone {
  /** The device's profile name (`simulated` for the simulator page). */
  readonly device: string;
  readonly iosVersion: string;

  /** Starts the app, or brings it to the foreground if it is running. */
  launch(): Promise<void>;
  /** Ends the app's process (the user swipes it away). */
  terminate(): Promise<void>;
  /** Home: the app goes to the background. */
  background(): Promise<void>;
  lock(): Promise<void>;
  unlock(): Promise<void>;
  state(): Promise<AppState>;

  /** Accepts the ringing call on CallKit's own screen (banner, full screen or lock screen). */
  answerOnCallKit(): Promise<void>;
  declineOnCallKit(): Promise<void>;
  /** Accepts the ringing call with the app's own answer button (the app in the foreground). */
  answerInApp(): Promise<void>;
  /** Ends the call from the app. */
  hangUp(): Promise<void>;
  /** Calls a contact from the app's contact list (the iPhone calls out). */
  dial(contact: string): Promise<void>;
  /** Puts the call on hold (true) or resumes it (false) from the app. */
  setHeld(held: boolean): Promise<void>;
  /** Grants the microphone if the system asks for it now; true when it asked. */
  grantMicrophone(): Promise<boolean>;

  /** Waits up to `timeoutMs` for the app to hold a VoIP token; false if it never did. */
  waitForVoipToken(timeoutMs: number): Promise<boolean>;
  /**
   * The downlink of the call answered at `answeredAt` (rig clock) until now; `partner`: the far
   * end's signature, where the phone can tell whose audio it plays (else judged by level).
   */
  ownAudio(answeredAt: number, partner: string | null): Promise<OwnAudio>;
  /** The device's clock now, as epoch ms. */
  deviceTime(): Promise<number>;
  /**
   * The device log from `at` − 30 s to `at` + 10 s; waits until everything the phone will log for
   * that moment is in (a real phone: its clock has passed the end).
   */
  logWindow(at: number): Promise<DeviceLogLine[]>;
}

export function inLogWindow(line: DeviceLogLine, at: number): boolean {
  return line.at >= at - LOG_WINDOW.beforeMs && line.at <= at + LOG_WINDOW.afterMs;
}
