import Foundation

/// The native socket's timers, named so that one table holds them for both sides: the TypeScript
/// simulator reads the same values from `web/src/shell-simulator/shell-policy.ts`, and
/// `e2e/test/unit/shell-policy.test.ts` reads these from this file's syntax tree and fails when the
/// two differ. Timers that belong to one type stay there (`CallDeadline.activationTimeout`,
/// `IceRecovery.disconnectedGrace`, `CallRegistry.rememberEndedFor`) and are in the table too.
enum ShellPolicy {
    /// How long a request waits for its ack, counted from the moment it is sent
    /// (socket.io-client-swift `timingOut(after:)`; its timeout is the ack "NO ACK").
    static let requestTimeout: TimeInterval = 10
    /// `call:invite` alone gets longer than other requests.
    static let inviteTimeout: TimeInterval = 15
    /// socket.io-client-swift's reconnect backoff, in whole seconds (`.reconnectWait(Int)`,
    /// `.reconnectWaitMax(Int)`): the first wait, and the cap the doubling waits grow to.
    static let reconnectWait = 1
    static let reconnectWaitMax = 5
}
