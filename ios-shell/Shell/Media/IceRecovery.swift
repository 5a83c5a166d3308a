import Foundation

/// When a leg's connection trouble becomes an ICE restart, and when restarts give up: one leg's
/// decisions, pure, so ShellTests can run them (IceRecoveryDriver owns the timers, the engine the
/// peer connections).
///
/// A restart is a real one on the SDP edge (`media:publish-restart`, `media:subscribe-restart`:
/// MediaSignalling.swift), and it takes time: the new offer and answer cross the signalling socket
/// (which may itself be reconnecting after a handover), then libwebrtc checks the new pairs. So a
/// restart arms a heal deadline and only its passing without `connected` counts as a failed attempt;
/// meanwhile `disconnected`, `failed` and further network changes are waited out. libwebrtc's
/// continual gathering may heal the leg first (it is the controlling agent against the ICE-lite SFU
/// and checks new pairs by itself). A `disconnected` leg first gets a short grace to heal on its own.
/// After `maxAttempts` deadlines without `connected`, the media is lost and the call ends with
/// `media-lost`. A network change never restarts a leg that has not connected yet: its first
/// negotiation is still running, with continual gathering, and has its own failure path.
struct IceRecovery: Equatable {
    enum Event: Equatable {
        case connected
        case disconnected
        case failed
        case networkChanged
        /// The grace after `disconnected` ran out without `connected`.
        case graceExpired
        /// A restart's heal deadline passed without `connected` (whether or not its negotiation
        /// went through: a refused or unanswered one is only logged).
        case restartFailed
    }

    enum Action: Equatable {
        case none
        /// Wait this long for the connection to recover, then send `graceExpired`.
        case waitGrace(TimeInterval)
        /// Restart ICE, and send `restartFailed` if `connected` has not come within `healWithin`.
        case restart(attempt: Int, healWithin: TimeInterval)
        case giveUp
    }

    /// How long `disconnected` may heal by itself before the first restart.
    static let disconnectedGrace: TimeInterval = 2
    /// How long one restart has to reach `connected` (S3 of ios-shell-review-3: 10–20 s).
    static let healDeadline: TimeInterval = 10
    /// Restarts before the media is lost: the call ends no sooner than
    /// `disconnectedGrace + maxAttempts × healDeadline` after the leg dropped.
    static let maxAttempts = 2

    private(set) var attempts = 0
    private(set) var restarting = false
    private(set) var everConnected = false

    mutating func handle(_ event: Event) -> Action {
        switch event {
        case .connected:
            attempts = 0
            restarting = false
            everConnected = true
            return .none
        case .disconnected:
            return restarting ? .none : .waitGrace(Self.disconnectedGrace)
        case .networkChanged:
            return restarting || !everConnected ? .none : restart()
        case .graceExpired, .failed:
            return restarting ? .none : restart()
        case .restartFailed:
            restarting = false
            return restart()
        }
    }

    private mutating func restart() -> Action {
        guard attempts < Self.maxAttempts else { return .giveUp }
        attempts += 1
        restarting = true
        return .restart(attempt: attempts, healWithin: Self.healDeadline)
    }
}

/// A timer IceRecoveryDriver armed: cancelled when its leg's recovery moves on.
protocol RecoveryTimer {
    func cancel()
}

extension DispatchWorkItem: RecoveryTimer {}

/// Where IceRecoveryDriver's timers run: the main queue in the app, a fake clock in ShellTests.
protocol RecoveryClock {
    func schedule(after seconds: TimeInterval, _ fire: @escaping () -> Void) -> RecoveryTimer
}

struct MainQueueClock: RecoveryClock {
    func schedule(after seconds: TimeInterval, _ fire: @escaping () -> Void) -> RecoveryTimer {
        let item = DispatchWorkItem(block: fire)
        DispatchQueue.main.asyncAfter(deadline: .now() + seconds, execute: item)
        return item
    }
}

/// One call's recovery: an IceRecovery per leg run against a clock. It arms the grace and the heal
/// deadline each decision asks for, feeds their expiry back, and tells the engine to restart a leg
/// or that its media is lost. Main queue only.
final class IceRecoveryDriver {
    /// Restart this leg's ICE now (the engine negotiates it with the server).
    var onRestart: ((_ leg: MediaLeg, _ attempt: Int, _ after: IceRecovery.Event) -> Void)?
    /// The leg's restarts did not bring it back within their deadlines.
    var onGiveUp: ((_ leg: MediaLeg) -> Void)?

    private let clock: RecoveryClock
    private var recovery: [MediaLeg: IceRecovery] = [.publisher: IceRecovery(), .subscriber: IceRecovery()]
    /// A leg's grace or heal deadline: never both (the grace is only armed while not restarting).
    private var timers: [MediaLeg: RecoveryTimer] = [:]

    init(clock: RecoveryClock = MainQueueClock()) {
        self.clock = clock
    }

    var restarting: Bool { recovery.values.contains(where: \.restarting) }

    func handle(_ event: IceRecovery.Event, on leg: MediaLeg) {
        guard var state = recovery[leg] else { return }
        let action = state.handle(event)
        recovery[leg] = state
        if event == .connected { timers.removeValue(forKey: leg)?.cancel() }
        switch action {
        case .none:
            break
        case let .waitGrace(seconds):
            arm(leg, after: seconds, then: .graceExpired)
        case let .restart(attempt, healWithin):
            arm(leg, after: healWithin, then: .restartFailed)
            onRestart?(leg, attempt, event)
        case .giveUp:
            timers.removeValue(forKey: leg)?.cancel()
            onGiveUp?(leg)
        }
    }

    /// The legs are gone (the call stopped, or media services were reset): nothing fires any more.
    func reset() {
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
        recovery = [.publisher: IceRecovery(), .subscriber: IceRecovery()]
    }

    private func arm(_ leg: MediaLeg, after seconds: TimeInterval, then event: IceRecovery.Event) {
        timers[leg]?.cancel()
        timers[leg] = clock.schedule(after: seconds) { [weak self] in
            self?.timers[leg] = nil
            self?.handle(event, on: leg)
        }
    }
}
