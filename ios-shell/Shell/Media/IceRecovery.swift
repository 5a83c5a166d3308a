import Foundation

/// When a leg's connection trouble becomes an ICE restart, and when restarts give up: one leg's
/// decisions, pure, so ShellTests can run them (the engine owns the timers and the peer connections).
///
/// A Wi-Fi ↔ cellular handover used to end the call 10 s after `disconnected`, as remote-ended.
/// Now: a network change restarts ICE at once; `disconnected` gets a short grace to recover by
/// itself, then a restart; `failed` restarts at once; after `maxAttempts` restarts without ever
/// reaching `connected`, the media is lost and the call ends with `media-lost` (the server's word
/// for "ICE restarts could not bring it back").
struct IceRecovery: Equatable {
    enum Event: Equatable {
        case connected
        case disconnected
        case failed
        case networkChanged
        /// The grace after `disconnected` ran out without `connected`.
        case graceExpired
        /// A restart's offer and answer are applied: the connection's next states count again.
        case restartNegotiated
        /// A restart's negotiation failed (the server refused or did not answer).
        case restartFailed
    }

    enum Action: Equatable {
        case none
        /// Wait this long for the connection to recover, then send `graceExpired`.
        case waitGrace(TimeInterval)
        case restart(attempt: Int)
        case giveUp
    }

    static let disconnectedGrace: TimeInterval = 2
    static let maxAttempts = 3

    private(set) var attempts = 0
    private(set) var restarting = false

    mutating func handle(_ event: Event) -> Action {
        switch event {
        case .connected:
            attempts = 0
            restarting = false
            return .none
        case .disconnected:
            return restarting ? .none : .waitGrace(Self.disconnectedGrace)
        case .graceExpired, .failed, .networkChanged:
            if restarting, event != .networkChanged { return .none }
            return restart()
        case .restartNegotiated:
            restarting = false
            return .none
        case .restartFailed:
            restarting = false
            return restart()
        }
    }

    private mutating func restart() -> Action {
        guard attempts < Self.maxAttempts else { return .giveUp }
        attempts += 1
        restarting = true
        return .restart(attempt: attempts)
    }
}
