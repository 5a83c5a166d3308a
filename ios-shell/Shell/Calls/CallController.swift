import CallKit

/// The app's requests to CallKit (`CXCallController` transactions): SpeakerBox's CallManager role.
/// The consequences arrive later, in CallKitAdaptee's `perform` delegate methods; a refused
/// transaction is logged and otherwise changes nothing.
final class CallController {
    private let controller = CXCallController()

    func startCall(_ callId: UUID, to callee: Peer) {
        let handle = CXHandle(type: .generic, value: callee.id)
        let action = CXStartCallAction(call: callId, handle: handle)
        action.contactIdentifier = callee.displayName
        request(action, callId)
    }

    func answer(_ callId: UUID) {
        request(CXAnswerCallAction(call: callId), callId)
    }

    func end(_ callId: UUID) {
        request(CXEndCallAction(call: callId), callId)
    }

    func setHeld(_ callId: UUID, _ held: Bool) {
        request(CXSetHeldCallAction(call: callId, onHold: held), callId)
    }

    func setMuted(_ callId: UUID, _ muted: Bool) {
        request(CXSetMutedCallAction(call: callId, muted: muted), callId)
    }

    private func request(_ action: CXCallAction, _ callId: UUID) {
        let name = String(describing: type(of: action))
        controller.request(CXTransaction(action: action)) { error in
            if let error {
                Log.calls.error("\(name, privacy: .public) refused call=\(callId.wireString, privacy: .public): \(error.localizedDescription, privacy: .public)")
            }
        }
    }
}
