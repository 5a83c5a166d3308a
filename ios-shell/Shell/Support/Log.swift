import os

/// One `Logger` per folder of the shell. Call milestones go out at `.notice`, public, with the call
/// id in lower case (as the server writes it), so that a device farm's syslog and voip-doctor can
/// follow one call across the phone, the app and the server. The words `didReceiveIncomingVoIPPush`,
/// `didActivate`, `didDeactivate`, `interruption began` and `interruption ended` are the ones
/// voip-doctor's app rules look for.
enum Log {
    static let subsystem = Bundle.main.bundleIdentifier ?? "softphone.shell"

    static let calls = Logger(subsystem: subsystem, category: "calls")
    static let push = Logger(subsystem: subsystem, category: "push")
    static let audio = Logger(subsystem: subsystem, category: "audio")
    static let media = Logger(subsystem: subsystem, category: "media")
    static let bridge = Logger(subsystem: subsystem, category: "bridge")
    static let web = Logger(subsystem: subsystem, category: "web")
    static let signalling = Logger(subsystem: subsystem, category: "signalling")
    /// QA builds only: the once-a-second call stats lines and the known-signal uplink.
    static let qa = Logger(subsystem: subsystem, category: "qa")
}

/// The milestones of a call that the field notes ask to log, one greppable word each.
enum Milestone: String {
    case pushReceived = "push-received"
    case reported
    case answered
    case activated
    case activationFailed = "activation-failed"
    case deactivated
    case ended
}

extension Logger {
    /// `milestone=activated call=6f1c… didActivate answerToActivateMs=84`
    func milestone(_ milestone: Milestone, _ callId: UUID, _ detail: String) {
        notice(
            "milestone=\(milestone.rawValue, privacy: .public) call=\(callId.wireString, privacy: .public) \(detail, privacy: .public)"
        )
    }
}

extension Logger {
    /// Bridge and socket traffic (message type and call id, never SDP or tokens): `.notice`, which
    /// reaches a device farm's syslog, in QA builds; `.debug`, kept out of syslog, in release builds.
    func traffic(_ line: String) {
        #if QA
            notice("\(line, privacy: .public)")
        #else
            debug("\(line, privacy: .public)")
        #endif
    }
}

extension UUID {
    /// The server writes call ids in lower case and the page compares them as strings.
    var wireString: String { uuidString.lowercased() }
}
