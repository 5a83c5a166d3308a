/**
 * The timers and limits that the Swift shell and this simulator both have, in one table: the
 * simulator reads its values from here, and `e2e/test/unit/shell-policy.test.ts` reads each
 * Swift constant named in `swift` from the Swift file's syntax tree and fails when it differs
 * (naming the constant, its file:line and both values). To add one: name it in the Swift (a
 * `static let` with a literal value, in its own type or in `ios-shell/Shell/Support/ShellPolicy.swift`),
 * add a row here with {@link ms} or {@link count}, and read the row where the simulator uses it.
 */

export interface SwiftConstant {
  /** Under `ios-shell/Shell/`. */
  file: string;
  /** The enum, struct or class that declares it. */
  type: string;
  name: string;
  /** What the Swift literal counts: seconds (the table holds ms) or a plain number. */
  unit: 'seconds' | 'count';
}

export interface PolicyValue {
  value: number;
  swift: SwiftConstant;
}

/** A duration: `valueMs` here, `valueMs / 1000` seconds in `Type.name` of the Swift `file`. */
function ms(valueMs: number, file: string, constant: `${string}.${string}`): PolicyValue {
  const [type = '', name = ''] = constant.split('.');
  return { value: valueMs, swift: { file, type, name, unit: 'seconds' } };
}

/** A number of times, the same on both sides. */
function count(value: number, file: string, constant: `${string}.${string}`): PolicyValue {
  const [type = '', name = ''] = constant.split('.');
  return { value, swift: { file, type, name, unit: 'count' } };
}

export const SHELL_POLICY = {
  /** A4: after an answer, a start or an unhold, how long the shell waits for `didActivate`. */
  activationWatchdogMs: ms(5_000, 'Calls/CallDeadline.swift', 'CallDeadline.activationTimeout'),
  /**
   * S2: how long a call rings past the server's no-answer timeout (the welcome's, a push's
   * `ringTimeoutMs`) before the shell ends it itself, the server being out of reach.
   */
  ringMarginMs: ms(5_000, 'Calls/CallDeadline.swift', 'CallDeadline.ringMargin'),
  /** How long a call rings before any welcome or push has named the server's no-answer timeout. */
  defaultRingTimeoutMs: ms(60_000, 'Calls/CallDeadline.swift', 'CallDeadline.defaultRingTimeout'),
  /** P3: how long an ended call id is remembered, so a late push for it is reported and ended. */
  endedMemoryMs: ms(600_000, 'Calls/CallRegistry.swift', 'CallRegistry.rememberEndedFor'),
  /** How long a `disconnected` media leg may heal by itself before the shell restarts ICE. */
  iceDisconnectedGraceMs: ms(2_000, 'Media/IceRecovery.swift', 'IceRecovery.disconnectedGrace'),
  /** How long one ICE restart has to reach `connected` (S3: 10–20 s). */
  iceHealDeadlineMs: ms(10_000, 'Media/IceRecovery.swift', 'IceRecovery.healDeadline'),
  /** Restarts before the media is lost. */
  iceMaxAttempts: count(2, 'Media/IceRecovery.swift', 'IceRecovery.maxAttempts'),
  /** A request on the shell's socket (the claim, answer, hang-up…) waits this long for its ack. */
  requestTimeoutMs: ms(10_000, 'Support/ShellPolicy.swift', 'ShellPolicy.requestTimeout'),
  /** `call:invite`'s ack. */
  inviteTimeoutMs: ms(15_000, 'Support/ShellPolicy.swift', 'ShellPolicy.inviteTimeout'),
  /** The socket's reconnect backoff: the first wait, and the cap. */
  reconnectWaitMs: ms(1_000, 'Support/ShellPolicy.swift', 'ShellPolicy.reconnectWait'),
  reconnectWaitMaxMs: ms(5_000, 'Support/ShellPolicy.swift', 'ShellPolicy.reconnectWaitMax'),
  /** A request made while the socket is not connected fails as `offline` after this. */
  queuedDeadlineMs: ms(15_000, 'Support/ShellPolicy.swift', 'ShellPolicy.queuedDeadline'),
  /** Sends of a claim or an answer whose ack does not come while connected. */
  ackAttempts: count(3, 'Support/ShellPolicy.swift', 'ShellPolicy.ackAttempts'),
} satisfies Record<string, PolicyValue>;
