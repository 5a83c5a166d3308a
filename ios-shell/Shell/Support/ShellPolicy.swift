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
    /// `.reconnectWaitMax(Int)`): the floor, and the cap the waits grow to (wait × 1.5^attempt plus
    /// up to half of it again: v16.1.1 SocketManager.swift:523-533).
    static let reconnectWait = 1
    static let reconnectWaitMax = 5
    /// How long a request waits for a connection before it fails as `offline`. The socket comes back
    /// within `reconnectWaitMax` when the server is reachable at all; the server keeps a dropped
    /// device's call for its reconnect grace (`CALL_RECONNECT_GRACE_MS`, 20 s) and ends it after.
    /// Past this the call can't be saved from here: CallKit is told instead of waiting.
    static let queuedDeadline: TimeInterval = 15
    /// Sends of a claim or an answer whose ack does not come while the socket stays connected (the
    /// first and two retries). Both are idempotent on the server.
    static let ackAttempts = 3
}
