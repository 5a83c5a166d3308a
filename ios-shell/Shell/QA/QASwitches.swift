#if QA
    import Foundation

    /// The QA build's runtime switches, off unless a device farm turns them on. Everything in
    /// Shell/QA is inside `#if QA`: the Release configuration (the store build) compiles none of it.
    ///
    /// Appium XCUITest: `appium:processArguments: {args: ['-SoftphoneQAStatsLog', 'YES']}`
    /// (launch arguments land in UserDefaults' argument domain).
    enum QASwitches {
        /// Once a second during a call: per-direction packets, level, energy, concealment and the
        /// audio session's state, as `.notice` public os_log lines (QACallStatsLog).
        static var statsLog: Bool { UserDefaults.standard.bool(forKey: "SoftphoneQAStatsLog") }
        /// The uplink is a 1 kHz tone from QAToneAudioDevice instead of the microphone, and the
        /// downlink is metered instead of played.
        static var knownSignalUplink: Bool { UserDefaults.standard.bool(forKey: "SoftphoneKnownSignalUplink") }
    }
#endif
