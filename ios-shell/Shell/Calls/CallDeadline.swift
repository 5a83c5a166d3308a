import Foundation

/// One deadline per call, on the main queue: the activation watchdog and the ring timeout.
///
/// The watchdog waits for CallKit's `didActivate` after an answer, a start, an unhold, an
/// interruption's end or a media-services reset, and says so if it does not come in time. The known
/// failure (field notes §1): audiomxd logs `createProxySession ... session lookup failure for
/// SessionID 0x0`, and `didActivate` never arrives for this call or later ones until the provider
/// configuration, which carries the session id, is assigned again. The production team in forum
/// thread 783870 measured this on 0.1 % of calls before iOS 18.4 and more after. The watchdog only
/// reports: activating the session ourselves would hide the failure and break later calls.
///
/// The ring timeout ends a call nobody answered, even when neither the page nor the server is there
/// to say so. It follows the server's no-answer timeout, never a push's `expiresAt`: that is the
/// deadline to *report* the call (8 s), after which the server lets a reported call ring on.
final class CallDeadline {
    /// Long enough for a slow device (answer → didActivate is ~100 ms when healthy), short enough
    /// that the user is told before they give up on a silent call.
    static let activationTimeout: TimeInterval = 5
    /// The server's own no-answer timeout (`session:welcome` `noAnswerTimeoutMs`) plus a margin, so
    /// the server's end normally comes first; this one covers a server or socket that is gone.
    static let ringMargin: TimeInterval = 5
    /// Until a `session:welcome` or a push names the server's no-answer timeout.
    static let defaultRingTimeout: TimeInterval = 60

    /// How long the shell lets a call ring when the server's no-answer timeout is `noAnswerTimeoutMs`
    /// (the welcome's `noAnswerTimeoutMs`, a push's `ringTimeoutMs`).
    static func ringTimeout(noAnswerTimeoutMs: Double) -> TimeInterval {
        noAnswerTimeoutMs / 1000 + ringMargin
    }

    private let timeout: TimeInterval
    private let queue: DispatchQueue
    private var pending: [UUID: DispatchWorkItem] = [:]

    init(timeout: TimeInterval, queue: DispatchQueue = .main) {
        self.timeout = timeout
        self.queue = queue
    }

    /// Re-arming replaces the earlier deadline for the same call. `after` overrides the timeout.
    func arm(_ callId: UUID, after: TimeInterval? = nil, onMissing: @escaping (_ waited: TimeInterval) -> Void) {
        disarm(callId)
        let waited = after ?? timeout
        let item = DispatchWorkItem { [weak self] in
            self?.pending[callId] = nil
            onMissing(waited)
        }
        pending[callId] = item
        queue.asyncAfter(deadline: .now() + max(0, waited), execute: item)
    }

    func disarm(_ callId: UUID) {
        pending.removeValue(forKey: callId)?.cancel()
    }

    func disarmAll() {
        for item in pending.values { item.cancel() }
        pending.removeAll()
    }

    func isArmed(_ callId: UUID) -> Bool { pending[callId] != nil }
}
