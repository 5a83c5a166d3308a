import CallKit

/// The app's requests to CallKit (`CXCallController` transactions): SpeakerBox's CallManager role.
/// The consequences arrive later, in CallKitAdaptee's `perform` delegate methods; a refused
/// transaction goes back to `onRefused` (on the main queue), where RefusalPolicy decides.
final class CallController {
    var onRefused: ((_ callId: UUID, _ request: CallKitRequest, _ error: Error) -> Void)?

    private let controller = CXCallController()

    func startCall(_ callId: UUID, to callee: Peer) {
        let handle = CXHandle(type: .generic, value: callee.id)
        let action = CXStartCallAction(call: callId, handle: handle)
        action.contactIdentifier = callee.displayName
        request(action, .start, callId)
    }

    func answer(_ callId: UUID) {
        request(CXAnswerCallAction(call: callId), .answer, callId)
    }

    func end(_ callId: UUID) {
        request(CXEndCallAction(call: callId), .end, callId)
    }

    func setHeld(_ callId: UUID, _ held: Bool) {
        request(CXSetHeldCallAction(call: callId, onHold: held), .hold, callId)
    }

    func setMuted(_ callId: UUID, _ muted: Bool) {
        request(CXSetMutedCallAction(call: callId, muted: muted), .mute, callId)
    }

    private func request(_ action: CXCallAction, _ kind: CallKitRequest, _ callId: UUID) {
        controller.request(CXTransaction(action: action)) { [weak self] error in
            guard let error else { return }
            // The completion's queue is not documented; the call table lives on the main queue.
            DispatchQueue.main.async {
                Log.calls.error("\(kind.rawValue, privacy: .public) refused call=\(callId.wireString, privacy: .public): \(error.localizedDescription, privacy: .public)")
                self?.onRefused?(callId, kind, error)
            }
        }
    }
}
