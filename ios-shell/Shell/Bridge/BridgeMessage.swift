import Foundation

/// The page ↔ shell bridge, version 1: Swift's copy of `sfu/src/protocol/bridge.ts`, which is the
/// documented schema. Both sides' tests decode the golden messages in
/// `sfu/src/protocol/fixtures/bridge/*.json` (ShellTests/BridgeMessageTests.swift here), so a field
/// renamed on one side fails the other side's tests instead of a call.
///
/// Nullable fields are written as explicit `null`s: the TypeScript schema requires the key.
enum BridgeWire {
    static let version = 1
    /// `window.webkit.messageHandlers.softphone`
    static let handlerName = "softphone"
    /// `window.__softphoneNative.receive(json)`
    static let receiver = "__softphoneNative"
    /// `window.__softphoneShell`, injected at document start.
    static let shellInfoGlobal = "__softphoneShell"
}

enum BridgeDecodingError: Error, Equatable {
    case unsupportedVersion(Int)
    case unknownType(String)
}

struct Peer: Codable, Equatable {
    let id: String
    let displayName: String
}

/// `CXCallEndedReason` on the wire, plus `local` for the user's own end action.
enum CallKitEndReason: String, Codable, Equatable {
    case local
    case remoteEnded = "remote-ended"
    case unanswered
    case failed
    case answeredElsewhere = "answered-elsewhere"
    case declinedElsewhere = "declined-elsewhere"
}

enum MediaLeg: String, Codable, Equatable {
    case publisher
    case subscriber
}

struct IceCandidate: Codable, Equatable {
    let candidate: String
    let sdpMid: String?
    let sdpMLineIndex: Int?

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(candidate, forKey: .candidate)
        try c.encode(sdpMid, forKey: .sdpMid)
        try c.encode(sdpMLineIndex, forKey: .sdpMLineIndex)
    }
}

struct MediaStats: Codable, Equatable {
    struct Inbound: Codable, Equatable {
        var packetsReceived: Double
        var packetsLost: Double
        var totalSamplesReceived: Double
        var concealedSamples: Double
        var totalAudioEnergy: Double
        var totalSamplesDuration: Double
        var jitter: Double
    }

    struct Outbound: Codable, Equatable {
        var packetsSent: Double
    }

    /// Epoch ms.
    var at: Double
    var inbound: Inbound?
    var outbound: Outbound?
    var sourceLevel: Double?
    var roundTripTime: Double?

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(at, forKey: .at)
        try c.encode(inbound, forKey: .inbound)
        try c.encode(outbound, forKey: .outbound)
        try c.encode(sourceLevel, forKey: .sourceLevel)
        try c.encode(roundTripTime, forKey: .roundTripTime)
    }
}

/// What the shell injects as `window.__softphoneShell` before the page's first script.
struct ShellInfo: Codable, Equatable {
    enum Build: String, Codable { case qa, release }
    enum Platform: String, Codable { case ios, callkitSimulator = "callkit-simulator" }

    var v = BridgeWire.version
    let build: Build
    let app: String
    let platform: Platform
}

// MARK: - Page → shell

enum WebToNative: Equatable {
    /// The page's receiver is installed: send what it missed (token, calls pushes reported).
    case ready
    case reportIncoming(callId: UUID, caller: Peer)
    case startOutgoing(callId: UUID, callee: Peer)
    case outgoingConnected(callId: UUID)
    case answer(callId: UUID)
    case end(callId: UUID, reason: CallKitEndReason)
    case hold(callId: UUID, held: Bool)
    case prepare(callId: UUID)
    case publisherAnswer(callId: UUID, sdp: String)
    case subscriberOffer(callId: UUID, sdp: String)
    case start(callId: UUID)
    case mute(callId: UUID, muted: Bool)
    case statsRequest(callId: UUID, requestId: Int)
    case stop(callId: UUID)

    static let allTypes = [
        "bridge.ready", "callkit.report-incoming", "callkit.start-outgoing", "callkit.outgoing-connected", "callkit.answer",
        "callkit.end", "callkit.hold", "media.prepare", "media.publisher-answer", "media.subscriber-offer",
        "media.start", "media.mute", "media.stats-request", "media.stop",
    ]

    var type: String {
        switch self {
        case .ready: return "bridge.ready"
        case .reportIncoming: return "callkit.report-incoming"
        case .startOutgoing: return "callkit.start-outgoing"
        case .outgoingConnected: return "callkit.outgoing-connected"
        case .answer: return "callkit.answer"
        case .end: return "callkit.end"
        case .hold: return "callkit.hold"
        case .prepare: return "media.prepare"
        case .publisherAnswer: return "media.publisher-answer"
        case .subscriberOffer: return "media.subscriber-offer"
        case .start: return "media.start"
        case .mute: return "media.mute"
        case .statsRequest: return "media.stats-request"
        case .stop: return "media.stop"
        }
    }

    var callId: UUID? {
        switch self {
        case .ready:
            return nil
        case let .reportIncoming(id, _), let .startOutgoing(id, _), let .outgoingConnected(id), let .answer(id),
             let .end(id, _), let .hold(id, _), let .prepare(id), let .publisherAnswer(id, _),
             let .subscriberOffer(id, _), let .start(id), let .mute(id, _), let .statsRequest(id, _), let .stop(id):
            return id
        }
    }
}

private enum Key: String, CodingKey {
    case v, type, callId, caller, callee, reason, held, sdp, muted, requestId
    case waitedMs, leg, candidate, capturing, stats, why, inReplyTo, message, token, environment, bundleId
}

extension WebToNative: Codable {
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let version = try c.decode(Int.self, forKey: .v)
        guard version == BridgeWire.version else { throw BridgeDecodingError.unsupportedVersion(version) }
        let type = try c.decode(String.self, forKey: .type)
        if type == "bridge.ready" {
            self = .ready
            return
        }
        let id = try c.decode(UUID.self, forKey: .callId)
        switch type {
        case "callkit.report-incoming": self = .reportIncoming(callId: id, caller: try c.decode(Peer.self, forKey: .caller))
        case "callkit.start-outgoing": self = .startOutgoing(callId: id, callee: try c.decode(Peer.self, forKey: .callee))
        case "callkit.outgoing-connected": self = .outgoingConnected(callId: id)
        case "callkit.answer": self = .answer(callId: id)
        case "callkit.end": self = .end(callId: id, reason: try c.decode(CallKitEndReason.self, forKey: .reason))
        case "callkit.hold": self = .hold(callId: id, held: try c.decode(Bool.self, forKey: .held))
        case "media.prepare": self = .prepare(callId: id)
        case "media.publisher-answer": self = .publisherAnswer(callId: id, sdp: try c.decode(String.self, forKey: .sdp))
        case "media.subscriber-offer": self = .subscriberOffer(callId: id, sdp: try c.decode(String.self, forKey: .sdp))
        case "media.start": self = .start(callId: id)
        case "media.mute": self = .mute(callId: id, muted: try c.decode(Bool.self, forKey: .muted))
        case "media.stats-request": self = .statsRequest(callId: id, requestId: try c.decode(Int.self, forKey: .requestId))
        case "media.stop": self = .stop(callId: id)
        default: throw BridgeDecodingError.unknownType(type)
        }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(BridgeWire.version, forKey: .v)
        try c.encode(type, forKey: .type)
        if let id = callId { try c.encode(id.wireString, forKey: .callId) }
        switch self {
        case let .reportIncoming(_, caller): try c.encode(caller, forKey: .caller)
        case let .startOutgoing(_, callee): try c.encode(callee, forKey: .callee)
        case let .end(_, reason): try c.encode(reason, forKey: .reason)
        case let .hold(_, held): try c.encode(held, forKey: .held)
        case let .publisherAnswer(_, sdp), let .subscriberOffer(_, sdp): try c.encode(sdp, forKey: .sdp)
        case let .mute(_, muted): try c.encode(muted, forKey: .muted)
        case let .statsRequest(_, requestId): try c.encode(requestId, forKey: .requestId)
        case .ready, .outgoingConnected, .answer, .prepare, .start, .stop: break
        }
    }
}

// MARK: - Shell → page

enum NativeToWeb: Equatable {
    /// PushKit's token; `environment` is the aps-environment entitlement in APNs' words (`sandbox`).
    case voipToken(token: String, environment: String, bundleId: String)
    /// A VoIP push reported this call: the page claims it from the server (`call:reported`).
    case reported(callId: UUID)
    case answered(callId: UUID)
    case ended(callId: UUID, reason: CallKitEndReason)
    case held(callId: UUID, held: Bool)
    case muted(callId: UUID, muted: Bool)
    case audioActivated(callId: UUID)
    case audioDeactivated(callId: UUID)
    case audioActivationFailed(callId: UUID, waitedMs: Int)
    case localOffer(callId: UUID, sdp: String)
    case localAnswer(callId: UUID, sdp: String)
    case candidate(callId: UUID, leg: MediaLeg, candidate: IceCandidate?)
    case capture(callId: UUID, capturing: Bool)
    case stats(callId: UUID, requestId: Int, stats: MediaStats)
    case failed(callId: UUID, why: String)
    case bridgeError(inReplyTo: String?, message: String)

    static let allTypes = [
        "push.voip-token", "callkit.reported", "callkit.answered", "callkit.ended", "callkit.held", "callkit.muted", "audio.activated",
        "audio.deactivated", "audio.activation-failed", "media.local-offer", "media.local-answer",
        "media.candidate", "media.capture", "media.stats", "media.failed", "bridge.error",
    ]

    var type: String {
        switch self {
        case .voipToken: return "push.voip-token"
        case .reported: return "callkit.reported"
        case .answered: return "callkit.answered"
        case .ended: return "callkit.ended"
        case .held: return "callkit.held"
        case .muted: return "callkit.muted"
        case .audioActivated: return "audio.activated"
        case .audioDeactivated: return "audio.deactivated"
        case .audioActivationFailed: return "audio.activation-failed"
        case .localOffer: return "media.local-offer"
        case .localAnswer: return "media.local-answer"
        case .candidate: return "media.candidate"
        case .capture: return "media.capture"
        case .stats: return "media.stats"
        case .failed: return "media.failed"
        case .bridgeError: return "bridge.error"
        }
    }

    var callId: UUID? {
        switch self {
        case let .reported(id), let .answered(id), let .ended(id, _), let .held(id, _), let .muted(id, _), let .audioActivated(id),
             let .audioDeactivated(id), let .audioActivationFailed(id, _), let .localOffer(id, _),
             let .localAnswer(id, _), let .candidate(id, _, _), let .capture(id, _), let .stats(id, _, _),
             let .failed(id, _):
            return id
        case .bridgeError, .voipToken:
            return nil
        }
    }
}

extension NativeToWeb: Codable {
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let version = try c.decode(Int.self, forKey: .v)
        guard version == BridgeWire.version else { throw BridgeDecodingError.unsupportedVersion(version) }
        let type = try c.decode(String.self, forKey: .type)
        if type == "push.voip-token" {
            self = .voipToken(
                token: try c.decode(String.self, forKey: .token),
                environment: try c.decode(String.self, forKey: .environment),
                bundleId: try c.decode(String.self, forKey: .bundleId)
            )
            return
        }
        if type == "bridge.error" {
            self = .bridgeError(
                inReplyTo: try c.decode(String?.self, forKey: .inReplyTo),
                message: try c.decode(String.self, forKey: .message)
            )
            return
        }
        let id = try c.decode(UUID.self, forKey: .callId)
        switch type {
        case "callkit.reported": self = .reported(callId: id)
        case "callkit.answered": self = .answered(callId: id)
        case "callkit.ended": self = .ended(callId: id, reason: try c.decode(CallKitEndReason.self, forKey: .reason))
        case "callkit.held": self = .held(callId: id, held: try c.decode(Bool.self, forKey: .held))
        case "callkit.muted": self = .muted(callId: id, muted: try c.decode(Bool.self, forKey: .muted))
        case "audio.activated": self = .audioActivated(callId: id)
        case "audio.deactivated": self = .audioDeactivated(callId: id)
        case "audio.activation-failed":
            self = .audioActivationFailed(callId: id, waitedMs: try c.decode(Int.self, forKey: .waitedMs))
        case "media.local-offer": self = .localOffer(callId: id, sdp: try c.decode(String.self, forKey: .sdp))
        case "media.local-answer": self = .localAnswer(callId: id, sdp: try c.decode(String.self, forKey: .sdp))
        case "media.candidate":
            self = .candidate(
                callId: id,
                leg: try c.decode(MediaLeg.self, forKey: .leg),
                candidate: try c.decode(IceCandidate?.self, forKey: .candidate)
            )
        case "media.capture": self = .capture(callId: id, capturing: try c.decode(Bool.self, forKey: .capturing))
        case "media.stats":
            self = .stats(
                callId: id,
                requestId: try c.decode(Int.self, forKey: .requestId),
                stats: try c.decode(MediaStats.self, forKey: .stats)
            )
        case "media.failed": self = .failed(callId: id, why: try c.decode(String.self, forKey: .why))
        default: throw BridgeDecodingError.unknownType(type)
        }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(BridgeWire.version, forKey: .v)
        try c.encode(type, forKey: .type)
        if let id = callId { try c.encode(id.wireString, forKey: .callId) }
        switch self {
        case let .ended(_, reason): try c.encode(reason, forKey: .reason)
        case let .held(_, held): try c.encode(held, forKey: .held)
        case let .muted(_, muted): try c.encode(muted, forKey: .muted)
        case let .audioActivationFailed(_, waitedMs): try c.encode(waitedMs, forKey: .waitedMs)
        case let .localOffer(_, sdp), let .localAnswer(_, sdp): try c.encode(sdp, forKey: .sdp)
        case let .candidate(_, leg, candidate):
            try c.encode(leg, forKey: .leg)
            try c.encode(candidate, forKey: .candidate)
        case let .capture(_, capturing): try c.encode(capturing, forKey: .capturing)
        case let .stats(_, requestId, stats):
            try c.encode(requestId, forKey: .requestId)
            try c.encode(stats, forKey: .stats)
        case let .failed(_, why): try c.encode(why, forKey: .why)
        case let .bridgeError(inReplyTo, message):
            try c.encode(inReplyTo, forKey: .inReplyTo)
            try c.encode(message, forKey: .message)
        case let .voipToken(token, environment, bundleId):
            try c.encode(token, forKey: .token)
            try c.encode(environment, forKey: .environment)
            try c.encode(bundleId, forKey: .bundleId)
        case .reported, .answered, .audioActivated, .audioDeactivated: break
        }
    }
}
