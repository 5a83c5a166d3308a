import Foundation
#if canImport(UIKit)
    import UIKit
#endif

/// What this iPhone says about itself and its side of one call, for the call's quality record
/// (issue 21): `call:device-report`, Swift's copy of `DeviceReportSchema` in
/// `sfu/src/protocol/quality.ts`. Sent on the native socket after the answer and again when
/// `didActivate` comes or the watchdog gives up; each report replaces the device's previous one.
struct DeviceReport: Encodable, Equatable {
    let os: String
    let osVersion: String
    /// The hardware identifier (`iPhone15,2`), not the marketing name.
    let model: String
    /// `1.4.0 (212)`: CFBundleShortVersionString and CFBundleVersion.
    let appVersion: String
    let engine: MediaEngineKind
    /// The call's timeline on this device.
    let call: CallQuality

    private enum Keys: String, CodingKey {
        case platform, os, osVersion, model, appVersion, engine, path, didActivateMs, watchdog
    }

    /// Null fields are written as null: the schema requires `model` and `path` to be present.
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode("ios-shell", forKey: .platform)
        try c.encode(os, forKey: .os)
        try c.encode(osVersion, forKey: .osVersion)
        try c.encode(model, forKey: .model)
        try c.encode(appVersion, forKey: .appVersion)
        try c.encode(engine, forKey: .engine)
        try c.encode(call.path?.rawValue, forKey: .path)
        try c.encode(call.didActivateMs, forKey: .didActivateMs)
        try c.encode(call.watchdog?.rawValue, forKey: .watchdog)
    }
}

/// A call's network path to the SFU: `PathKindSchema` and `pathKind` in sfu/src/protocol/quality.ts.
enum MediaPathKind: String, Equatable {
    case host, srflx, prflx
    case relayUdp = "relay-udp"
    case relayTcp = "relay-tcp"
    case relayTls = "relay-tls"

    /// The local candidate's type (RTCIceCandidateStats `candidateType`); a relay's by the protocol
    /// between the phone and the TURN server (`relayProtocol`), udp when the stats don't say, as
    /// `pathKind` counts it. Nil for a type the stats spec does not define.
    init?(candidateType: String, relayProtocol: String?) {
        switch candidateType {
        case "host": self = .host
        case "srflx": self = .srflx
        case "prflx": self = .prflx
        case "relay":
            switch relayProtocol {
            case "tcp": self = .relayTcp
            case "tls": self = .relayTls
            default: self = .relayUdp
            }
        default: return nil
        }
    }
}

/// One call's activation as the shell saw it: answer → `didActivate`, the watchdog's verdict, and
/// the path its media took. Pure (times are given), so ShellTests check it without CallKit.
struct CallQuality: Equatable {
    /// The activation watchdog's verdict (CallDeadline.swift, CallKitAdaptee.activationMissing).
    enum Watchdog: String, Equatable {
        /// `didActivate` came before the watchdog's deadline.
        case activated
        /// The deadline passed with no `didActivate` (field notes §1).
        case fired
        /// `didActivate` came after all, once the watchdog had fired.
        case late
    }

    private(set) var answeredAt: Date?
    /// Answer → first `didActivate`, in ms; nil while it has not come.
    private(set) var didActivateMs: Int?
    private(set) var watchdog: Watchdog?
    /// The selected candidate pair's path, as the engine's stats last read it; nil before one is selected.
    private(set) var path: MediaPathKind?

    mutating func answered(at time: Date) {
        guard answeredAt == nil else { return }
        answeredAt = time
    }

    /// Only the first `didActivate` after the answer counts: an unhold's activation is another step.
    mutating func activated(at time: Date) {
        guard let answeredAt, didActivateMs == nil else { return }
        didActivateMs = max(0, Int((time.timeIntervalSince(answeredAt) * 1000).rounded()))
        watchdog = watchdog == .fired ? .late : .activated
    }

    mutating func watchdogFired() {
        guard didActivateMs == nil else { return }
        watchdog = .fired
    }

    /// A stats read's path; true when it differs from the last one, so a new report is due (a
    /// network change moves a call from Wi-Fi's srflx to cellular's relay, and the record keeps the last).
    mutating func pathSeen(_ kind: MediaPathKind) -> Bool {
        guard path != kind else { return false }
        path = kind
        return true
    }
}

/// This device as the report names it.
struct DeviceIdentity: Equatable {
    let os: String
    let osVersion: String
    let model: String
    let appVersion: String

    /// The build's version and build number from the main bundle.
    static func appVersion(info: [String: Any]?) -> String {
        let version = info?["CFBundleShortVersionString"] as? String ?? "unknown"
        let build = info?["CFBundleVersion"] as? String
        return build.map { "\(version) (\($0))" } ?? version
    }

    /// `uname`'s machine: the hardware identifier, which `UIDevice.model` ("iPhone") does not give.
    static func hardwareModel() -> String {
        var system = utsname()
        uname(&system)
        let machine = withUnsafeBytes(of: &system.machine) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return machine.isEmpty ? "unknown" : machine
    }

    #if canImport(UIKit)
        /// On the main queue, as every UIDevice read.
        static func current(bundle: Bundle = .main) -> DeviceIdentity {
            DeviceIdentity(
                os: "iOS",
                osVersion: UIDevice.current.systemVersion,
                model: hardwareModel(),
                appVersion: appVersion(info: bundle.infoDictionary)
            )
        }
    #endif
}
