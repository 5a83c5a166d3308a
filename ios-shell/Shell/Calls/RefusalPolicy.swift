import CallKit

/// What the server must hear when the shell gives up a call on CallKit's word.
enum ServerCallAction: String, Equatable {
    /// An incoming call nobody answered.
    case decline
    /// An answered call, or an outgoing call (a cancel before it is answered).
    case hangup
}

/// What to do when CallKit refuses a request, as a pure function so that ShellTests can run each
/// case (and the simulator and docs/callkit-decision-table.md can follow the same rows).
///
/// A refusal used to be logged and nothing else: a refused start left the call pending forever (and
/// a later push for it looked like a duplicate), a refused answer left the page thinking it had
/// answered. Now the page always hears `callkit.refused`, and a call that can't go on is ended on
/// every side: CallKit (if it knows the call), the registry, the server, the page.
enum RefusalPolicy {
    struct Outcome: Equatable {
        /// End the call with this reason (reported to CallKit if it knows the call), or keep it.
        let endCall: CallKitEndReason?
        /// What the server hears; nil when the call goes on or the server never had it.
        let server: ServerCallAction?
        /// Tell the page the call's real hold or mute state again: it showed the refused one.
        let restatePageState: Bool
    }

    static func decide(
        _ request: CallKitRequest,
        error: CXErrorCodeRequestTransactionError.Code?,
        direction: CallRegistry.Direction,
        answered: Bool
    ) -> Outcome {
        let server: ServerCallAction = direction == .incoming && !answered ? .decline : .hangup
        switch request {
        case .report, .start:
            // CallKit never had the call (Do Not Disturb, a block list, a system limit).
            return Outcome(endCall: .failed, server: server, restatePageState: false)
        case .answer:
            // The user wanted to talk and can't: the call is over rather than ringing on unanswerable.
            return Outcome(endCall: .failed, server: .decline, restatePageState: false)
        case .end:
            // CallKit no longer knows the call (`unknownCallUUID`) or it already ended: the user
            // wanted it over, so it is over here and on the server.
            return Outcome(endCall: .local, server: server, restatePageState: false)
        case .hold, .mute:
            if error == .unknownCallUUID {
                return Outcome(endCall: .failed, server: server, restatePageState: false)
            }
            return Outcome(endCall: nil, server: nil, restatePageState: true)
        }
    }
}
