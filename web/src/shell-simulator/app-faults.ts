/**
 * The rig's switches on the simulated app, not a Swift type: the timing it may shorten and the
 * failure paths it may put back (the QA build's own switches are `ios-shell/Shell/QA/QASwitches.swift`).
 */

export interface AppKnobs {
  /** A4: how long after answer (or unhold) the shell waits for `didActivate`. */
  activationWatchdogMs: number;
  /** The network's latency on the answer to the shell's claim (`call:reported`): holds it in flight. */
  claimAckDelayMs: number;
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
  /** Issue 18 S2: a pushed call rings only until the push's `expiresAt` (the deadline to report). */
  ringUntilExpiresAt: boolean;
  /** Issue 18 S8: a pushed call's `Peer.id` is the caller's username, not the user id. */
  pushPeerIsUsername: boolean;
  /** Issue 18 S9: a claim that succeeds after the call was declined still starts its media. */
  joinAfterEnd: boolean;
  /** Issue 18 §4a: an invalidated VoIP token unregisters every registration of the device. */
  unregisterAllPush: boolean;
}

export const NO_FAULTS: AppFaults = {
  stuckInterruption: false,
  unbalancedLibWebRTC: false,
  dropBeforeReady: false,
  refusalsOnlyLogged: false,
  ringUntilExpiresAt: false,
  pushPeerIsUsername: false,
  joinAfterEnd: false,
  unregisterAllPush: false,
};
