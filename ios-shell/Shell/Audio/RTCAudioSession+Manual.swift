import WebRTC

extension RTCAudioSession {
    /// Hands the audio unit's start and stop to the app, and so to CallKit.
    ///
    /// By default libwebrtc initialises the VoIP audio unit, and activates the session, as soon as a
    /// peer connection has an audio track: before CallKit has activated its own session. CallKit then
    /// can't activate it, `provider(_:didActivate:)` never comes and the user has one-way audio
    /// (forum thread 783870; react-native-callkeep #851, flutter_callkit_incoming #602). With manual
    /// audio the unit stays off until `isAudioEnabled`, which CallAudioService sets only between
    /// `didActivate` and `didDeactivate`. Must run before the first peer connection is created.
    func adoptCallKitActivation() {
        lockForConfiguration()
        defer { unlockForConfiguration() }
        useManualAudio = true // [F1.1]
        isAudioEnabled = false
    }
}
