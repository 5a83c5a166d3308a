import Foundation

/// Every call the shell knows, keyed by the server's call id, which is also the CallKit UUID: a
/// duplicate VoIP push for a ringing call then gets CallKit's "call UUID already exists" instead of
/// a second ring (field notes §2).
///
/// `systemState` is what CallKit knows about the call, kept explicit because what the shell may do
/// depends on it: a call CallKit has not accepted yet can't be ended with an end action, and a
/// removed call must not ring again when a late push for it arrives.
///
/// Main queue only (the provider delegate and PushKit both run there).
final class CallRegistry {
    enum SystemState: Equatable {
        /// Known to the shell (page or push) but not yet handed to CallKit.
        case notReported
        /// `reportNewIncomingCall` or `CXStartCallAction` requested, CallKit has not answered yet.
        case pending
        /// CallKit accepted the call: it rings, or it is connecting or connected.
        case reported
        /// Ended on CallKit's side; kept for `rememberEndedFor` to recognise stale pushes.
        case removed
    }

    enum Direction: Equatable {
        case incoming
        case outgoing
    }

    struct Call: Equatable {
        let id: UUID
        let direction: Direction
        var systemState: SystemState
        /// When CallKit performed the answer (incoming) or the start (outgoing): the watchdog's origin.
        var answeredAt: Date?
        /// Both parties are talking: the incoming call was answered here, or the callee answered ours.
        var connectedAt: Date?
        var activatedAt: Date?
        /// CallKit put the call on hold (CXSetHeldCallAction): it owns no audio.
        var isOnHold = false
        /// The user held the call in the page: the media is paused, CallKit's session is untouched.
        var heldByUser = false
        var isMuted = false
        /// The other party, once the page, the push or the server has named them.
        var peer: Peer?
        /// Reported from a VoIP push (the shell claims it from the server over its own socket).
        var fromPush = false
        /// The page or the system ended the call while CallKit was still deciding on the report.
        var endWhenReported: CallKitEndReason?
        /// The page answered while CallKit was still deciding on the report: answered once it has.
        var answerWhenReported = false
    }

    /// How long an ended call is remembered. A VoIP push can arrive minutes late even with
    /// `apns-expiration: 0` (field notes §2).
    static let rememberEndedFor: TimeInterval = 600

    private var calls: [UUID: Call] = [:]
    private var endedAt: [UUID: Date] = [:]
    private let now: () -> Date

    init(now: @escaping () -> Date = Date.init) {
        self.now = now
    }

    subscript(id: UUID) -> Call? { calls[id] }

    var liveCalls: [Call] { calls.values.filter { $0.systemState != .removed } }

    /// The call that owns the audio session: the answered (or started) live call that is not on hold.
    /// A call that only rings owns nothing: `didActivate` comes after an answer.
    var audioOwner: Call? {
        liveCalls.first { $0.systemState == .reported && $0.answeredAt != nil && !$0.isOnHold }
    }

    /// Adds a call the first time the shell hears of it; a known id, live or removed, keeps its record.
    @discardableResult
    func insert(_ id: UUID, direction: Direction) -> Call {
        if let known = calls[id] { return known }
        let call = Call(id: id, direction: direction, systemState: .notReported)
        calls[id] = call
        return call
    }

    func update(_ id: UUID, _ change: (inout Call) -> Void) {
        guard var call = calls[id] else { return }
        change(&call)
        calls[id] = call
    }

    func setSystemState(_ id: UUID, _ state: SystemState) {
        update(id) { $0.systemState = state }
    }

    /// CallKit's side of the call is over. The record stays, `.removed`, for `rememberEndedFor`.
    func remove(_ id: UUID) {
        guard calls[id] != nil, calls[id]?.systemState != .removed else { return }
        calls[id]?.systemState = .removed
        endedAt[id] = now()
        prune()
    }

    /// Every live call is gone at once (`providerDidReset`).
    func removeAll() -> [Call] {
        let live = liveCalls
        for call in live { remove(call.id) }
        return live
    }

    /// What a page that has just loaded is told about every live call (`shell.state`).
    func snapshot(audioActive: Bool, output: AudioOutput) -> [CallSnapshot] {
        liveCalls.sorted { $0.id.uuidString < $1.id.uuidString }.map { call in
            CallSnapshot(
                callId: call.id,
                direction: call.direction == .incoming ? .incoming : .outgoing,
                peer: call.peer,
                fromPush: call.fromPush,
                answered: call.connectedAt != nil,
                audioActive: audioActive && call.id == audioOwner?.id,
                held: call.isOnHold || call.heldByUser,
                muted: call.isMuted,
                output: output
            )
        }
    }

    func isLive(_ id: UUID) -> Bool {
        guard let state = calls[id]?.systemState else { return false }
        return state == .pending || state == .reported
    }

    func wasEndedRecently(_ id: UUID) -> Bool {
        guard let at = endedAt[id] else { return false }
        return now().timeIntervalSince(at) < Self.rememberEndedFor
    }

    private func prune() {
        let horizon = now().addingTimeInterval(-Self.rememberEndedFor)
        for (id, at) in endedAt where at <= horizon {
            endedAt[id] = nil
            calls[id] = nil
        }
    }
}
