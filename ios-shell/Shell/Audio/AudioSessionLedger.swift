import Foundation

/// What the shell knows about CallKit's audio session, and so what libwebrtc must be told: the one
/// rule every audio path goes through (CallAudioService applies it, ShellTests/AudioTests run it).
///
/// libwebrtc's `RTCAudioSession` keeps an activation count and calls `setActive` on its own whenever
/// that count is above zero and an event says "the session should be back": an interruption's end,
/// a media-services reset, the app becoming active after an interruption (`updateAudioSessionAfterEvent`),
/// and an audio unit start while it believes the session inactive (`configureWebRTCSession`). So the
/// count must be exactly 1 while CallKit's session is ours and 0 at every other moment. This ledger
/// is that count: `sessionActive` is true from a `didActivate` until the first event that takes the
/// session away or spends it, and each transition returns the one libwebrtc call that keeps the
/// count equal to it. Nothing but a `didActivate` makes `sessionActive` true, so call audio never
/// resumes without one.
struct AudioSessionLedger: Equatable {
    enum Event: Equatable {
        /// `provider(_:didActivate:)`.
        case didActivate
        /// `provider(_:didDeactivate:)`.
        case didDeactivate
        /// The system took the session (a cellular call, an alarm). Apple: a begin may have no end
        /// ("End & Accept"), so nothing may wait for the end.
        case interruptionBegan
        /// Never resumes anything: only CallKit's next `didActivate` does.
        case interruptionEnded
        /// The call that owned the audio went on hold: the session is spent until CallKit activates
        /// it again (an unhold without `didActivate` stays silent and the watchdog reports it).
        case callHeld
        /// No live call is left.
        case callsEnded
        /// `providerDidReset`: CallKit dropped every call and the session with it.
        case providerDidReset
        /// `mediaServicesWereResetNotification`: every audio object, the session included, is gone.
        case mediaServicesReset
    }

    /// The libwebrtc call that keeps its activation count equal to `sessionActive ? 1 : 0`.
    enum LibWebRTCCall: Equatable {
        case audioSessionDidActivate
        case audioSessionDidDeactivate
    }

    private(set) var sessionActive = false
    /// Informational only: `sessionActive` is already false while an interruption lasts. Cleared by
    /// every event that proves the interruption over, whether or not its end was ever posted.
    private(set) var interrupted = false
    /// A call is answered or connecting and not on hold.
    var callWantsAudio = false

    var audioEnabled: Bool { sessionActive && callWantsAudio && !interrupted }

    /// Applies one event; the caller makes the returned libwebrtc call, if any, at once.
    mutating func apply(_ event: Event) -> LibWebRTCCall? {
        switch event {
        case .didActivate:
            interrupted = false // [I12.1]
            guard !sessionActive else { return nil }
            sessionActive = true // [I12.4]
            return .audioSessionDidActivate
        case .interruptionBegan:
            interrupted = true
            return spend()
        case .interruptionEnded:
            interrupted = false
            return nil
        case .callHeld:
            return spend()
        case .didDeactivate:
            interrupted = false
            return spend()
        case .callsEnded, .providerDidReset, .mediaServicesReset:
            interrupted = false
            callWantsAudio = false
            return spend()
        }
    }

    private mutating func spend() -> LibWebRTCCall? {
        guard sessionActive else { return nil }
        sessionActive = false
        return .audioSessionDidDeactivate
    }
}
