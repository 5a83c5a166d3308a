/**
 * The rig's switches on the simulated app, not a Swift type: the timing it may shorten and the
 * failure paths it may put back (the QA build's own switches are `ios-shell/Shell/QA/QASwitches.swift`).
 */

export interface AppKnobs {
  /** A4: how long after answer (or unhold) the shell waits for `didActivate`. */
  activationWatchdogMs: number;
  /**
   * The next call's `media:publish` fails as refused, without being sent (as the SDP edge refuses
   * an upstream offer it can't take): a media failure for the rig to play (S7).
   */
  refuseNextPublish: boolean;
}

/**
 * The shell's behaviour before issue 12, per failure path (fault injection for the rig): each one
 * put back on its own shows that the path's scenario catches it.
 */
export interface AppFaults {
  /** §1: `interrupted` cleared only by an interruption's end, never by `didActivate`. */
  stuckInterruption: boolean;
  /** §2: libwebrtc's count not kept balanced (unhold resumes without `didActivate`, reset leaves it at 1), its observers kept. */
  unbalancedLibWebRTC: boolean;
  /** §3: messages to a page that has not said `bridge.ready` are lost; ready replays the token and `callkit.reported` only. */
  dropBeforeReady: boolean;
  /** §4: refused CallKit requests are only logged. */
  refusalsOnlyLogged: boolean;
}

export const NO_FAULTS: AppFaults = {
  stuckInterruption: false,
  unbalancedLibWebRTC: false,
  dropBeforeReady: false,
  refusalsOnlyLogged: false,
};
