import Foundation

/// Waits for CallKit's `didActivate` after an answer, a start or an unhold, and says so if it does
/// not come in time.
///
/// The known failure (field notes §1): audiomxd logs `createProxySession ... session lookup failure
/// for SessionID 0x0`, and `didActivate` never arrives for this call or later ones until the provider
/// configuration, which carries the session id, is assigned again. The production team in forum
/// thread 783870 measured this on 0.1 % of calls before iOS 18.4 and more after. The watchdog only
/// reports: activating the session ourselves would hide the failure and break later calls.
final class ActivationWatchdog {
    /// Long enough for a slow device (answer → didActivate is ~100 ms when healthy), short enough
    /// that the user is told before they give up on a silent call.
    static let defaultTimeout: TimeInterval = 5

    private let timeout: TimeInterval
    private let queue: DispatchQueue
    private var pending: [UUID: DispatchWorkItem] = [:]

    init(timeout: TimeInterval = ActivationWatchdog.defaultTimeout, queue: DispatchQueue = .main) {
        self.timeout = timeout
        self.queue = queue
    }

    /// Re-arming replaces the earlier deadline for the same call.
    func arm(_ callId: UUID, onMissing: @escaping (_ waited: TimeInterval) -> Void) {
        disarm(callId)
        let item = DispatchWorkItem { [weak self, timeout] in
            self?.pending[callId] = nil
            onMissing(timeout)
        }
        pending[callId] = item
        queue.asyncAfter(deadline: .now() + timeout, execute: item)
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
